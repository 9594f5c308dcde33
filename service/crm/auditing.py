"""The CRM's audit entries: every change a person makes, with before/after (card data is redacted by audit.diff)."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor

DOMAIN = "crm"


def record(
    db: Session, actor: Actor, action: str, target_type: str, target_id: Any, changes: dict | None = None
) -> None:
    audit.record(
        db, actor=actor, action=action, domain=DOMAIN, target_type=target_type, target_id=target_id, changes=changes
    )


def record_change(
    db: Session, actor: Actor, action: str, target_type: str, target_id: Any, before: dict, after: dict
) -> dict:
    """Audit the fields that differ (nothing when none do); returns the diff."""
    changes = audit.diff(before, after)
    if changes:
        record(db, actor, action, target_type, target_id, changes)
    return changes


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return audit.snapshot(obj, fields)
