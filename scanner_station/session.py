"""The logged-in nursery and its token, kept in the station's database so a restart resumes without a login."""

import sqlite3
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Session:
    token: str
    nursery_id: int
    nursery_name: str
    nursery_code: str
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


class SessionStore:
    """One row: the current session, or none."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def load(self) -> Session | None:
        row = self.db.execute(
            "SELECT token, nursery_id, nursery_name, nursery_code, expires_at FROM session WHERE id = 1"
        ).fetchone()
        return Session(*row[:4], datetime.fromisoformat(row[4])) if row else None

    def save(self, session: Session) -> None:
        self.db.execute(
            "INSERT INTO session (id, token, nursery_id, nursery_name, nursery_code, expires_at) "
            "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET token = excluded.token, "
            "nursery_id = excluded.nursery_id, nursery_name = excluded.nursery_name, "
            "nursery_code = excluded.nursery_code, expires_at = excluded.expires_at",
            (
                session.token,
                session.nursery_id,
                session.nursery_name,
                session.nursery_code,
                session.expires_at.isoformat(),
            ),
        )

    def clear(self) -> None:
        self.db.execute("DELETE FROM session")
