"""Optimistic locking: every editable row has a version; an edit names the version it read.

The row is re-read under a row lock (FOR UPDATE on PostgreSQL; SQLite write transactions are already exclusive), so
of two concurrent edits of version N one wins and the other sees N+1 and gets 409 with the current version.
"""

from typing import TypeVar

from sqlalchemy.orm import Session

from service.crm import labels
from service.errors import Conflict

M = TypeVar("M")


def lock(db: Session, obj: M) -> M:
    """Re-read the row under a lock, refreshing the object in the session."""
    mapper = type(obj).__mapper__  # type: ignore[attr-defined]
    key = mapper.primary_key_from_instance(obj)
    return db.get_one(type(obj), key[0] if len(key) == 1 else tuple(key), with_for_update=True, populate_existing=True)


def check_version(obj: object, expected: int | None) -> None:
    current = obj.version  # type: ignore[attr-defined]
    if expected is not None and expected != current:
        raise Conflict(
            labels.STALE,
            code="stale_version",
            details={"resource": type(obj).__tablename__, "current_version": current, "your_version": expected},  # type: ignore[attr-defined]
        )


def lock_version(db: Session, obj: M, expected: int | None) -> M:
    """Lock the row, refuse a stale version, and count this edit."""
    locked = lock(db, obj)
    check_version(locked, expected)
    locked.version += 1  # type: ignore[attr-defined]
    return locked
