"""The fleet domain's audit entries: every change a person (or a terminal) makes, with before/after."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor


def record(
    db: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: Any,
    changes: dict | None = None,
    at: datetime | None = None,
) -> None:
    audit.record(
        db,
        actor=actor,
        action=action,
        domain="fleet",
        target_type=target_type,
        target_id=target_id,
        changes=changes,
        at=at,
    )
