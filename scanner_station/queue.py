"""The station's durable scan queue and recent history (SQLite, in the state directory, readable by its owner only).

A scan is written here the moment it is read, before anything is sent, so a crash or an unreachable service loses
nothing. It stays 'pending' until the service gave a definitive answer (recorded, double scan, or refused), then keeps
that status as a history row. Pending scans are never dropped: at `max_pending` new scans are refused instead.
Each nursery keeps its latest `keep_finished` answered rows, refused ones ('failed', shown as 保留 with the service's
reason) included; older ones are pruned, as the browser station does. A record of 「カードを忘れた方」 joins them as a
'success' row marked `by_hand` (shown as 手入力).
"""

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Status = Literal["pending", "success", "failed", "duplicate"]
FINISHED: tuple[Status, ...] = ("success", "failed", "duplicate")

SCHEMA = """
CREATE TABLE IF NOT EXISTS scan (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_scan_id TEXT NOT NULL UNIQUE,
    nursery_id INTEGER NOT NULL,
    parent_id INTEGER NOT NULL,
    entry_type TEXT NOT NULL CHECK (entry_type IN ('Entry', 'Exit')),
    scanned_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'success', 'failed', 'duplicate')),
    attempts INTEGER NOT NULL DEFAULT 0,
    parent_name TEXT,
    message TEXT,
    log_id INTEGER,
    by_hand INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS scan_status_seq ON scan (status, seq);
CREATE TABLE IF NOT EXISTS session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL,
    nursery_id INTEGER NOT NULL,
    nursery_name TEXT NOT NULL,
    nursery_code TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS setting (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
COLUMNS = (
    "seq, client_scan_id, nursery_id, parent_id, entry_type, scanned_at, status, attempts, parent_name, message, "
    "log_id, by_hand"
)


class QueueFull(Exception):
    """max_pending scans are waiting to be sent; a new one is refused rather than an old one dropped."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit} scans are waiting to be sent")
        self.limit = limit


@dataclass(frozen=True)
class Scan:
    seq: int
    client_scan_id: str
    nursery_id: int
    parent_id: int
    entry_type: str
    scanned_at: datetime
    status: Status
    attempts: int
    parent_name: str | None
    message: str | None
    log_id: int | None
    by_hand: bool = False  # recorded by staff in 「カードを忘れた方」, not scanned
    # from the service's answer, for the screen only (not kept in the queue): the children expected today
    child_names: tuple[str, ...] = ()
    pickup_warning: str | None = None  # an exit by someone who may not collect a child: shown in red

    @classmethod
    def from_row(cls, row: tuple) -> "Scan":
        """Columns in COLUMNS' order."""
        seq, scan_id, nursery, parent, entry_type, scanned_at, status, attempts, name, message, log_id, by_hand = row
        scanned = datetime.fromisoformat(scanned_at)
        return cls(
            seq, scan_id, nursery, parent, entry_type, scanned, status, attempts, name, message, log_id, by_hand == 1
        )

    @property
    def shown_status(self) -> str:
        """The status the history shows: by_hand (手入力) for a record by hand."""
        return "by_hand" if self.by_hand else self.status


