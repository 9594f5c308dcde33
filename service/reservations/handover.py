"""Handing a reservation to a person: opening a manual operation with its priority and target time (§2.2, §2.3.2),
closing the open ones, and which open one the requester is told about. Holds, payments, calls, paging, bookings and the
requester's pages all hand over here; the operations' queue and work are operations/.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from service import fields
from service.reservations import business_hours, labels, page_state
from service.reservations.kinds import OperationStatus, OperationType, Priority
from service.reservations.messages import notify_slack
from service.reservations.models import ManualOperation, Reservation

PRIORITY_ORDER = case({priority.value: rank for rank, priority in enumerate(Priority)}, value=ManualOperation.priority)
OPEN_STATUSES = tuple(status.value for status in OperationStatus if status.open)


def open_operation(
    db: Session, reservation: Reservation, op_type: str, *, reason: str, now: datetime, priority: str | None = None
) -> ManualOperation:
    """Unless one of this type is already open; 緊急 or 高 pages the person on duty at once."""
    existing = db.scalar(
        select(ManualOperation).where(
            ManualOperation.reservation_id == reservation.id,
            ManualOperation.op_type == op_type,
            ManualOperation.status.in_(OPEN_STATUSES),
        )
    )
    if existing is not None:
        return existing
    priority = priority or OperationType.of(op_type).priority
    operation = ManualOperation(
        reservation_id=reservation.id,
        op_type=op_type,
        priority=priority,
        reason=reason[: fields.length(ManualOperation.reason)],
        due_at=due_time(priority, now),
        created_at=now,
        updated_at=now,
    )
    db.add(operation)
    db.flush()
    notify_slack(
        db, kind="manual_operation", message=slack_message(reservation, op_type), reservation=reservation, now=now
    )
    if priority in page_state.PAGED_PRIORITIES:
        page_state.page_soon(db, "operation_id", operation.id)
    return operation


def due_time(priority: str, start: datetime) -> datetime:
    """緊急 30 minutes later whatever the hour, the others counted in the team's hours (business_hours.py). The one rule
    of the 対応時間目標, its overdue flag and the pages' escalation."""
    kind = Priority.of(priority)
    if kind.round_the_clock:
        return start + timedelta(minutes=kind.minutes)
    return business_hours.add_working_minutes(start, kind.minutes)


def slack_message(reservation: Reservation, op_type: str) -> str:
    """§2.2, else the generic one of §4.3.1."""
    template = labels.SLACK_MESSAGES.get(op_type)
    if template:
        return template.format(code=reservation.code)
    return labels.SLACK_MANUAL.format(code=reservation.code, kind=labels.OPERATION_TYPES[op_type])


def resolve_open(
    db: Session,
    reservation: Reservation,
    *,
    resolution: str,
    by: str,
    now: datetime,
    types: Iterable[str] | None = None,
) -> int:
    stmt = select(ManualOperation).where(
        ManualOperation.reservation_id == reservation.id, ManualOperation.status.in_(OPEN_STATUSES)
    )
    if types is not None:
        stmt = stmt.where(ManualOperation.op_type.in_(tuple(types)))
    operations = list(db.scalars(stmt))
    for operation in operations:
        for name, value in (closed(resolution, by, now) | {"updated_at": now}).items():
            setattr(operation, name, value)
    return len(operations)


def closed(resolution: str, by: str, now: datetime) -> dict:
    return {
        "status": "resolved",
        "resolution": resolution,
        "resolved_by": by[: fields.length(ManualOperation.resolved_by)],
        "resolved_at": now,
    }


def needing_a_person(db: Session, reservation: Reservation) -> ManualOperation | None:
    """The open operation the requester is told about (their status page, an MCP answer): the most urgent, then the
    oldest."""
    return db.scalar(
        select(ManualOperation)
        .where(ManualOperation.reservation_id == reservation.id, ManualOperation.status.in_(OPEN_STATUSES))
        .order_by(PRIORITY_ORDER, ManualOperation.created_at, ManualOperation.id)
        .limit(1)
    )
