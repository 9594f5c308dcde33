"""The hold: what a reservation has out in the world at once runs on one clock.

While a reservation waits, it may have calls queued to shops, SMS and e-mails waiting to be sent and operations in the
queue. When one wait ends (the payment window passes, the booking is cancelled, a shop call times out, the date
changes), the others end with it, in the same transaction. A shop holding a booking that ends is told by e-mail, or by
an operator when it has none (`tell_shop`). A payment link reaching nobody goes on the operator's clock
(`link_reached_nobody`).

What already reached a provider is bounded by the same clock: a link's SMS carries the window as its validity and a
reminder its reservation's time, so the provider drops one still queued rather than deliver it late."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clientkit.phones import as_dialled
from service.outbox.delivery import failure_text
from service.outbox.models import OutboxMessage
from service.outbox.service import withdraw
from service.reservations import handover, labels, messages
from service.reservations.messages import DOMAIN
from service.reservations.models import CallAttempt, Payment, Reservation
from service.reservations.state_machine import locked

WITHDRAWN = "withdrawn"
ON_ITS_WAY = ("pending", "sending", "sent")  # a copy that may still arrive, or did


def _waiting_messages(
    db: Session, reservation: Reservation, statuses: Sequence[str] = ("pending",)
) -> list[OutboxMessage]:
    """Not yet handed to a provider, or in the statuses given."""
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
    found = _waiting_messages(db, reservation, statuses)
    return [message.id for message in found if (message.payload or {}).get("payment_id") == payment_id]


def withdraw_messages(db: Session, reservation: Reservation, *, payment_id: int | None = None) -> list[int]:
    if payment_id is not None:
        return withdraw(db, link_copies(db, reservation, payment_id, ("pending",)))
    return withdraw(db, (message.id for message in _waiting_messages(db, reservation)))


def withdraw_reminder(db: Session, reservation: Reservation) -> list[int]:
    waiting = _waiting_messages(db, reservation)
    return withdraw(db, (m.id for m in waiting if (m.payload or {}).get("reminder")))


def withdraw_calls(db: Session, reservation: Reservation) -> int:
    """A queued one never rings; the answer to one already ringing is recorded without moving the reservation
    (calls.apply_outcome)."""
    out = list(
        db.scalars(
            select(CallAttempt).where(CallAttempt.reservation_id == reservation.id, CallAttempt.status == "calling")
        )
    )
    for attempt in out:
        attempt.status = WITHDRAWN
    withdraw(db, (attempt.outbox_message_id for attempt in out))
    reservation.next_call_at = None
    return len(out)


def release(db: Session, reservation: Reservation, *, resolution: str, by: str, now: datetime) -> None:
    """Messages saying it ended are queued after this."""
    withdraw_calls(db, reservation)
    withdraw_messages(db, reservation)
    handover.resolve_open(db, reservation, resolution=resolution, by=by, now=now)


def link_reached_nobody(db: Session, message: OutboxMessage, now: datetime) -> bool:
    """When no other copy of a failed link is on its way, its window (which starts on delivery) would never start and
    the hold would wait for ever. It goes on the operator's clock instead: the link expires at the urgent operation's
    target time unless an operator sends it again. True when the link reached nobody (the operation is opened here)."""
    payment_id = (message.payload or {}).get("payment_id")
    payment = db.get(Payment, int(payment_id)) if payment_id else None
    if payment is None:
        return False
    reservation = locked(db, payment.reservation_id)
    db.refresh(payment)
    if payment.status != "open" or payment.expires_at is not None or reservation.status != "awaiting_payment":
        return False  # delivered once (its window runs), or no longer payable
    if link_copies(db, reservation, payment.id, ON_ITS_WAY):
        return False  # another copy may still arrive and start the window
    payment.expires_at = handover.due_time("urgent", now)
    reason = labels.LINK_REACHED_NOBODY.format(
        failure=failure_text(message), deadline=messages.when_text(payment.expires_at)
    )
    operation = handover.open_operation(db, reservation, "sms_failed", reason=reason, now=now)
    operation.reason = reason[:500]  # one already open now says what is due
    operation.due_at = min(operation.due_at, payment.expires_at)
    return True


def tell_shop(db: Session, reservation: Reservation, *, reason: str, now: datetime) -> None:
    """§2.2.3: by e-mail, or by an operator phoning a shop without an address (nothing is dropped unsaid)."""
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
    handover.open_operation(db, reservation, "shop_cancel_call", reason=call, now=now)
