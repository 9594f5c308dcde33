"""The hold: what a reservation has out in the world at once runs on one clock.

While a reservation waits (for a shop's answer, the requester's payment, a person), it may have calls queued to
shops, SMS and e-mails waiting to be sent (a payment link, a reminder) and operations in the operator's queue. When one
wait ends, the others end with it, in the same transaction:

- the payment window passes (payments.py): its link's messages still waiting are withdrawn, and once the link is
  expired the reservation times out, releasing the rest;
- the booking is cancelled (booking.py): everything is released and its payment links expire;
- a shop call times out (calls.py): its call, if still queued, never rings; an operator books a shop while calls are
  out: they are withdrawn, and an answer to one already ringing is recorded but moves nothing;
- the date changes: the reminder queued for the old date is withdrawn (the new one follows the new date).

What already reached a provider is bounded by the same clock: a payment link's SMS carries the window as its validity
(the first one the whole window, which starts when it is handed over; a resent one what is left of it), and a reminder
its reservation's time, so the provider drops one still queued after that rather than deliver it late.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.outbox.models import OutboxMessage
from service.outbox.service import withdraw
from service.reservations import operations
from service.reservations.messages import DOMAIN
from service.reservations.models import CallAttempt, Reservation

WITHDRAWN = "withdrawn"


def _waiting_messages(db: Session, reservation: Reservation) -> list[OutboxMessage]:
    """The reservation's SMS and e-mails (to the requester and its shop) not yet handed to a provider."""
    return list(
        db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == "pending",
                OutboxMessage.domain == DOMAIN,
                OutboxMessage.ref_type.in_(("sms", "email")),
                OutboxMessage.ref_id == str(reservation.id),
            )
        )
    )


def withdraw_messages(db: Session, reservation: Reservation, *, payment_id: int | None = None) -> list[int]:
    """Withdraw the reservation's messages still waiting (only those carrying one payment's link, when given)."""
    waiting = _waiting_messages(db, reservation)
    if payment_id is not None:
        waiting = [message for message in waiting if (message.payload or {}).get("payment_id") == payment_id]
    return withdraw(db, (message.id for message in waiting))


def withdraw_reminder(db: Session, reservation: Reservation) -> list[int]:
    """The reminder still waiting to be sent (about a date that changed, or a booking that ended)."""
    waiting = _waiting_messages(db, reservation)
    return withdraw(db, (m.id for m in waiting if (m.payload or {}).get("reminder")))


def withdraw_calls(db: Session, reservation: Reservation) -> int:
    """Calls not answered yet are withdrawn: a queued one never rings, and the answer to one already ringing is
    recorded without moving the reservation (calls.apply_outcome). Returns how many."""
    out = list(
        db.scalars(
            select(CallAttempt).where(CallAttempt.reservation_id == reservation.id, CallAttempt.status == "calling")
        )
    )
    for attempt in out:
        attempt.status = WITHDRAWN
    withdraw(db, (attempt.outbox_message_id for attempt in out))
    return len(out)


def release(db: Session, reservation: Reservation, *, resolution: str, by: str, now: datetime) -> None:
    """The hold ended (cancelled, timed out): calls and messages still waiting are withdrawn and the operator's open
    operations are closed with the resolution. Messages that say it ended are queued after this."""
    withdraw_calls(db, reservation)
    withdraw_messages(db, reservation)
    operations.resolve_open(db, reservation, resolution=resolution, by=by, now=now)
