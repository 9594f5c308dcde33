"""Manual operations (§2.2.1–2.2.6) with the priorities and target times of §2.3.2, and notes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from service import fields
from service.audit.service import Actor
from service.errors import Conflict, ValidationFailed
from service.identity.models import Grant, User
from service.reservations import auditing, handover, labels, page_state
from service.reservations.messages import DOMAIN
from service.reservations.models import CallAttempt, ManualOperation, Note, Page, Reservation, as_dict

SHOP_ANSWER_TYPES = ("all_shops_declined", "ambiguous_answer", "change_request")
AUDIT_FIELDS = fields.audited(ManualOperation, "work")
WORKER_ROLES = ("operator", "support")


def create_operation(
    db: Session, *, reservation: Reservation, op_type: str, reason: str, actor: Actor, now: datetime
) -> ManualOperation:
    """E.g. support after a requester's call about an expired payment link."""
    operation = handover.open_operation(db, reservation, op_type, reason=reason, now=now)
    created = {"reservation": reservation.code, "op_type": op_type, "reason": reason}
    auditing.record(db, actor, "create_manual_operation", ("manual_operation", operation.id), None, created, now)
    return operation


def assign(db: Session, *, operation: ManualOperation, assignee_id: int, actor: Actor, now: datetime) -> None:
    if operation.status == "resolved":
        raise Conflict("対応済みのオペレーションです", code="operation_resolved", details={"id": operation.id})
    if assignee_id not in {option["id"] for option in assignees(db)}:
        raise ValidationFailed(
            "担当者は予約の運営担当者またはサポート担当から選んでください",
            details={"field": "assignee_id", "rule": "reservations_worker"},
        )
    auditing.update(
        db,
        operation,
        {"assignee_id": assignee_id, "status": "in_progress"},
        AUDIT_FIELDS,
        actor=actor,
        action="assign_manual_operation",
        target=("manual_operation", operation.id),
        now=now,
    )


def resolve(db: Session, *, operation: ManualOperation, resolution: str, actor: Actor, now: datetime) -> None:
    if operation.status == "resolved":
        raise Conflict("対応済みのオペレーションです", code="operation_resolved", details={"id": operation.id})
    auditing.update(
        db,
        operation,
        handover.closed(resolution, actor.label, now),
        AUDIT_FIELDS,
        actor=actor,
        action="resolve_manual_operation",
        target=("manual_operation", operation.id),
        now=now,
    )


def assignees(db: Session) -> list[dict]:
    rows = db.execute(
        select(User.id, User.name, Grant.role)
        .join(Grant, Grant.user_id == User.id)
        .where(Grant.domain == DOMAIN, Grant.role.in_(WORKER_ROLES), User.is_active)
        .order_by(User.name)
    ).all()
    return [{"id": r.id, "name": r.name, "role": r.role} for r in rows]


@dataclass(frozen=True)
class OperationFilter:
    status: str | None = None
    op_type: str | None = None
    priority: str | None = None
    open_only: bool = True


OPERATION_COLUMNS = (
    ManualOperation,
    Reservation.code.label("reservation_code"),
    Reservation.status.label("reservation_status"),
    Reservation.requester_name,
    User.name.label("assignee_name"),
    CallAttempt.transcript.label("call_transcript"),
    CallAttempt.summary.label("call_summary"),
)


def operation_rows() -> Select:
    rows = (
        select(*OPERATION_COLUMNS)
        .join(Reservation, Reservation.id == ManualOperation.reservation_id)
        .outerjoin(User, User.id == ManualOperation.assignee_id)
        .outerjoin(CallAttempt, CallAttempt.id == ManualOperation.call_attempt_id)
    )
    return page_state.joined(rows, Page.operation_id == ManualOperation.id)


def _conditions(flt: OperationFilter) -> list:
    conditions = []
    if flt.status:
        conditions.append(ManualOperation.status == flt.status)
    elif flt.open_only:
        conditions.append(ManualOperation.status.in_(handover.OPEN_STATUSES))
    if flt.op_type:
        conditions.append(ManualOperation.op_type == flt.op_type)
    if flt.priority:
        conditions.append(ManualOperation.priority == flt.priority)
    return conditions


def queue_order(flt: OperationFilter) -> tuple:
    """Most urgent first, then the earliest target time; resolved ones newest first."""
    if flt.open_only and flt.status in (None, *handover.OPEN_STATUSES):
        return handover.PRIORITY_ORDER, ManualOperation.due_at, ManualOperation.id
    return ManualOperation.created_at.desc(), ManualOperation.id.desc()


def queue_query(flt: OperationFilter) -> Select:
    return operation_rows().where(*_conditions(flt))


def queue(db: Session, *, flt: OperationFilter, offset: int, limit: int) -> tuple[Sequence[Row], int]:
    total = db.scalar(select(func.count()).select_from(ManualOperation).where(*_conditions(flt))) or 0
    rows = db.execute(queue_query(flt).order_by(*queue_order(flt)).offset(offset).limit(limit)).all()
    return rows, total


def operation_read(row, now: datetime) -> dict:
    operation: ManualOperation = row[0]
    return {
        **as_dict(operation),
        "reservation_code": row.reservation_code,
        "reservation_status": row.reservation_status,
        "requester_name": row.requester_name,
        "assignee_name": row.assignee_name,
        "type_label": labels.OPERATION_TYPES[operation.op_type],
        "priority_label": labels.PRIORITIES[operation.priority],
        "status_label": labels.OPERATION_STATUSES[operation.status],
        "overdue": operation.status != "resolved" and operation.due_at < now,
        "paging": page_state.paging(row),
        "shop_said": shop_said(operation, row.call_transcript, row.call_summary),
        "can_send_notice": operation.outbox_message_id is not None and operation.status != "resolved",
    }


def operation_of(db: Session, operation_id: int, now: datetime) -> dict:
    row = db.execute(operation_rows().where(ManualOperation.id == operation_id)).one()
    return operation_read(row, now)


def shop_said(operation: ManualOperation, transcript: str | None, summary: str | None) -> str:
    """§2.2.4, §2.2.5: the call's transcript (else the provider's summary); a change request an operator recorded is
    their note."""
    if operation.call_attempt_id is not None:
        return transcript or summary or ""
    return operation.reason if operation.op_type == "change_request" else ""


def add_note(db: Session, *, reservation: Reservation, body: str, actor: Actor, now: datetime) -> Note:
    note = Note(reservation_id=reservation.id, author=actor.label[:100], body=body, created_at=now)
    db.add(note)
    db.flush()
    auditing.record(db, actor, "add_note", ("reservation", reservation.code), None, {"note": body}, now)
    return note