def open_database(path: Path) -> sqlite3.Connection:
    """The station's SQLite file (mode 0600, WAL), created with its schema when missing."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA busy_timeout=5000")
    db.executescript(SCHEMA)
    add_missing_columns(db)
    return db


def add_missing_columns(db: sqlite3.Connection) -> None:
    """The session's ended flag and the scans' by_hand mark, for a state file an older station left."""
    if "ended" not in {row[1] for row in db.execute("PRAGMA table_info(session)")}:
        db.execute("ALTER TABLE session ADD COLUMN ended INTEGER NOT NULL DEFAULT 0")
    if "by_hand" not in {row[1] for row in db.execute("PRAGMA table_info(scan)")}:
        db.execute("ALTER TABLE scan ADD COLUMN by_hand INTEGER NOT NULL DEFAULT 0")


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class ScanQueue:
    """Pending scans, oldest first, and the finished ones kept for the history."""

    def __init__(self, db: sqlite3.Connection, *, max_pending: int, keep_finished: int) -> None:
        self.db = db
        self.max_pending = max_pending
        self.keep_finished = keep_finished

    def add(self, *, nursery_id: int, parent_id: int, entry_type: str, now: datetime | None = None) -> Scan:
        """Store a new scan with a fresh client scan id; QueueFull when max_pending are already waiting."""
        scan_id = str(uuid.uuid4())
        scanned_at = (now or datetime.now(UTC)).isoformat()
        with transaction(self.db):
            if self.pending_count() >= self.max_pending:
                raise QueueFull(self.max_pending)
            self.db.execute(
                "INSERT INTO scan (client_scan_id, nursery_id, parent_id, entry_type, scanned_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (scan_id, nursery_id, parent_id, entry_type, scanned_at),
            )
        return self.get(scan_id)

    def get(self, client_scan_id: str) -> Scan:
        row = self.db.execute(f"SELECT {COLUMNS} FROM scan WHERE client_scan_id = ?", (client_scan_id,)).fetchone()
        if row is None:
            raise KeyError(client_scan_id)
        return Scan.from_row(row)

    def pending_count(self, nursery_id: int | None = None) -> int:
        if nursery_id is None:
            return self.db.execute("SELECT count(*) FROM scan WHERE status = 'pending'").fetchone()[0]
        return self.db.execute(
            "SELECT count(*) FROM scan WHERE status = 'pending' AND nursery_id = ?", (nursery_id,)
        ).fetchone()[0]

    def oldest_pending(self, nursery_id: int) -> Scan | None:
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM scan WHERE status = 'pending' AND nursery_id = ? ORDER BY seq LIMIT 1",
            (nursery_id,),
        ).fetchone()
        return Scan.from_row(row) if row else None

    def count_attempt(self, client_scan_id: str) -> None:
        self.db.execute("UPDATE scan SET attempts = attempts + 1 WHERE client_scan_id = ?", (client_scan_id,))

    def finish(
        self,
        client_scan_id: str,
        status: Status,
        *,
        parent_name: str | None = None,
        message: str | None = None,
        log_id: int | None = None,
        entry_type: str | None = None,
    ) -> Scan:
        """The service answered: keep the answer (with the 入/出 it recorded, which in 自動 mode it decided) as a
        history row and prune the history beyond keep_finished."""
        if status not in FINISHED:
            raise ValueError(f"{status!r} is not a finished status")
        with transaction(self.db):
            self.db.execute(
                "UPDATE scan SET status = ?, attempts = attempts + 1, parent_name = ?, message = ?, log_id = ?, "
                "entry_type = coalesce(?, entry_type) WHERE client_scan_id = ? AND status = 'pending'",
                (status, parent_name, message, log_id, entry_type, client_scan_id),
            )
            scan = self.get(client_scan_id)
            self._prune(scan.nursery_id)
        return scan

    def add_by_hand(
        self, *, nursery_id: int, parent_id: int, entry_type: str, at: datetime, parent_name: str, log_id: int
    ) -> Scan:
        """A record of 「カードを忘れた方」 (the service has it already) as a history row, pruned as answers are."""
        scan_id = str(uuid.uuid4())
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO scan (client_scan_id, nursery_id, parent_id, entry_type, scanned_at, status, parent_name, "
                "log_id, by_hand) VALUES (?, ?, ?, ?, ?, 'success', ?, ?, 1)",
                (scan_id, nursery_id, parent_id, entry_type, at.isoformat(), parent_name, log_id),
            )
            self._prune(nursery_id)
        return self.get(scan_id)

    def _prune(self, nursery_id: int) -> None:
        self.db.execute(
            "DELETE FROM scan WHERE status != 'pending' AND nursery_id = ? AND seq NOT IN "
            "(SELECT seq FROM scan WHERE status != 'pending' AND nursery_id = ? ORDER BY seq DESC LIMIT ?)",
            (nursery_id, nursery_id, self.keep_finished),
        )

    def recent(self, nursery_id: int, limit: int) -> list[Scan]:
        """The latest `limit` scans of one nursery, newest first, pending and refused ones included."""
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM scan WHERE nursery_id = ? ORDER BY seq DESC LIMIT ?", (nursery_id, limit)
        ).fetchall()
        return [Scan.from_row(row) for row in rows]
