"""A notice to the requester that reached nobody (§2.2.2) is never dropped unsaid: it opens an operation keeping which
message it was. Urgent while the reservation waits on the requester; low priority once it is over. A payment link's
copies are holds.link_reached_nobody's, which runs first."""

from datetime import datetime

from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import Conflict
from service.outbox import content
from service.outbox.delivery import failure_text
from service.outbox.models import OutboxMessage
from service.reservations import auditing, handover, labels, messages
from service.reservations.models import ManualOperation, Reservation
from service.reservations.operations import operations

OVER = ("payment_timeout", "cancelled", "completed")
NOTICE_MARK = "notice_of"  # an e-mail's payload key: the id of the SMS whose notice it carries
EXCERPT = 80


def is_over(reservation: Reservation, now: datetime) -> bool:
    return reservation.status in OVER or reservation.desired_at <= now


def is_notice(message: OutboxMessage) -> bool:
    return message.ref_type == "sms" or NOTICE_MARK in (message.payload or {})


def undelivered(db: Session, message: OutboxMessage, now: datetime) -> ManualOperation | None:
    """None: not a requester's notice, or no reservation."""
    reservation = db.get(Reservation, messages.referenced_id(message)) if is_notice(message) else None
    if reservation is None:
        return None
    excerpt = message.body[:EXCERPT] + ("…" if len(message.body) > EXCERPT else "")
    if is_over(reservation, now):
        reason = labels.NOTICE_AFTER_END.format(
            status=labels.STATUSES[reservation.status], body=excerpt, failure=failure_text(message)
        )
        operation = handover.open_operation(db, reservation, "sms_failed", reason=reason, now=now, priority="low")
    else:
        reason = f"{excerpt} : {failure_text(message)}"
        operation = handover.open_operation(db, reservation, "sms_failed", reason=reason, now=now)
    operation.outbox_message_id = operation.outbox_message_id or _notice_id(message)
    return operation


def _notice_id(message: OutboxMessage) -> int:
    return int((message.payload or {}).get(NOTICE_MARK) or message.id)


def send_by_email(db: Session, *, operation: ManualOperation, email: str | None, actor: Actor, now: datetime) -> None:
    """An address the operator adds here is kept on the reservation (a contact, not what was agreed). 409 while it is
    settled, names no notice, or there is no address."""
    if operation.status == "resolved":
        raise Conflict("対応済みのオペレーションです", code="operation_resolved", details={"id": operation.id})
    notice = db.get(OutboxMessage, operation.outbox_message_id) if operation.outbox_message_id else None
    if notice is None:
        raise Conflict(
            "このオペレーションには送り直すお知らせがありません", code="no_notice", details={"id": operation.id}
        )
    reservation = db.get_one(Reservation, operation.reservation_id)
    if email and email != reservation.requester_email:
        target = ("reservation", reservation.code)
        edited = {"requester_email": email}
        auditing.update(
            db, reservation, edited, edited, actor=actor, action="update_reservation", target=target, now=now
        )
    if not reservation.requester_email:
        raise Conflict(
            "依頼者のメールアドレスが登録されていません。予約内容の変更でメールアドレスを登録してください",
            code="requester_email_missing",
            details={"reservation": reservation.code},
        )
    messages.email(
        db,
        reservation,
        reservation.requester_email,
        f"notice:{notice.id}:{now.isoformat()}",  # a second try is sent
        labels.EMAIL_NOTICE_SUBJECT.format(code=reservation.code),
        content.from_text(notice.body),
        payload={NOTICE_MARK: notice.id},
    )
    resolution = labels.NOTICE_SENT_BY_EMAIL.format(address=reservation.requester_email)
    operations.resolve(db, operation=operation, resolution=resolution, actor=actor, now=now)
    sent = {"notice": notice.body, "requester_email": reservation.requester_email}
    auditing.record(db, actor, "send_notice_by_email", ("reservation", reservation.code), None, sent, now)
