"""The one-question satisfaction survey (§7.3.1 顧客満足度, 5段階評価), sent once an inquiry is resolved. Its link is
signed like the cancellation link and opens a plain page (no script) taking one answer within SURVEY_DAYS; audited as
the requester's."""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.config import get_settings
from service.errors import Conflict, Forbidden
from service.links import api_page
from service.outbox import content
from service.outbox.service import enqueue
from service.reservations import auditing, labels
from service.reservations.messages import DOMAIN
from service.reservations.models import Reservation, SupportInquiry

SURVEY_DAYS = 14
REF_TYPE = "survey"  # a failed survey opens no operation of a reservation


def survey_token(inquiry_id: int) -> str:
    digest = hmac.new(get_settings().secret_key.encode(), f"qrv-survey:{inquiry_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode()


def survey_url(inquiry_id: int) -> str:
    return api_page(f"/api/reservations/survey/{inquiry_id}", token=survey_token(inquiry_id))


def check_token(inquiry_id: int, token: str | None) -> None:
    """Another inquiry's token, or none, is a 403: compared as bytes."""
    expected = survey_token(inquiry_id).encode()
    if not token or not hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass")):
        raise Forbidden(
            "アンケート用のリンクが正しくありません",
            code="invalid_survey_token",
            details={"field": "token", "rule": "signature"},
        )


def open_until(inquiry: SupportInquiry) -> datetime | None:
    """None: never sent."""
    return inquiry.survey_sent_at + timedelta(days=SURVEY_DAYS) if inquiry.survey_sent_at else None


def recipient(db: Session, inquiry: SupportInquiry, channel: str) -> str:
    """The inquiry's contact, else its reservation's requester's."""
    own = inquiry.contact_phone if channel == "sms" else inquiry.contact_email
    if own or inquiry.reservation_id is None or inquiry.requester_type != "requester":
        return own
    reservation = db.get_one(Reservation, inquiry.reservation_id)
    return reservation.requester_phone if channel == "sms" else reservation.requester_email


def send(db: Session, *, inquiry: SupportInquiry, channel: str, actor: Actor, now: datetime) -> None:
    """Again: a new link window from now."""
    if inquiry.status != "resolved":
        raise Conflict(
            f"アンケートは{labels.INQUIRY_STATUSES['resolved']}の問い合わせにだけ送れます",
            code="inquiry_not_resolved",
            details={"id": inquiry.id, "status": inquiry.status},
        )
    if inquiry.satisfaction is not None:
        raise Conflict("この問い合わせの満足度はすでに記録されています", code="satisfaction_recorded")
    address = recipient(db, inquiry, channel)
    if not address:
        missing = "連絡先電話番号" if channel == "sms" else "連絡先メールアドレス"
        raise Conflict(
            f"アンケートの送り先がありません。{missing}を入力してください",
            code="survey_no_recipient",
            details={"survey_channel": channel},
        )
    url = survey_url(inquiry.id)
    key = f"qrv:survey:{inquiry.id}:{now.isoformat()}"
    if channel == "sms":
        body = labels.SMS_SURVEY.format(url=url)
        enqueue(
            db,
            channel="sms",
            recipient=address,
            body=body,
            domain=DOMAIN,
            ref_type=REF_TYPE,
            ref_id=inquiry.id,
            dedupe_key=key,
        )
    else:
        document = content.paragraphs(labels.SMS_SURVEY, url=content.Link(url=url))
        enqueue(
            db,
            channel="email",
            recipient=address,
            subject=labels.EMAIL_SURVEY_SUBJECT,
            content=document,
            domain=DOMAIN,
            ref_type=REF_TYPE,
            ref_id=inquiry.id,
            dedupe_key=key,
        )
    before = {"survey_sent_at": inquiry.survey_sent_at}
    inquiry.survey_sent_at = now
    after = {"survey_sent_at": now, "survey_channel": channel}
    auditing.record(db, actor, "send_inquiry_survey", ("support_inquiry", inquiry.id), before, after, now)


def answer_refusal(inquiry: SupportInquiry, now: datetime) -> str | None:
    until = open_until(inquiry)
    if inquiry.satisfaction is not None:
        return labels.SURVEY_ANSWERED
    if until is None or now > until:
        return labels.SURVEY_EXPIRED.format(days=SURVEY_DAYS)
    return None


def answer(db: Session, *, inquiry: SupportInquiry, rating: int, actor: Actor, now: datetime) -> None:
    """A second answer, or one past the link's days, is a 409."""
    refusal = answer_refusal(inquiry, now)
    if refusal is not None:
        raise Conflict(refusal, code="survey_closed", details={"id": inquiry.id})
    before = {"satisfaction": None, "satisfaction_source": None}
    inquiry.satisfaction, inquiry.satisfaction_source, inquiry.updated_at = rating, "requester", now
    after = {"satisfaction": rating, "satisfaction_source": "requester"}
    auditing.record(db, actor, "answer_inquiry_survey", ("support_inquiry", inquiry.id), before, after, now)
