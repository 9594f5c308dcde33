"""The reservations domain's audit entries: every change a person makes, with before/after."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.reservations.messages import DOMAIN


def record(
    db: Session,
    actor: Actor,
    action: str,
    target: tuple[str, Any],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    """One entry about target (type, id) with the fields that changed between before and after."""
    target_type, target_id = target
    audit.record(
        db,
        actor=actor,
        action=action,
        domain=DOMAIN,
        target_type=target_type,
        target_id=target_id,
        changes=audit.diff(before, after),
        at=now,
    )


def update(
    db: Session,
    obj: Any,
    changes: dict[str, Any],
    fields: Iterable[str],
    *,
    actor: Actor,
    action: str,
    target: tuple[str, Any],
    now: datetime,
) -> None:
    """Apply changes to obj (and its updated_at), audited over the given fields."""
    fields = tuple(fields)
    before = audit.snapshot(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.updated_at = now
    record(db, actor, action, target, before, audit.snapshot(obj, fields), now)
