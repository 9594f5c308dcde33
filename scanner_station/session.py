"""The station's nursery and its token, kept in the station's database so a restart resumes without a login.

The row stays when the token ends (the service refused it, or it expired): the station keeps scanning for that
nursery and holds the scans until staff log in again. Only an explicit logout deletes it.
"""

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from scanner_station.config import ENTRY_TYPES

AUTO = "auto"
MODE_DECIDED_BY = {"presence": AUTO, "toggle": "manual"}  # the mode a scan's answer shows the nursery is in


@dataclass(frozen=True)
class Session:
    token: str
    nursery_id: int
    nursery_name: str
    nursery_code: str
    expires_at: datetime
    ended: bool = False  # the service refused the token (401)

    def live(self, now: datetime) -> bool:
        """Whether the token can still be used."""
        return not self.ended and self.expires_at > now


class SessionStore:
    """One row: the current session, or none."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def load(self) -> Session | None:
        row = self.db.execute(
            "SELECT token, nursery_id, nursery_name, nursery_code, expires_at, ended FROM session WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        token, nursery_id, nursery_name, nursery_code, expires_at, ended = row
        return Session(token, nursery_id, nursery_name, nursery_code, datetime.fromisoformat(expires_at), bool(ended))

    def save(self, session: Session) -> None:
        self.db.execute(
            "INSERT INTO session (id, token, nursery_id, nursery_name, nursery_code, expires_at, ended) "
            "VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET token = excluded.token, "
            "nursery_id = excluded.nursery_id, nursery_name = excluded.nursery_name, "
            "nursery_code = excluded.nursery_code, expires_at = excluded.expires_at, ended = excluded.ended",
            (
                session.token,
                session.nursery_id,
                session.nursery_name,
                session.nursery_code,
                session.expires_at.isoformat(),
                int(session.ended),
            ),
        )

    def clear(self) -> None:
        self.db.execute("DELETE FROM session")


class Settings:
    """What the station keeps beyond a restart and a logout: the 入/出 toggle, the nursery's mode as the service last
    said it (自動 or 手動), and the device token its last login answered, which makes it a known station at its next
    login (signed in past a lockout of its nursery code)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def _read(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM setting WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _write(self, name: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def entry_type(self, default: str) -> str:
        value = self._read("entry_type")
        return value if value is not None and value in ENTRY_TYPES.values() else default

    def save_entry_type(self, entry_type: str) -> None:
        self._write("entry_type", entry_type)

    def entry_mode(self) -> str:
        """auto (the service decides each scan's 入/出 from the person's state; the default) or manual."""
        return self._read("entry_mode") or AUTO

    def save_entry_mode(self, mode: str) -> None:
        self._write("entry_mode", mode)

    def device_token(self) -> str | None:
        return self._read("device_token")

    def save_device_token(self, token: str) -> None:
        self._write("device_token", token)
