"""What the requester's status page says happens next, as one message: a person's words while a manual operation is
open on the booking (the person's target is when they hear back), else the step its status is at (the calls' answer
time while shops are called, the shops' opening while the calls wait for it), and the cancel link while free
cancellation runs (the same link as the booking SMS's)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service.reservations import handover, labels, messages
from service.reservations.models import Reservation
from service.reservations.shops import calls
from service.reservations.state_machine import can_transition

CALLING = ("received", "calling")


@dataclass(frozen=True)
class NextStep:
    heading: str
    message: str
    hear_by: datetime | None  # when the requester hears from us at the latest
    cancel_url: str | None  # while free cancellation runs


def next_step(db: Session, reservation: Reservation, *, now: datetime) -> NextStep:
    cancel_url = messages.cancel_url(reservation.code) if _cancellable(reservation, now) else None
    operation = handover.needing_a_person(db, reservation)
    if operation is not None:
        return NextStep(labels.ESCALATION_HEADING, labels.ESCALATIONS[operation.op_type], operation.due_at, cancel_url)
    if reservation.status not in CALLING:
        return NextStep(labels.STATUS_NEXT_HEADING, labels.STATUS_NEXT[reservation.status], None, cancel_url)
    opening = calls.waiting_for_opening(db, reservation)
    said = labels.STATUS_WAITS_FOR_OPENING.format(when=messages.when_text(opening)) if opening else None
    hear_by = calls.answer_by(db, reservation, now=now)
    return NextStep(labels.STATUS_NEXT_HEADING, said or labels.STATUS_NEXT["calling"], hear_by, cancel_url)


def _cancellable(reservation: Reservation, now: datetime) -> bool:
    return can_transition(reservation.status, "cancelled") and messages.free_cancellation(reservation, now)
