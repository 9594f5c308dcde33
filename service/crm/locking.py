"""Optimistic locking: an edit names the version it read; the row is re-read under a row lock (SQLite's write
transactions are exclusive already), so of two concurrent edits of version N the second gets 409.

With `base` (the values the editor opened), the 409 names in details.conflicts the fields someone else changed too; the
others only the editor changed, so they may be sent again under details.current_version without retyping
(「自分の変更を反映して保存」)."""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from service.crm import labels
from service.errors import Conflict

M = TypeVar("M")


def lock(db: Session, obj: M) -> M:
    mapper = type(obj).__mapper__  # type: ignore[attr-defined]
    key = mapper.primary_key_from_instance(obj)
    return db.get_one(type(obj), key[0] if len(key) == 1 else tuple(key), with_for_update=True, populate_existing=True)


def check_version(obj: object, expected: int | None, *, conflicts: list[str] | None = None) -> None:
    current = obj.version  # type: ignore[attr-defined]
    if expected is not None and expected != current:
        details = {"resource": type(obj).__tablename__, "current_version": current, "your_version": expected}  # type: ignore[attr-defined]
        if conflicts is not None:
            details["conflicts"] = conflicts
        raise Conflict(labels.STALE, code="stale_version", details=details)


def conflicting(current: Mapping[str, Any], changes: dict[str, Any], base: dict[str, Any]) -> list[str]:
    """A field whose opened value the editor could not send (a card number, a password) counts as changed."""
    return [
        field for field, value in changes.items() if field not in base or current.get(field) not in (base[field], value)
    ]


def check_edit(locked: object, data: Any, changes: dict[str, Any], current: Callable[[], Mapping[str, Any]]) -> None:
    """For a record whose fields lie beyond its versioned row (a CRM user's name and role are its platform user's)."""
    opened = None if data.base is None else data.base.model_dump(exclude_unset=True)
    stale = data.version is not None and data.version != locked.version  # type: ignore[attr-defined]
    conflicts = conflicting(current(), changes, opened) if stale and opened else None
    check_version(locked, data.version, conflicts=conflicts)


def lock_edit(db: Session, obj: M, data: Any) -> tuple[M, dict[str, Any]]:
    changes = data.model_dump(exclude_unset=True, exclude={"version", "base"})
    locked = lock(db, obj)
    check_edit(locked, data, changes, lambda: {field: getattr(locked, field, None) for field in changes})
    locked.version += 1  # type: ignore[attr-defined]
    return locked, changes


def lock_version(db: Session, obj: M, expected: int | None) -> M:
    locked = lock(db, obj)
    check_version(locked, expected)
    locked.version += 1  # type: ignore[attr-defined]
    return locked
