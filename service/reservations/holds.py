"""The hold: what a reservation has out in the world at once runs on one clock.

While a reservation waits (for a shop's answer, the requester's payment, a person), it may have calls queued to
shops, SMS and e-mails waiting to be sent (a payment link, a reminder) and operations in the operator's queue. When one
wait ends, the others end with it, in the same transaction:

- the payment window passes (payments.py): its link's messages still waiting are withdrawn, and once the link is
  expired the reservation times out, releasing the rest;
- the booking is cancelled (booking.py): everything is released and its payment links expire;
- a shop call times out (calls.py): its call, if still queued, never rings; an operator books a shop while calls are
  out: they are withdrawn, and an answer to one already ringing is recorded but moves nothing;
- the date changes: the reminder queued for the old date is withdrawn (the new one follows the new date);
- the booking ends (timed out, cancelled) while a shop holds it: the shop is told by e-mail, or, one that has none
  (a one-off shop an operator found by phone), by an operator: an operation to phone it (`tell_shop`);
- a payment link reaches nobody (its SMS failed on every retry and no e-mail copy is on its way: none registered, or
  it failed too): its window would never start, so the hold goes on the operator's clock (`link_reached_nobody`):
  the link expires at the urgent operation's target time unless an operator sends it again, whose delivery starts
  the whole window.

What already reached a provider is bounded by the same clock: a payment link's SMS carries the window as its validity
(the first one the whole window, which starts when it is handed over; a resent one what is left of it), and a reminder
its reservation's time, so the provider drops one still queued after that rather than deliver it late.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clientkit.phones import as_dialled
from service.outbox.delivery import failure_text
from service.outbox.models import OutboxMessage
from service.outbox.service import withdraw
from service.reservations import labels, messages, operations
from service.reservations.messages import DOMAIN
from service.reservations.models import CallAttempt, Payment, Reservation
from service.reservations.state_machine import locked

WITHDRAWN = "withdrawn"
ON_ITS_WAY = ("pending", "sending", "sent")  # a copy that may still arrive, or did


def _waiting_messages(
    db: Session, reservation: Reservation, statuses: Sequence[str] = ("pending",)
) -> list[OutboxMessage]:
    """The reservation's SMS and e-mails (to the requester and its shop) not yet handed to a provider (or in the
    statuses given)."""
    return list(
        db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status.in_(tuple(statuses)),
                OutboxMessage.domain == DOMAIN,
                OutboxMessage.ref_type.in_(("sms", "email")),
                OutboxMessage.ref_id == str(reservation.id),
            )
        )
    )


def link_copies(db: Session, reservation: Reservation, payment_id: int, statuses: Sequence[str]) -> list[int]:
    """The ids of the SMS and e-mails carrying one payment's link, in these statuses."""
    found = _waiting_messages(db, reservation, statuses)
    return [message.id for message in found if (message.payload or {}).get("payment_id") == payment_id]


def withdraw_messages(db: Session, reservation: Reservation, *, payment_id: int | None = None) -> list[int]:
    """Withdraw the reservation's messages still waiting (only those carrying one payment's link, when given)."""
    if payment_id is not None:
        return withdraw(db, link_copies(db, reservation, payment_id, ("pending",)))
    return withdraw(db, (message.id for message in _waiting_messages(db, reservation)))


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
    reservation.next_call_at = None  # round 2's wait, too, ends with the calls
    return len(out)


def release(db: Session, reservation: Reservation, *, resolution: str, by: str, now: datetime) -> None:
    """The hold ended (cancelled, timed out): calls and messages still waiting are withdrawn and the operator's open
    operations are closed with the resolution. Messages that say it ended are queued after this."""
    withdraw_calls(db, reservation)
    withdraw_messages(db, reservation)
    operations.resolve_open(db, reservation, resolution=resolution, by=by, now=now)


def link_reached_nobody(db: Session, message: OutboxMessage, now: datetime) -> bool:
    """A message carrying a payment link failed on every retry. When no other copy of the link is on its way or
    arrived, the link reached nobody and its window (which starts on delivery) would never start: the hold would wait
    for ever. It goes on the operator's clock instead: the link expires at the urgent operation's target time
    (operations.TARGET_MINUTES), and the operation says so and what to do (reach the requester, send the link again
    by e-mail: its delivery starts the whole window, payments.link_delivered). Past that time the sweeper times the
    hold out as it does a link nobody paid. True when the link reached nobody (the operation is opened here)."""
    payment_id = (message.payload or {}).get("payment_id")
    payment = db.get(Payment, int(payment_id)) if payment_id else None
    if payment is None:
        return False
    reservation = locked(db, payment.reservation_id)
    db.refresh(payment)
    if payment.status != "open" or payment.expires_at is not None or reservation.status != "awaiting_payment":
        return False  # delivered once (its window runs), or no longer payable: nothing waits on it
    if link_copies(db, reservation, payment.id, ON_ITS_WAY):
        return False  # another copy may still arrive and start the window
    payment.expires_at = operations.due_time("urgent", now)
    reason = labels.LINK_REACHED_NOBODY.format(
        failure=failure_text(message), deadline=messages.when_text(payment.expires_at)
    )
    operation = operations.open_operation(db, reservation, "sms_failed", reason=reason, now=now)
    operation.reason = reason[:500]  # one already open (the confirmation SMS failed too) now says what is due
    operation.due_at = min(operation.due_at, payment.expires_at)
    return True


def tell_shop(db: Session, reservation: Reservation, *, reason: str, now: datetime) -> None:
    """The shop holding the reservation learns that it ended (§2.2.3 提携店の仮予約をキャンセル, a cancellation):
    by e-mail, or, a shop without an address (a one-off shop an operator found by phone, a listed one with none),
    from an operator: an operation to phone it, which #qrv-alerts hears of (nothing is dropped unsaid)."""
    shop = reservation.shop
    if shop is not None and shop.email:
        messages.shop_cancellation(db, reservation, shop, reason)
        return
    phone = shop.phone if shop is not None else reservation.one_off_shop_phone
    if reservation.shop_name is None:
        return
    call = labels.SHOP_CANCEL_CALL.format(
        shop=reservation.shop_name, phone=as_dialled(phone), reason=labels.SHOP_CANCEL_REASONS[reason]
    )
    operations.open_operation(db, reservation, "shop_cancel_call", reason=call, now=now)
