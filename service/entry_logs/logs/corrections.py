"""再登録 (entry-logs.md CON-B-002): staff record by hand the entry or exit a scan missed, at its real time and with
their reason. It is counted as a scan is, queues behind the parent's scans on their row lock, and is audited."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.entry_logs import counts, labels
from service.entry_logs.models import STAFF, EntryLog, Nursery, Parent
from service.errors import ValidationFailed

DOMAIN = "entry_logs"
MANUAL_FIELDS = ("parent_id", "nursery_id", "entry_type", "occurred_at", "station_id", "recorded_by", "manual_reason")
FIELD = "occurredAt"


def checked_time(at: datetime, now: datetime) -> datetime:
    """With its zone, not ahead of now, and within the retention period."""
    if at.tzinfo is None:
        raise ValidationFailed(labels.MANUAL_NEEDS_ZONE, details={"field": FIELD, "rule": "timezone_required"})
    if at > now:
        raise ValidationFailed(labels.MANUAL_IN_FUTURE, details={"field": FIELD, "rule": "not_in_future"})
    days = get_settings().entry_logs_retention_days
    if at < now - timedelta(days=days):
        message = labels.MANUAL_TOO_OLD.format(days=days)
        raise ValidationFailed(message, details={"field": FIELD, "rule": "within_retention_period"})
    return at.astimezone(UTC)


def lock_parent(db: Session, parent: Parent) -> None:
    """Scans hold the parent's row while they write."""
    db.execute(select(Parent.id).where(Parent.id == parent.id).with_for_update())


def write_by_hand(
    db: Session,
    *,
    nursery: Nursery,
    parent: Parent,
    entry_type: str,
    at: datetime,
    reason: str | None,
    actor: Actor,
    action: str,
    now: datetime,
    station_id: str | None = None,
) -> EntryLog:
    log = EntryLog(
        parent_id=parent.id,
        nursery_id=nursery.id,
        entry_type=entry_type,
        occurred_at=at,
        created_at=now,
        station_id=station_id,
        recorded_by=actor.label[:100],
        manual_reason=reason or None,
        decided_by=STAFF,
    )
    db.add(log)
    db.flush()
    counts.add(db, [(log.nursery_id, log.occurred_at, log.entry_type)], by=1)
    audit.record(
        db,
        actor=actor,
        action=action,
        domain=DOMAIN,
        target_type="entry_exit_log",
        target_id=log.id,
        changes=audit.diff({}, audit.snapshot(log, MANUAL_FIELDS)),
        at=now,
    )
    return log


def record_log(
    db: Session,
    *,
    nursery: Nursery,
    parent: Parent,
    entry_type: str,
    at: datetime,
    reason: str,
    actor: Actor,
    now: datetime,
) -> EntryLog:
    at = checked_time(at, now)
    lock_parent(db, parent)
    return write_by_hand(
        db,
        nursery=nursery,
        parent=parent,
        entry_type=entry_type,
        at=at,
        reason=reason,
        actor=actor,
        action="record_log",
        now=now,
    )
