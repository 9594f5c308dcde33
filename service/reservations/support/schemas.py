"""Request and response bodies of support inquiries (§7)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr

from service.fields import bounds, rules
from service.figures import FigureRead
from service.reservations.kinds import InquiryChannel, InquiryRequesterType, InquiryStatus, SendChannel
from service.reservations.models import SupportInquiry
from service.reservations.schemas import ClientLocalDateTime, Phone, Read, Strict

InquiryReservationCode = Annotated[str, rules(SupportInquiry.reservation_id)]
InquiryRequester = Annotated[str, rules(SupportInquiry.requester)]
InquiryAnswer = Annotated[str, rules(SupportInquiry.answer, strip=False)]
InquiryQuestion = Annotated[str, rules(SupportInquiry.question, strip=False)]
ContactPhone = Phone | Literal[""]
ContactEmail = Annotated[EmailStr, rules(SupportInquiry.contact_email)] | Literal[""]
Satisfaction = Annotated[int, bounds(SupportInquiry.satisfaction)]


class InquiryCreate(Strict):
    """One inquiry: what was asked; a reservation is named only when the inquiry is about one (QRV-XXXXXX); a
    resolution time alone makes it 解決済."""

    channel: InquiryChannel
    requester_type: InquiryRequesterType
    requester: InquiryRequester
    contact_phone: ContactPhone = ""
    contact_email: ContactEmail = ""
    reservation_code: InquiryReservationCode | None = None
    received_at: ClientLocalDateTime
    question: InquiryQuestion
    status: InquiryStatus = InquiryStatus.OPEN
    first_responded_at: ClientLocalDateTime | None = None
    answer: InquiryAnswer = ""
    resolved_at: ClientLocalDateTime | None = None
    satisfaction: Satisfaction | None = None


class InquiryUpdate(Strict):
    channel: InquiryChannel | None = None
    requester_type: InquiryRequesterType | None = None
    requester: InquiryRequester | None = None
    contact_phone: ContactPhone | None = None
    contact_email: ContactEmail | None = None
    reservation_code: InquiryReservationCode | None = None
    received_at: ClientLocalDateTime | None = None
    question: InquiryQuestion | None = None
    status: InquiryStatus | None = None
    first_responded_at: ClientLocalDateTime | None = None
    answer: InquiryAnswer | None = None
    resolved_at: ClientLocalDateTime | None = None
    satisfaction: Satisfaction | None = None


class InquiryRead(Read):
    id: int
    channel: str
    channel_label: str
    status: str
    status_label: str
    requester_type: str
    requester_type_label: str
    requester: str
    contact_phone: str
    contact_email: str
    reservation_code: str | None
    received_at: datetime
    question: str
    first_responded_at: datetime | None
    first_response_minutes: float | None
    first_response_met: str  # はい / いいえ against its channel's target (§7.3.1); empty while not answered
    answer: str
    resolved_at: datetime | None
    resolution_hours: float | None  # on the wall clock, nights and holidays included (§7.3.1's 24時間)
    resolution_business_hours: float | None  # the team's hours of the same span (平日 9:00〜18:00)
    resolved_in_time: str  # はい / いいえ (§7.3.1 解決時間 24時間以内); empty while not resolved
    satisfaction: int | None
    satisfaction_source: str | None
    satisfaction_source_label: str
    survey_sent_at: datetime | None
    created_by: str
    created_at: datetime


class SurveySend(Strict):
    """Send the one-question satisfaction survey by SMS or e-mail."""

    channel: SendChannel = SendChannel.SMS


class SupportFigures(BaseModel):
    """§7.3.1's named figures (初回応答時間, 解決時間, 顧客満足度), each over its own period."""

    figures: list[FigureRead]


class SupportWeek(BaseModel):
    """One calendar week (Monday to Sunday, APP_TIMEZONE) of inquiries by the day they arrived."""

    start: date
    end: date
    inquiries: int
    responded: int
    median_first_response_minutes_by_channel: dict[str, float | None]  # email, phone: each against its own target


class SupportKpis(BaseModel):
    weeks: list[SupportWeek]
