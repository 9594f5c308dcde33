"""A bounded on-disk event buffer (SQLite): events wait here until a heartbeat carrying them was acknowledged.

Events are appended first and removed only after the server answered 200 to the heartbeat that carried them,
so a crash or an unreachable server loses nothing; the server deduplicates by client_event_id, so a resend after
a lost answer is harmless. When the buffer is full the oldest events are dropped and counted.
"""

import logging
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

log = logging.getLogger("agent.buffer")

Level = Literal["info", "warning", "error"]
MAX_MESSAGE_CHARS = 2000

SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_event_id TEXT NOT NULL UNIQUE,
    occurred_at TEXT NOT NULL,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Event:
    client_event_id: str
    occurred_at: str
    level: Level
    kind: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {
            "client_event_id": self.client_event_id,
            "occurred_at": self.occurred_at,
            "level": self.level,
            "kind": self.kind,
            "message": self.message,
        }


def new_event(level: Level, kind: str, message: str, now: datetime | None = None) -> Event:
    occurred = (now or datetime.now(UTC)).isoformat()
    return Event(str(uuid.uuid4()), occurred, level, kind, message[:MAX_MESSAGE_CHARS])


class EventBuffer:
    """Oldest-first queue of events on disk, at most max_events long."""

    def __init__(self, path: Path, max_events: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_events = max_events
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def append(self, event: Event) -> None:
        """Store the event; drop the oldest ones beyond max_events and count them."""
        with self._transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO event (client_event_id, occurred_at, level, kind, message) "
                "VALUES (?, ?, ?, ?, ?)",
                (event.client_event_id, event.occurred_at, event.level, event.kind, event.message),
            )
            overflow = self._count() - self.max_events
            if overflow > 0:
                self._db.execute(
                    "DELETE FROM event WHERE seq IN (SELECT seq FROM event ORDER BY seq LIMIT ?)", (overflow,)
                )
                self._db.execute(
                    "INSERT INTO counter (name, value) VALUES ('dropped', ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                    (overflow,),
                )
        if overflow > 0:
            log.warning("event buffer full (%d events): dropped the %d oldest", self.max_events, overflow)

    def _count(self) -> int:
        return self._db.execute("SELECT count(*) FROM event").fetchone()[0]

    def __len__(self) -> int:
        return self._count()

    def peek(self, limit: int) -> list[Event]:
        """The oldest events, without removing them."""
        rows = self._db.execute(
            "SELECT client_event_id, occurred_at, level, kind, message FROM event ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [Event(*row) for row in rows]

    def acknowledge(self, events: list[Event]) -> None:
        """The server has these: remove them."""
        with self._transaction():
            self._db.executemany("DELETE FROM event WHERE client_event_id = ?", [(e.client_event_id,) for e in events])

    def take_dropped(self) -> int:
        """How many events were dropped since the last call (and reset the count)."""
        with self._transaction():
            row = self._db.execute("SELECT value FROM counter WHERE name = 'dropped'").fetchone()
            self._db.execute("DELETE FROM counter WHERE name = 'dropped'")
        return row[0] if row else 0

    def close(self) -> None:
        self._db.close()
