"""Taking a reservation, cancelling it, and the operators' actions."""

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import fields
from service.audit.service import Actor
from service.errors import Conflict, Forbidden, ValidationFailed
from service.reservations import auditing, handover, holds, labels, lookups, messages, payments, status_links
from service.reservations.booking.schemas import AcceptIn, ReservationCreate, ReservationUpdate
from service.reservations.models import CallAttempt, McpClient, Payment, Reservation, ServiceType, Shop
from service.reservations.operations import operations
from service.reservations.shops import calls, catalog, hours
from service.reservations.shops.schemas import ShopCreate
from service.reservations.state_machine import EventActor, locked, record_event, require_transition, transition

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SHOP_ENGAGED = ("calling_success", "awaiting_payment", "confirmed")
EDIT_FIELDS = fields.audited(Reservation)
ONE_OFF_FIELDS = fields.audited(Reservation, "one_off")
# Until it is paid (or its link timed out) the amount may change; the payment link follows it.
REPRICEABLE = (
    "received",
    "calling",
    "pending_shop_response",
    "change_requested",
    "all_declined",
    "calling_success",
    "awaiting_payment",
)


def new_code(db: Session) -> str:
    """No 0/O, 1/I: six characters that cannot be misread."""
    while True:
        code = "QRV-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if db.scalar(select(Reservation.id).where(Reservation.code == code)) is None:
            return code


def bookable_time(db: Session, service: ServiceType, desired_at: datetime, now: datetime) -> datetime:
    """The one check of a reservation's time, taken or moved: in the future, and some listed shop offering the service
    is open for it; else 422 with the reason."""
    desired_at = desired_at.astimezone(UTC)
    if desired_at <= now:
        raise ValidationFailed(
            labels.PAST_TIME.format(when=messages.when_text(desired_at)),
            details={"field": "desired_at", "rule": "future"},
        )
    hours.require_open(catalog.call_list(db, service.id), service.duration_minutes, desired_at, now)
    return desired_at


