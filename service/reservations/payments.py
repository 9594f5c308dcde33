"""Payment links, the service's own 10-minute expiry, payments from the Stripe webhook, and refunds.

The window (APP_RESERVATIONS_PAYMENT_WINDOW_SECONDS) starts when the link reaches the requester, so a link whose SMS
failed waits for an operator (holds.link_reached_nobody). The Checkout Session is created for Stripe's longest expiry
and the sweeper expires it itself when the window passes. A payment completing while expiring counts as paid; one
completed after the window is refunded. Expiry and refunds are outbox messages (payload["action"] "expire" / "refund"),
so they are retried, deduplicated and never done twice.

An amount change (booking.edit) replaces the link out with a new one (`reissue_link`): the replaced link is expired but
never times the reservation out, and a payment on it is refunded."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from service.audit.service import SYSTEM
from service.config import get_settings
from service.errors import Conflict, NotFound
from service.outbox import content
from service.outbox.delivery import failure_text
from service.outbox.models import InboundEvent, OutboxMessage
from service.outbox.service import enqueue
from service.reservations import handover, holds, labels, messages
from service.reservations.messages import DOMAIN
from service.reservations.models import Payment, Reservation
from service.reservations.state_machine import SYSTEM_ACTOR, EventActor, locked, transition

LINK_MINUTES = 24 * 60  # the service's window starts on delivery
LINK_CHANNELS = ("sms", "email")
STRIPE_ACTOR = EventActor("webhook", "stripe")
SETTLED = ("paid", "refund_requested", "refunded", "refund_failed")
BATCH = 200


def window() -> timedelta:
    return timedelta(seconds=get_settings().reservations_payment_window_seconds)


def window_minutes() -> int:
    """Whole minutes, at least one, as the requester is told it."""
    return max(1, round(window().total_seconds() / 60))


def _payment_message(db: Session, payment: Payment, reservation: Reservation, *, ref_type: str, payload: dict) -> None:
    enqueue(
        db,
        channel="payment_link",
        recipient=reservation.requester_email or reservation.requester_phone,
        subject=f"{reservation.service_type.name}（{reservation.code}）",
        payload={"reservation": reservation.code, **payload},
        domain=DOMAIN,
        ref_type=ref_type,
        ref_id=payment.id,
        dedupe_key=f"qrv:payment:{payment.id}:{ref_type}",
    )


def request_link(
    db: Session, reservation: Reservation, *, now: datetime, channels: tuple[str, ...] = LINK_CHANNELS
) -> Payment:
    payment = Payment(reservation_id=reservation.id, amount=reservation.amount, status="creating", created_at=now)
    db.add(payment)
    db.flush()
    terms = {"amount": reservation.amount, "currency": "jpy", "expires_in_minutes": LINK_MINUTES}
    _payment_message(db, payment, reservation, ref_type="payment", payload=terms | {"send_by": list(channels)})
    return payment


def replaced(db: Session, payment: Payment) -> bool:
    """The amount changed: this one may not be paid."""
    newer = select(Payment.id).where(Payment.reservation_id == payment.reservation_id, Payment.id > payment.id)
    return bool(db.scalar(select(exists(newer))))


def reissue_link(db: Session, reservation: Reservation, *, now: datetime) -> tuple[Payment, Payment] | None:
    """None when no link is out."""
    if reservation.status not in ("calling_success", "awaiting_payment"):
        return None
    current = db.scalar(
        select(Payment)
        .where(Payment.reservation_id == reservation.id, Payment.status.in_(("creating", "open")))
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if current is None:
        return None
    if current.status == "open":
        start_expiry(db, current, reservation)
    return current, request_link(db, reservation, now=now)


def _payment_and_reservation(db: Session, message: OutboxMessage) -> tuple[Payment, Reservation] | None:
    payment = db.get(Payment, messages.referenced_id(message))
    if payment is None:
        return None
    return payment, locked(db, payment.reservation_id)


def link_created(db: Session, message: OutboxMessage, now: datetime) -> None:
    """Its delivery starts the window."""
    found = _payment_and_reservation(db, message)
    if found is None:
        return
    payment, reservation = found
    payload = message.payload or {}
    result = payload.get("result") or {}
    payment.checkout_session_id = result.get("session_id") or message.provider_message_id
    payment.checkout_url = str(result.get("url") or "")[:1000]
    payment.status = "open"
    if reservation.status not in ("calling_success", "awaiting_payment") or replaced(db, payment):
        start_expiry(db, payment, reservation)
        return
    if reservation.status == "calling_success":
        transition(
            db,
            reservation,
            "awaiting_payment",
            actor=SYSTEM_ACTOR,
            now=now,
            reason=labels.REASONS["payment_link_sent"],
            provider_ids={"checkout_session_id": payment.checkout_session_id, "outbox_message_id": message.id},
        )
    send_link(db, payment, reservation, channels=tuple(payload.get("send_by") or LINK_CHANNELS), key="")


def send_link(db: Session, payment: Payment, reservation: Reservation, *, channels: tuple[str, ...], key: str) -> None:
    """`key` tells a re-sent link from the first one."""
    if not payment.checkout_url:
        raise Conflict(
            "決済リンクのURLがまだありません（リンクの作成が終わってから送り直してください）",
            code="payment_link_missing",
            details={"reservation": reservation.code},
        )
    run = content.fill(
        labels.SMS_PAYMENT_LINK,
        shop=reservation.shop_name or "",
        code=reservation.code,
        minutes=window_minutes(),
        url=content.Link(url=payment.checkout_url),
    )
    text = content.plain(run)
    logical = f"payment:{payment.id}{key}"
    marker = {"payment_id": payment.id}
    if "sms" in channels:
        messages.sms_to_requester(db, reservation, logical, text, payload=marker | _validity(payment))
    if "email" in channels:
        subject = labels.EMAIL_PAYMENT_LINK_SUBJECT.format(code=reservation.code)
        document = (content.Paragraph(parts=run),)
        messages.email(db, reservation, reservation.requester_email, logical, subject, document, payload=marker)


def _validity(payment: Payment) -> dict[str, Any]:
    """The whole window for the first SMS (it starts when it is handed over), what is left of it for one sent again."""
    if payment.expires_at is None:
        return {"valid_for_seconds": int(window().total_seconds())}
    return {"valid_until": payment.expires_at.isoformat()}


def link_delivered(db: Session, message: OutboxMessage) -> None:
    """The first delivery starts the window (also for a link that waited on the operator's clock)."""
    payment_id = (message.payload or {}).get("payment_id")
    payment = db.get(Payment, int(payment_id)) if payment_id else None
    if payment is None:
        return
    reservation = locked(db, payment.reservation_id)
    db.refresh(payment)
    if payment.status != "open" or message.sent_at is None:
        return
    earlier = [copy for copy in holds.link_copies(db, reservation, payment.id, ("sent",)) if copy != message.id]
    if not earlier:
        payment.expires_at = message.sent_at + window()


def link_failed(db: Session, message: OutboxMessage, now: datetime) -> None:
    _payment_problem(db, message, "failed", "決済リンクを作成できませんでした", now)


def _payment_problem(db: Session, message: OutboxMessage, status: str, what: str, now: datetime) -> None:
    """Urgently (§2.3.2)."""
    found = _payment_and_reservation(db, message)
    if found is None:
        return
    payment, reservation = found
    payment.status = status
    reason = f"{what}（{payment.amount}円）: {failure_text(message)}"
    handover.open_operation(db, reservation, "payment_timeout", reason=reason, now=now, priority="urgent")


def start_expiry(db: Session, payment: Payment, reservation: Reservation) -> None:
    """Its waiting SMS and e-mails are withdrawn, and the provider is asked to expire the session."""
    payment.status = "expiring"
    holds.withdraw_messages(db, reservation, payment_id=payment.id)
    _payment_message(
        db,
        payment,
        reservation,
        ref_type="payment_expiry",
        payload={"action": "expire", "session_id": payment.checkout_session_id},
    )


def expire_due(db: Session, *, now: datetime) -> int:
    due = list(
        db.scalars(
            select(Payment.id)
            .where(Payment.status == "open", Payment.expires_at <= now)
            .order_by(Payment.expires_at)
            .limit(BATCH)
        )
    )
    for payment_id in due:
        payment = db.get_one(Payment, payment_id)
        reservation = locked(db, payment.reservation_id)
        db.refresh(payment)
        if payment.status == "open":
            start_expiry(db, payment, reservation)
    return len(due)


def expiry_answered(db: Session, message: OutboxMessage, now: datetime) -> None:
    """A session completed first counts as paid."""
    found = _payment_and_reservation(db, message)
    if found is None:
        return
    payment, reservation = found
    result = (message.payload or {}).get("result") or {}
    if result.get("status") == "complete":
        record_paid(
            db,
            payment=payment,
            reservation=reservation,
            paid_at=now,
            payment_intent=result.get("payment_intent"),
            actor=SYSTEM_ACTOR,
            reason=labels.REASONS["paid_while_expiring"],
            provider_ids={"checkout_session_id": payment.checkout_session_id},
            now=now,
        )
        return
    finish_expiry(db, payment, reservation, now)


def finish_expiry(db: Session, payment: Payment, reservation: Reservation, now: datetime) -> None:
    """The reservation times out, releasing its hold (holds.release); the requester gets an SMS and the shop a
    cancellation."""
    if payment.status != "expiring":
        return
    payment.status = "expired"
    payment.expired_at = now
    if reservation.status != "awaiting_payment" or replaced(db, payment):
        return
    reached = holds.link_copies(db, reservation, payment.id, ("sent",))
    reason = labels.REASONS["payment_expired"].format(minutes=window_minutes())
    holds.release(db, reservation, resolution=labels.HOLD_TIMED_OUT, by=SYSTEM.label, now=now)
    transition(
        db,
        reservation,
        "payment_timeout",
        actor=SYSTEM_ACTOR,
        now=now,
        reason=reason if reached else labels.REASONS["link_reached_nobody"],
        provider_ids={"checkout_session_id": payment.checkout_session_id},
    )
    messages.sms_to_requester(
        db, reservation, "payment-timeout", labels.SMS_PAYMENT_TIMEOUT.format(code=reservation.code)
    )
    holds.tell_shop(db, reservation, reason="payment_timeout", now=now)


def expiry_failed(db: Session, message: OutboxMessage, now: datetime) -> None:
    """Expired on our side all the same; a later payment is refunded."""
    found = _payment_and_reservation(db, message)
    if found is not None:
        finish_expiry(db, *found, now)


def record_paid(
    db: Session,
    *,
    payment: Payment,
    reservation: Reservation,
    paid_at: datetime,
    payment_intent: str | None,
    actor: EventActor,
    reason: str,
    provider_ids: dict[str, Any],
    now: datetime,
) -> None:
    """Confirms the reservation when made within the window on its current link, else it is refunded."""
    if payment.status in SETTLED:
        return
    superseded = replaced(db, payment)
    in_time = not superseded and (
        payment.status in ("creating", "open", "expiring")
        or (payment.expires_at is not None and paid_at <= payment.expires_at)
    )
    payment.payment_intent = payment_intent or payment.payment_intent
    payment.paid_at = paid_at
    payment.status = "paid"
    if in_time and reservation.status in ("awaiting_payment", "payment_timeout"):
        transition(db, reservation, "confirmed", actor=actor, now=now, reason=reason, provider_ids=provider_ids)
        confirmed(db, reservation, now)
        return
    request_refund(db, payment, reservation)
    if superseded:  # the new link stays payable
        text = labels.SMS_REPLACED_LINK_REFUND.format(amount=payment.amount, code=reservation.code)
        messages.sms_to_requester(db, reservation, f"replaced-refund:{payment.id}", text)
        return
    text = labels.SMS_LATE_PAYMENT_REFUND.format(amount=payment.amount, code=reservation.code)
    messages.sms_to_requester(db, reservation, f"late-refund:{payment.id}", text)
    messages.notify_slack(
        db,
        kind="late_payment",
        message=labels.SLACK_LATE_PAYMENT.format(code=reservation.code),
        reservation=reservation,
        now=now,
    )


def confirmed(db: Session, reservation: Reservation, now: datetime) -> None:
    reservation.reminder_due_at = reminder_due(reservation.desired_at)
    summary = messages.summary(reservation)
    cancel = messages.cancel_run(reservation, now)
    subject = labels.EMAIL_CONFIRMED_SUBJECT.format(code=reservation.code)
    name = reservation.requester_name
    body = content.paragraphs(labels.EMAIL_CONFIRMED_BODY, name=name, summary=summary, cancel=cancel)
    if reservation.requester_email:
        messages.email(db, reservation, reservation.requester_email, "confirmed", subject, body)
    else:
        messages.sms_to_requester(db, reservation, "confirmed", f"{subject}\n{summary}")
    shop = reservation.shop
    if shop is not None:
        messages.email(
            db,
            reservation,
            shop.email,
            f"shop-confirmed:{shop.id}",
            labels.EMAIL_SHOP_CONFIRMED_SUBJECT.format(code=reservation.code),
            content.paragraphs(labels.EMAIL_SHOP_CONFIRMED_BODY, shop=shop.name, summary=summary),
        )


def reminder_due(desired_at: datetime) -> datetime:
    """At APP_RESERVATIONS_REMINDER_HOUR local time."""
    day_before = messages.local(desired_at) - timedelta(days=1)
    hour = get_settings().reservations_reminder_hour
    return day_before.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(UTC)


def request_refund(db: Session, payment: Payment, reservation: Reservation) -> None:
    payment.status = "refund_requested"
    _payment_message(
        db,
        payment,
        reservation,
        ref_type="refund",
        payload={
            "action": "refund",
            "payment_intent": payment.payment_intent,
            "amount": payment.amount,
            "session_id": payment.checkout_session_id,
        },
    )


def refund_done(db: Session, message: OutboxMessage, now: datetime) -> None:
    payment = db.get(Payment, messages.referenced_id(message))
    if payment is not None:
        payment.status = "refunded"
        payment.refund_id = ((message.payload or {}).get("result") or {}).get(
            "refund_id"
        ) or message.provider_message_id
        payment.refunded_at = now


def refund_failed(db: Session, message: OutboxMessage, now: datetime) -> None:
    _payment_problem(db, message, "refund_failed", "返金に失敗しました", now)


def settle_on_cancel(db: Session, reservation: Reservation, *, refund: bool) -> bool:
    """True when a refund goes out."""
    refunding = False
    for payment in db.scalars(select(Payment).where(Payment.reservation_id == reservation.id)):
        if payment.status == "open":
            start_expiry(db, payment, reservation)
        elif payment.status == "paid" and refund:
            request_refund(db, payment, reservation)
            refunding = True
    return refunding


def checkout_expired(payment: Payment, now: datetime) -> bool:
    if payment.paid_at is not None:
        return False
    return payment.status in ("expiring", "expired") or (payment.expires_at is not None and now >= payment.expires_at)


def by_session(db: Session, session_id: str) -> Payment:
    payment = db.scalar(select(Payment).where(Payment.checkout_session_id == session_id))
    if payment is None:
        raise NotFound("指定された決済は見つかりません", details={"resource": "payment", "id": session_id})
    return payment


def paid(
    db: Session,
    *,
    session_id: str,
    paid_at: datetime,
    payment_intent: str | None,
    actor: EventActor,
    provider_ids: dict[str, Any],
    now: datetime,
) -> Payment | None:
    """None when the session is not ours."""
    payment = db.scalar(select(Payment).where(Payment.checkout_session_id == session_id))
    if payment is None:
        return None
    reservation = locked(db, payment.reservation_id)
    db.refresh(payment)
    record_paid(
        db,
        payment=payment,
        reservation=reservation,
        paid_at=paid_at,
        payment_intent=payment_intent,
        actor=actor,
        reason=labels.REASONS["paid"],
        provider_ids={"checkout_session_id": session_id, **provider_ids},
        now=now,
    )
    return payment


def session_completed(db: Session, event: InboundEvent, now: datetime) -> None:
    session = (event.payload.get("data") or {}).get("object") or {}
    if session.get("payment_status") not in ("paid", "no_payment_required") or not session.get("id"):
        return
    created = event.payload.get("created")
    paid(
        db,
        session_id=str(session["id"]),
        paid_at=datetime.fromtimestamp(created, UTC) if isinstance(created, int | float) else now,
        payment_intent=session.get("payment_intent"),
        actor=STRIPE_ACTOR,
        provider_ids={"stripe_event_id": event.event_id, "payment_intent": session.get("payment_intent")},
        now=now,
    )
