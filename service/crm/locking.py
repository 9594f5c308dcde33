"""Optimistic locking: every editable row has a version; an edit names the version it read.

The row is re-read under a row lock (FOR UPDATE on PostgreSQL; SQLite write transactions are already exclusive), so
of two concurrent edits of version N one wins and the other sees N+1 and gets 409 with the current version.

A three-way merge (lock_edit, or check_edit for a record whose fields lie beyond its versioned row: a CRM user's
name and role are its platform user's and grant's, its codes its profile's): a PATCH of a corporation, a site, an
agency, a request (備考・地点数) or a user may carry `base`, the values the editor opened of the fields it changes. Its
409 then names in details.conflicts the fields someone else changed too (the stored value is neither the opened one
nor the editor's); the others only the editor changed, so the editor may send them again under
details.current_version and save them without typing them again (「自分の変更を反映して保存」).
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from service.crm import labels
from service.errors import Conflict

M = TypeVar("M")


def lock(db: Session, obj: M) -> M:
    """Re-read the row under a lock, refreshing the object in the session."""
    mapper = type(obj).__mapper__  # type: ignore[attr-defined]
    key = mapper.primary_key_from_instance(obj)
    return db.get_one(type(obj), key[0] if len(key) == 1 else tuple(key), with_for_update=True, populate_existing=True)


def check_version(obj: object, expected: int | None, *, conflicts: list[str] | None = None) -> None:
    """Refuse a stale version (409 stale_version); conflicts, when the editor sent its base, goes in the details."""
    current = obj.version  # type: ignore[attr-defined]
    if expected is not None and expected != current:
        details = {"resource": type(obj).__tablename__, "current_version": current, "your_version": expected}  # type: ignore[attr-defined]
        if conflicts is not None:
            details["conflicts"] = conflicts
        raise Conflict(labels.STALE, code="stale_version", details=details)


def conflicting(current: Mapping[str, Any], changes: dict[str, Any], base: dict[str, Any]) -> list[str]:
    """The changed fields someone else changed too since `base`: stored value neither the base's nor the change's (a
    field whose opened value the editor could not send, a card number or a password, counts as changed)."""
    return [
        field for field, value in changes.items() if field not in base or current.get(field) not in (base[field], value)
    ]


def check_edit(locked: object, data: Any, changes: dict[str, Any], current: Callable[[], Mapping[str, Any]]) -> None:
    """Refuse a PATCH (`version`, optionally `base`) of a stale version of the locked row; with its base, the 409
    names the fields both changed, comparing the changes with the record's values as current() reads them."""
    opened = None if data.base is None else data.base.model_dump(exclude_unset=True)
    stale = data.version is not None and data.version != locked.version  # type: ignore[attr-defined]
    conflicts = conflicting(current(), changes, opened) if stale and opened else None
    check_version(locked, data.version, conflicts=conflicts)


def lock_edit(db: Session, obj: M, data: Any) -> tuple[M, dict[str, Any]]:
    """lock_version for a PATCH with `version` and, optionally, `base`; returns the row and the fields sent."""
    changes = data.model_dump(exclude_unset=True, exclude={"version", "base"})
    locked = lock(db, obj)
    check_edit(locked, data, changes, lambda: {field: getattr(locked, field, None) for field in changes})
    locked.version += 1  # type: ignore[attr-defined]
    return locked, changes


def lock_version(db: Session, obj: M, expected: int | None) -> M:
    """Lock the row, refuse a stale version, and count this edit."""
    locked = lock(db, obj)
    check_version(locked, expected)
    locked.version += 1  # type: ignore[attr-defined]
    return locked
