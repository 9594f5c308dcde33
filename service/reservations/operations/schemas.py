"""Request and response bodies of the manual operations queue and the reservations' notes."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from service.fields import rules
from service.reservations.kinds import OperationType
from service.reservations.models import ManualOperation, Note
from service.reservations.schemas import CODE_MAX, PagingRead, Read, RequesterEmail, Strict
from service.schemas import SingleLine


class ReservationNoteRead(Read):
    id: int
    author: str
    body: str
    created_at: datetime


class OperationRead(Read):
    id: int
    reservation_code: str
    reservation_status: str
    requester_name: str
    op_type: str
    type_label: str
    priority: str
    priority_label: str
    status: str
    status_label: str
    reason: str
    shop_said: str  # what the shop asked (the call's transcript, or the operator's note of a change request)
    can_send_notice: bool  # a notice that reached nobody, which the operator may send by e-mail
    due_at: datetime
    overdue: bool
    assignee_id: int | None
    assignee_name: str | None
    resolution: str
    resolved_by: str
    created_at: datetime
    resolved_at: datetime | None
    paging: PagingRead | None = None  # a 緊急/高 operation's page of the person on duty


class NoteIn(Strict):
    body: Annotated[str, rules(Note.body)]


class OperationCreate(Strict):
    reservation_code: Annotated[str, StringConstraints(max_length=CODE_MAX), SingleLine]
    op_type: OperationType
    reason: Annotated[str, rules(ManualOperation.reason)]


class OperationAssign(Strict):
    assignee_id: int | None = None


class OperationResolve(Strict):
    resolution: Annotated[str, rules(ManualOperation.resolution)]


class AssigneeOption(BaseModel):
    id: int
    name: str
    role: str


class NoticeByEmail(Strict):
    """The requester's e-mail address to send a notice that reached nobody to (kept on the reservation); none: the
    address it has."""

    email: RequesterEmail | None = None