def create_reservation(
    db: Session, *, data: ReservationCreate, client: McpClient | None, actor: EventActor, now: datetime
) -> Reservation:
    """The id at once; the confirmation SMS and the first call to a shop are sent by jobs."""
    service = db.get(ServiceType, data.service_type_id)
    if service is None or not service.active:
        raise ValidationFailed(
            "指定されたサービスは存在しません", details={"field": "service_type_id", "rule": "unknown_service"}
        )
    desired_at = bookable_time(db, service, data.desired_at, now)
    reservation = Reservation(
        code=new_code(db),
        requester_name=data.requester_name,
        requester_phone=data.requester_phone,
        requester_email=data.requester_email,
        service_type_id=service.id,
        mcp_client_id=client.id if client else None,
        desired_at=desired_at,
        details=data.details,
        amount=service.price,
        status="received",
        cancel_deadline_at=messages.cancel_deadline(desired_at),
        status_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    db.add(reservation)
    db.flush()
    record_event(
        db,
        reservation,
        None,
        actor=actor,
        reason=labels.REASONS["created"],
        provider_ids={"mcp_client_id": reservation.mcp_client_id},
        now=now,
    )
    confirmation = labels.SMS_CONFIRMATION.format(
        code=reservation.code,
        service=service.name,
        when=messages.when_text(desired_at),
        status=status_links.link(reservation),
        cancel=messages.cancel_part(reservation, now),
        faq=messages.faq_url(),
    )
    messages.sms_to_requester(db, reservation, "confirmation", confirmation)
    calls.start_calling(db, reservation, actor=actor, reason=labels.REASONS["calling"], now=now)
    return reservation


def cancel(
    db: Session, reservation: Reservation, *, actor: EventActor, reason: str, refund: bool, now: datetime
) -> None:
    """The hold is released (holds.py), open links expire, payments are refunded when asked."""
    engaged = reservation.status in SHOP_ENGAGED
    transition(db, reservation, "cancelled", actor=actor, now=now, reason=reason)
    holds.release(db, reservation, resolution=reason, by=actor.label, now=now)
    refunding = payments.settle_on_cancel(db, reservation, refund=refund)
    note = labels.REFUND_NOTE if refunding else ""
    messages.sms_to_requester(
        db, reservation, "cancelled", labels.SMS_CANCELLED.format(code=reservation.code, refund=note)
    )
    if engaged:
        said = "cancelled_by_operator" if actor.type == "operator" else "cancelled"
        holds.tell_shop(db, reservation, reason=said, now=now)


def for_requester(db: Session, *, code: str, token: str | None) -> Reservation:
    """A wrong token is 403."""
    reservation = lookups.get_by_code(db, code)
    if not messages.cancel_token_valid(reservation.code, token):
        raise Forbidden(
            "キャンセル用のトークンが正しくありません",
            code="invalid_cancel_token",
            details={"field": "token", "rule": "signature"},
        )
    return reservation


def cancel_by_requester(
    db: Session, *, code: str, token: str | None, actor: EventActor, reason: str, now: datetime
) -> Reservation:
    """After the deadline the requester is sent to support and a late-cancellation operation is opened."""
    reservation = locked(db, for_requester(db, code=code, token=token).id)
    if reservation.status == "cancelled":
        raise Conflict(labels.ALREADY_CANCELLED, code="already_cancelled", details={"reservation": reservation.code})
    require_transition(reservation, "cancelled")
    if not messages.free_cancellation(reservation, now):
        handover.open_operation(db, reservation, "late_cancellation", reason=labels.CANCEL_DEADLINE_PASSED, now=now)
        raise Conflict(
            labels.CANCEL_DEADLINE_PASSED,
            code="cancel_deadline_passed",
            details={"reservation": reservation.code, "deadline": reservation.cancel_deadline_at.isoformat()},
            keep_changes=True,
        )
    cancel(db, reservation, actor=actor, reason=reason, refund=True, now=now)
    return reservation


# --- operators' actions (audited) ------------------------------------------------------------------


def operator_actor(actor: Actor) -> EventActor:
    return EventActor("operator", actor.label)


def _audit_status(db: Session, reservation: Reservation, actor: Actor, action: str, before: str, now: datetime) -> None:
    after = {"status": reservation.status}
    auditing.record(db, actor, action, ("reservation", reservation.code), {"status": before}, after, now)


def _shop_for(db: Session, reservation: Reservation, shop_id: int | None) -> Shop:
    """Any active shop may be named, also one offering other services; else the last one called."""
    if shop_id is None:
        shop_id = db.scalar(
            select(CallAttempt.shop_id)
            .where(CallAttempt.reservation_id == reservation.id)
            .order_by(CallAttempt.id.desc())
            .limit(1)
        )
    shop = db.get(Shop, shop_id) if shop_id is not None else None
    if shop is None:
        raise ValidationFailed("予約OKの提携店を指定してください", details={"field": "shop_id", "rule": "known_shop"})
    if not shop.active:
        raise ValidationFailed("無効な提携店は予約OKにできません", details={"field": "shop_id", "rule": "active_shop"})
    return shop


def _listed_shop(db: Session, reservation: Reservation, choice: AcceptIn, actor: Actor, now: datetime) -> Shop:
    """One found by phone may be registered now in the call list (audited as create_shop)."""
    found = choice.one_off_shop
    if found is None:
        return _shop_for(db, reservation, choice.shop_id)
    data = ShopCreate(
        name=found.name, phone=found.phone, notes=found.notes, service_type_ids=[reservation.service_type_id]
    )
    return catalog.create_shop(db, data=data, actor=actor, now=now)


def _booked_at(db: Session, reservation: Reservation, choice: AcceptIn, actor: Actor, now: datetime) -> dict:
    found = choice.one_off_shop
    if found is not None and choice.shop_id is not None:
        raise ValidationFailed(labels.ONE_OFF_OR_LISTED, details={"field": "one_off_shop", "rule": "one_shop"})
    if found is not None and not choice.add_to_call_list:
        reservation.shop_id = None
        reservation.one_off_shop_name, reservation.one_off_shop_phone = found.name, found.phone
        reservation.one_off_shop_notes = found.notes
        return {name: getattr(reservation, name) for name in ONE_OFF_FIELDS}
    shop = _listed_shop(db, reservation, choice, actor, now)
    reservation.shop_id = shop.id
    reservation.one_off_shop_name = reservation.one_off_shop_phone = reservation.one_off_shop_notes = None
    return {"shop": shop.name}


def accept(db: Session, *, reservation: Reservation, choice: AcceptIn, actor: Actor, now: datetime) -> None:
    """§2.2.1/2.2.4/2.2.5. A shop found by phone (after 全店NG) is kept on this reservation only unless the operator
    registers it (add_to_call_list)."""
    reservation = locked(db, reservation.id)
    require_transition(reservation, "calling_success")
    before = reservation.status
    booked = _booked_at(db, reservation, choice, actor, now)
    holds.withdraw_calls(db, reservation)
    db.flush()
    db.refresh(reservation, ["shop"])
    name = reservation.shop_name
    transition(
        db,
        reservation,
        "calling_success",
        actor=operator_actor(actor),
        now=now,
        reason=f"{labels.REASONS['accept_manual']}: {name}",
        provider_ids={"shop_id": reservation.shop_id},
    )
    handover.resolve_open(
        db,
        reservation,
        types=operations.SHOP_ANSWER_TYPES,
        resolution=f"予約OK（{name}）→ 決済リンク送信",
        by=actor.label,
        now=now,
    )
    payments.request_link(db, reservation, now=now)
    action = "accept_reservation" if reservation.shop_id else "accept_one_off_shop"
    after = {"status": reservation.status} | booked
    auditing.record(db, actor, action, ("reservation", reservation.code), {"status": before}, after, now)


def resume_calling(db: Session, *, reservation: Reservation, actor: Actor, now: datetime) -> None:
    reservation = locked(db, reservation.id)
    require_transition(reservation, "calling")
    if reservation.status == "all_declined" and not calls.candidates(db, reservation):
        raise Conflict(
            f"この日時で電話できる提携店は残っていません。{fields.facts(Reservation.desired_at).label}を変更してから"
            "再開してください",
            code="no_shop_to_call",
            details={"reservation": reservation.code, "rule": "change_the_date_first"},
        )
    before = reservation.status
    handover.resolve_open(
        db,
        reservation,
        types=operations.SHOP_ANSWER_TYPES,
        resolution=labels.REASONS["resume"],
        by=actor.label,
        now=now,
    )
    calls.start_calling(db, reservation, actor=operator_actor(actor), reason=labels.REASONS["resume"], now=now)
    _audit_status(db, reservation, actor, "resume_calling", before, now)


def resend_payment_link(db: Session, *, reservation: Reservation, channel: str, actor: Actor, now: datetime) -> None:
    """Or ask for a new one after the provider refused the last (e.g. after correcting the email)."""
    reservation = locked(db, reservation.id)
    if channel == "email" and not reservation.requester_email:
        raise ValidationFailed(
            "メールで送るには依頼者のメールアドレスを登録してください",
            details={"field": "requester_email", "rule": "required_for_email"},
        )
    payment = db.scalar(
        select(Payment)
        .where(Payment.reservation_id == reservation.id, Payment.status.in_(("creating", "open")))
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if reservation.status == "awaiting_payment" and payment is not None and payment.status == "open":
        _require_fresh(reservation, payment, now)
        payments.send_link(db, payment, reservation, channels=(channel,), key=f":resend:{now.isoformat()}")
    elif payment is None and (reservation.status == "calling_success" or _reissue_failed(db, reservation)):
        payments.request_link(db, reservation, now=now, channels=(channel,))
        handover.resolve_open(
            db, reservation, types=("payment_timeout",), resolution="決済リンクを再送", by=actor.label, now=now
        )
    else:
        raise Conflict(
            "決済リンクを送り直せるのは、決済待ちの予約か、リンクの作成に失敗した予約だけです",
            code="payment_link_not_resendable",
            details={"reservation": reservation.code, "status": reservation.status},
        )
    after = {"payment_link": channel}
    auditing.record(db, actor, "resend_payment_link", ("reservation", reservation.code), None, after, now)


def _reissue_failed(db: Session, reservation: Reservation) -> bool:
    latest = db.scalar(
        select(Payment.status).where(Payment.reservation_id == reservation.id).order_by(Payment.id.desc()).limit(1)
    )
    return reservation.status == "awaiting_payment" and latest == "failed"


def _require_fresh(reservation: Reservation, payment: Payment, now: datetime) -> None:
    if now + payments.window() > payment.created_at + timedelta(minutes=payments.LINK_MINUTES):
        raise Conflict(
            "決済リンクの有効期限が近いため再送できません。予約をキャンセルし、再度の予約をご案内ください",
            code="payment_link_stale",
            details={"reservation": reservation.code, "created_at": payment.created_at.isoformat()},
        )


def operator_cancel(
    db: Session, *, reservation: Reservation, reason: str, refund: bool, actor: Actor, now: datetime
) -> None:
    """Also after the deadline (§2.2.6)."""
    reservation = locked(db, reservation.id)
    before = reservation.status
    cancel(db, reservation, actor=operator_actor(actor), reason=reason, refund=refund, now=now)
    _audit_status(db, reservation, actor, "cancel_reservation", before, now)


def edit(db: Session, *, reservation: Reservation, data: ReservationUpdate, actor: Actor, now: datetime) -> None:
    """§2.2.5: a new date moves the cancellation deadline and the reminder, a new amount the payment link."""
    reservation = locked(db, reservation.id)
    if reservation.status in ("cancelled", "completed"):
        raise Conflict(
            "キャンセル済み・利用済みの予約は変更できません",
            code="reservation_closed",
            details={"reservation": reservation.code, "status": reservation.status},
        )
    changes = {name: value for name, value in data.model_dump(exclude_unset=True).items() if value is not None}
    moved = "desired_at" in changes and changes["desired_at"] != reservation.desired_at
    if moved:  # the time it already has is not checked again
        changes["desired_at"] = bookable_time(db, reservation.service_type, changes["desired_at"], now)
    if moved:
        changes["cancel_deadline_at"] = messages.cancel_deadline(changes["desired_at"])
    before_amount = reservation.amount
    repriced = changes.get("amount", before_amount) != before_amount
    if repriced and reservation.status not in REPRICEABLE:
        raise Conflict(
            "決済済み・決済期限切れの予約の金額は変更できません",
            code="amount_not_changeable",
            details={"reservation": reservation.code, "status": reservation.status, "field": "amount"},
        )
    auditing.update(
        db,
        reservation,
        changes,
        EDIT_FIELDS,
        actor=actor,
        action="update_reservation",
        target=("reservation", reservation.code),
        now=now,
    )
    if moved:
        _date_changed(db, reservation, now)
    if repriced:
        _amount_changed(db, reservation, before_amount, actor, now)


def _amount_changed(db: Session, reservation: Reservation, before: int, actor: Actor, now: datetime) -> None:
    reissued = payments.reissue_link(db, reservation, now=now)
    text = labels.SMS_AMOUNT_CHANGED.format(
        before=before, after=reservation.amount, code=reservation.code, link=labels.NEW_LINK_NOTE if reissued else ""
    )
    messages.sms_to_requester(db, reservation, f"amount-changed:{now.isoformat()}", text)
    if reissued:
        old, new = reissued
        auditing.record(
            db,
            actor,
            "reissue_payment_link",
            ("reservation", reservation.code),
            {"payment_id": old.id, "amount": old.amount},
            {"payment_id": new.id, "amount": new.amount},
            now,
        )


def _date_changed(db: Session, reservation: Reservation, now: datetime) -> None:
    """While calling, shops are asked about the new date."""
    if reservation.reminder_due_at is not None:
        holds.withdraw_reminder(db, reservation)
        reservation.reminder_due_at = payments.reminder_due(reservation.desired_at)
        reservation.reminder_sent_at = None
    if reservation.status == "calling":
        waiting = reservation.next_call_at is not None
        if holds.withdraw_calls(db, reservation) or waiting:
            calls.place_next_call(db, reservation, now=now)
    text = labels.SMS_DATE_CHANGED.format(
        when=messages.when_text(reservation.desired_at),
        code=reservation.code,
        cancel=messages.cancel_part(reservation, now),
    )
    messages.sms_to_requester(db, reservation, f"date-changed:{now.isoformat()}", text)
