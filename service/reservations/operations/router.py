"""The manual operations API (§2.2): the queue, its CSV, assigning, resolving, sending an undelivered notice by
e-mail, and a reservation's notes. Thin handlers; the rules live in operations.py and notices.py."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.openapi import declares
from service.pagination import Page, Paging, page_of
from service.reservations import lookups
from service.reservations.dependencies import CONSOLE_ONLY, Operator, PathOperation, PathReservation, Worker
from service.reservations.kinds import OperationStatus, OperationType, Priority
from service.reservations.operations import csv_exports, notices, operations
from service.reservations.operations.schemas import (
    AssigneeOption,
    NoteIn,
    NoticeByEmail,
    OperationAssign,
    OperationCreate,
    OperationRead,
    OperationResolve,
    ReservationNoteRead,
)

router = APIRouter(prefix="/reservations", tags=["reservations"])


def operation_filter(
    status: OperationStatus | None = None,
    op_type: OperationType | None = None,
    priority: Priority | None = None,
    include_resolved: bool = False,
) -> operations.OperationFilter:
    return operations.OperationFilter(status=status, op_type=op_type, priority=priority, open_only=not include_resolved)


OperationFilters = Annotated[operations.OperationFilter, Depends(operation_filter)]


@router.get("/assignees", response_model=list[AssigneeOption], dependencies=CONSOLE_ONLY)
def assignee_options(_: Worker, db: DbSession) -> list[dict]:
    return operations.assignees(db)


@router.get("/manual-operations", response_model=Page[OperationRead], dependencies=CONSOLE_ONLY)
def list_operations(_: Worker, db: DbSession, paging: Paging, flt: OperationFilters) -> Page:
    """The queue: open and in-progress operations, most urgent and earliest target first (include_resolved: every
    operation, newest first)."""
    rows, total = operations.queue(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    now = utcnow()
    return page_of([operations.operation_read(row, now) for row in rows], total, paging)


@router.get("/manual-operations/export", **exports.download_route(*CONSOLE_ONLY))
def export_operations(_: Worker, flt: OperationFilters) -> exports.Download:
    """The queue's operations the filters select, in the queue's order, as the CSV download."""
    return exports.download(csv_exports.operation_export(flt, utcnow()), "qrv_manual_operations", "手動対応キュー")


@router.post("/manual-operations", response_model=OperationRead, status_code=201, dependencies=CONSOLE_ONLY)
@declares(404)  # body reservation_code
def create_operation(body: OperationCreate, caller: Worker, db: DbSession) -> dict:
    now = utcnow()
    reservation = lookups.get_by_code(db, body.reservation_code)
    operation = operations.create_operation(
        db, reservation=reservation, op_type=body.op_type, reason=body.reason, actor=caller.actor, now=now
    )
    return _operation(db, operation.id)


def _operation(db: DbSession, operation_id: int) -> dict:
    return operations.operation_of(db, operation_id, utcnow())


@router.post("/manual-operations/{operation_id}/assign", response_model=OperationRead, dependencies=CONSOLE_ONLY)
def assign_operation(body: OperationAssign, caller: Operator, operation: PathOperation, db: DbSession) -> dict:
    assignee = body.assignee_id if body.assignee_id is not None else caller.user_id
    operations.assign(db, operation=operation, assignee_id=assignee, actor=caller.actor, now=utcnow())
    return _operation(db, operation.id)


@router.post("/manual-operations/{operation_id}/resolve", response_model=OperationRead, dependencies=CONSOLE_ONLY)
def resolve_operation(body: OperationResolve, caller: Operator, operation: PathOperation, db: DbSession) -> dict:
    operations.resolve(db, operation=operation, resolution=body.resolution, actor=caller.actor, now=utcnow())
    return _operation(db, operation.id)


@router.post("/manual-operations/{operation_id}/send-email", response_model=OperationRead, dependencies=CONSOLE_ONLY)
def send_notice_by_email(
    caller: Operator, operation: PathOperation, db: DbSession, body: Annotated[NoticeByEmail | None, Body()] = None
) -> dict:
    """Send the notice that reached nobody by e-mail to the address given (kept on the reservation) or the one the
    reservation has, and settle the operation; 409 with the reason when it cannot."""
    email = (body or NoticeByEmail()).email or None
    notices.send_by_email(db, operation=operation, email=email, actor=caller.actor, now=utcnow())
    return _operation(db, operation.id)


@router.post("/reservations/{code}/notes", response_model=ReservationNoteRead, status_code=201)
def add_note(body: NoteIn, caller: Worker, reservation: PathReservation, db: DbSession):
    return operations.add_note(db, reservation=reservation, body=body.body, actor=caller.actor, now=utcnow())
