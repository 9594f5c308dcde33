"""What the domain sends. Every message goes through the outbox in the caller's transaction with a dedupe key, so a hook
or sweeper that runs twice never sends the same SMS twice."""

import base64
import hashlib
import hmac
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from service.config import get_settings
from service.links import api_page
from service.outbox import content
from service.outbox.models import OutboxMessage
from service.outbox.service import enqueue
from service.reservations import labels
from service.reservations.models import Notification, Reservation, Shop

DOMAIN = "reservations"
WEEKDAYS = "月火水木金土日"
FAQ_PATH = "/api/reservations/faq"


def local(at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(get_settings().timezone))


def when_text(at: datetime) -> str:
    """「2026年12月3日（木）14:00」: no date format to misread."""
    moment = local(at)
    return f"{day_text(moment.date())}{moment:%H:%M}"


def day_text(day: date) -> str:
    """「2026年12月3日（木）」."""
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


def iso_local(at: datetime) -> str:
    """2026-12-03T14:00:00+09:00."""
    return local(at).isoformat(timespec="seconds")


def cancel_token(code: str) -> str:
    """An HMAC of the reservation id under the service's secret key."""
    digest = hmac.new(get_settings().secret_key.encode(), f"qrv-cancel:{code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def cancel_token_valid(code: str, token: str | None) -> bool:
    """Compared as bytes: compare_digest refuses non-ASCII strings, and a token may be any text a requester sends."""
    if not token:
        return False
    return hmac.compare_digest(cancel_token(code).encode(), token.encode("utf-8", "surrogatepass"))


def referenced_id(message: OutboxMessage) -> int:
    if message.ref_id is None:
        raise ValueError(f"outbox message {message.id} names no row")
    return int(message.ref_id)


def cancel_path(code: str) -> str:
    return f"/api/reservations/cancel/{code}"


def cancel_url(code: str) -> str:
    return api_page(cancel_path(code), token=cancel_token(code))


def faq_url() -> str:
    return api_page(FAQ_PATH)


def cancel_deadline(desired_at: datetime) -> datetime:
    """48 hours before the reservation; it follows the date when that changes."""
    return desired_at - timedelta(hours=get_settings().reservations_cancel_deadline_hours)


def free_cancellation(reservation: Reservation, now: datetime) -> bool:
    return now < reservation.cancel_deadline_at


def no_free_cancellation() -> str:
    return labels.NO_FREE_CANCEL.format(hours=get_settings().reservations_cancel_deadline_hours)


def cancel_part(reservation: Reservation, now: datetime) -> str:
    """Never a link that would only say the deadline has passed."""
    return content.plain(cancel_run(reservation, now))


def cancel_run(reservation: Reservation, now: datetime) -> content.Run:
    if not free_cancellation(reservation, now):
        return (no_free_cancellation(),)
    deadline = when_text(reservation.cancel_deadline_at)
    return content.fill(labels.CANCEL_PART, deadline=deadline, url=content.Link(url=cancel_url(reservation.code)))


def summary(reservation: Reservation) -> str:
    return labels.SUMMARY_LINES.format(
        code=reservation.code,
        service=reservation.service_type.name,
        when=when_text(reservation.desired_at),
        name=reservation.requester_name,
        details=reservation.details or "-",
    )


def sms_to_requester(
    db: Session, reservation: Reservation, key: str, body: str, *, payload: dict | None = None
) -> OutboxMessage:
    """ref_type "sms" so that giving up on it opens the SMS-failure operation."""
    return enqueue(
        db,
        channel="sms",
        recipient=reservation.requester_phone,
        body=body,
        payload=payload,
        domain=DOMAIN,
        ref_type="sms",
        ref_id=reservation.id,
        dedupe_key=f"qrv:{reservation.code}:sms:{key}",
    )


def email(
    db: Session,
    reservation: Reservation,
    recipient: str,
    key: str,
    subject: str,
    document: content.Document,
    *,
    payload: dict | None = None,
) -> None:
    if recipient:
        enqueue(
            db,
            channel="email",
            recipient=recipient,
            subject=subject,
            content=document,
            payload=payload,
            domain=DOMAIN,
            ref_type="email",
            ref_id=reservation.id,
            dedupe_key=f"qrv:{reservation.code}:email:{key}",
        )


def shop_cancellation(db: Session, reservation: Reservation, shop: Shop, reason: str) -> None:
    """A shop without an address is phoned (holds.tell_shop)."""
    email(
        db,
        reservation,
        shop.email,
        f"shop-cancel:{shop.id}",
        labels.EMAIL_SHOP_CANCEL_SUBJECT.format(code=reservation.code),
        content.paragraphs(
            labels.EMAIL_SHOP_CANCEL_BODY,
            shop=shop.name,
            reason=labels.SHOP_CANCEL_REASONS[reason],
            summary=summary(reservation),
        ),
    )


def notify_slack(
    db: Session,
    *,
    kind: str,
    message: str,
    reservation: Reservation | None,
    now: datetime,
    dedupe_key: str | None = None,
    document: content.Document | None = None,
) -> Notification:
    """dedupe_key names the logical post when one may come about twice (else the notification is the post)."""
    notification = Notification(
        kind=kind, reservation_id=reservation.id if reservation else None, message=message, created_at=now
    )
    db.add(notification)
    db.flush()
    sent = enqueue(
        db,
        channel="slack",
        recipient=get_settings().reservations_slack_channel,
        body=message,
        content=document,
        domain=DOMAIN,
        ref_type="notification",
        ref_id=notification.id,
        dedupe_key=dedupe_key or f"qrv:slack:{notification.id}",
    )
    notification.outbox_message_id = sent.id
    return notification
