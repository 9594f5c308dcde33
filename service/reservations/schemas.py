"""Request and response bodies of the reservations API and the MCP tools."""

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints
from pydantic_core import PydanticCustomError

from service.config import get_settings
from service.fields import FieldWords, bounds, rules
from service.figures import FigureRead
from service.reservations.models import (
    AMOUNT_MAX,
    PHONE_MAX,
    Incident,
    ManualOperation,
    McpClient,
    Note,
    OnCallMember,
    OnCallOverride,
    Reservation,
    ServiceType,
    Shop,
    SupportInquiry,
)
from service.reservations.phones import PHONE_WORDS, PhoneFormatError, normalise_phone
from service.schemas import ClientTimestamp, IsoDate, IsoDatetime, JapanTime, LocalTime, MultiLine, SingleLine


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except PhoneFormatError as exc:
        raise PydanticCustomError("phone_format", f"電話番号は{PHONE_WORDS}で入力してください") from exc


def local_datetime(value: datetime) -> datetime:
    """A time without a zone is read in the service's time zone (Asia/Tokyo); kept in UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=ZoneInfo(get_settings().timezone))).astimezone(UTC)


REASON_MAX = 500  # a cancellation's reason (its event's)
CODE_MAX = 10  # a reservation's code as typed: QRV-XXXXXX
Phone = Annotated[str, StringConstraints(max_length=PHONE_MAX), AfterValidator(_phone), SingleLine]
# email-validator's rule, then the column's length and shape (service/schemas.py EMAIL_SHAPE); "" for none
RequesterEmail = Annotated[EmailStr, rules(Reservation.requester_email)] | Literal[""]
ShopEmail = Annotated[EmailStr, rules(Shop.email)] | Literal[""]
LocalDateTime = Annotated[IsoDatetime, AfterValidator(local_datetime)]
ClientLocalDateTime = Annotated[ClientTimestamp, AfterValidator(local_datetime)]  # when something happened
# The words of labels.py's dictionaries, in their order (tests/service/reservations/test_vocabulary.py holds them
# equal).
OperationType = Literal[
    "all_shops_declined",
    "sms_failed",
    "payment_timeout",
    "ambiguous_answer",
    "change_request",
    "late_cancellation",
    "shop_cancel_call",
]
ReservationStatus = Literal[
    "received",
    "calling",
    "pending_shop_response",
    "change_requested",
    "all_declined",
    "calling_success",
    "awaiting_payment",
    "payment_timeout",
    "confirmed",
    "completed",
    "cancelled",
]
OperationStatus = Literal["open", "in_progress", "resolved"]
Priority = Literal["urgent", "high", "medium", "low"]
IncidentLevel = Literal["critical", "high", "medium", "low"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- catalogue ---------------------------------------------------------------------------------


Price = Annotated[int, Field(ge=0, le=AMOUNT_MAX)]
DURATION_MAX = 24 * 60  # a service's length in minutes: a day at most
DurationMinutes = Annotated[int, Field(ge=1, le=DURATION_MAX)]


class ServiceTypeCreate(Strict):
    name: Annotated[str, rules(ServiceType.name)]
    description: Annotated[str, rules(ServiceType.description, strip=False)] = ""
    price: Price
    duration_minutes: DurationMinutes
    active: StrictBool = True


class ServiceTypeUpdate(Strict):
    name: Annotated[str, rules(ServiceType.name)] | None = None
    description: Annotated[str, rules(ServiceType.description, strip=False)] | None = None
    price: Price | None = None
    duration_minutes: DurationMinutes | None = None
    active: StrictBool | None = None


class ServiceTypeRead(Read):
    id: int
    name: str
    description: str
    price: int
    duration_minutes: int
    active: bool


class ServiceOption(Read):
    id: int
    name: str


ServiceTypeIds = Annotated[list[int], Field(max_length=200)]
CALL_ORDER_MAX = 100_000  # a shop's place in the call order
CallOrder = Annotated[int, Field(ge=0, le=CALL_ORDER_MAX)]


class ShopCreate(Strict):
    name: Annotated[str, rules(Shop.name)]
    phone: Phone
    email: ShopEmail = ""
    service_type_ids: ServiceTypeIds = Field(default_factory=list)
    call_order: CallOrder = 100
    active: StrictBool = True
    notes: Annotated[str, rules(Shop.notes, strip=False)] = ""
    opens_at: LocalTime | None = None  # 営業時間 (Japan time): both or neither
    closes_at: LocalTime | None = None


class ShopUpdate(Strict):
    name: Annotated[str, rules(Shop.name)] | None = None
    phone: Phone | None = None
    email: ShopEmail | None = None
    service_type_ids: ServiceTypeIds | None = None
    call_order: CallOrder | None = None
    active: StrictBool | None = None
    notes: Annotated[str, rules(Shop.notes, strip=False)] | None = None
    opens_at: LocalTime | None = None
    closes_at: LocalTime | None = None
    all_day: StrictBool | None = None  # true: the hours are removed (called at any time)


class ShopRead(Read):
    id: int
    name: str
    phone: str
    email: str
    call_order: int
    active: bool
    notes: str
    opens_at: JapanTime | None
    closes_at: JapanTime | None
    services: list[ServiceOption]


class ShopImportResult(BaseModel):
    created: int
    updated: int


# --- reservations ------------------------------------------------------------------------------


class ReservationCreate(Strict):
    service_type_id: int
    requester_name: Annotated[str, rules(Reservation.requester_name)]
    requester_phone: Phone
    requester_email: RequesterEmail = ""
    desired_at: LocalDateTime
    details: Annotated[str, rules(Reservation.details, strip=False)] = ""


# A changed amount (§2.2.5: the shop asked for another size or price) moves the payment link with it (booking.edit).
Amount = Annotated[int, Field(ge=1, le=AMOUNT_MAX)]


class ReservationUpdate(Strict):
    requester_name: Annotated[str, rules(Reservation.requester_name)] | None = None
    requester_phone: Phone | None = None
    requester_email: RequesterEmail | None = None
    desired_at: LocalDateTime | None = None
    details: Annotated[str, rules(Reservation.details, strip=False)] | None = None
    amount: Amount | None = None


class ReservationRead(Read):
    code: str
    status: str
    status_label: str
    requester_name: str
    requester_phone: str
    requester_email: str
    service_type_id: int
    service_name: str
    shop_id: int | None
    shop_name: str | None
    one_off_shop_name: str | None
    one_off_shop_phone: str | None
    one_off_shop_notes: str | None
    desired_at: datetime
    amount: int
    cancel_deadline_at: datetime
    status_changed_at: datetime
    created_at: datetime


class EventRead(Read):
    from_status: str | None
    to_status: str
    to_label: str
    actor_type: str
    actor_label: str
    reason: str
    provider_ids: dict[str, Any]
    occurred_at: datetime


class CallRead(Read):
    id: int
    shop_id: int
    shop_name: str
    round: int
    status: str
    status_label: str
    outcome: str | None
    outcome_label: str | None
    answered_by: str | None
    answered_by_label: str | None
    summary: str
    transcript: str
    created_at: datetime
    answered_at: datetime | None


class PaymentRead(Read):
    id: int
    amount: int
    status: str
    status_label: str
    checkout_session_id: str | None
    checkout_url: str
    expires_at: datetime | None
    paid_at: datetime | None
    refunded_at: datetime | None
    created_at: datetime


class NoteRead(Read):
    id: int
    author: str
    body: str
    created_at: datetime


class PagingRead(BaseModel):
    """The page of an operation or incident: who was paged last (step 0 the person on duty, then the chain), by
    when they are to acknowledge, and the acknowledgement."""

    steps: int
    paged_name: str | None
    paged_at: datetime | None
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str


class OperationRead(Read):
    id: int
    reservation_code: str
    reservation_status: str
    requester_name: str
    op_type: str
    type_label: str
    priority: str
    priority_label: str
    status: str
    status_label: str
    reason: str
    shop_said: str  # what the shop asked (the call's transcript, or the operator's note of a change request)
    can_send_notice: bool  # a notice that reached nobody, which the operator may send by e-mail
    due_at: datetime
    overdue: bool
    assignee_id: int | None
    assignee_name: str | None
    resolution: str
    resolved_by: str
    created_at: datetime
    resolved_at: datetime | None
    paging: PagingRead | None = None  # a 緊急/高 operation's page of the person on duty


class ReservationDetail(ReservationRead):
    details: str
    cancel_url: str
    next_call_at: datetime | None  # while calling: round 2's next call, once its wait is over
    events: list[EventRead]
    calls: list[CallRead]
    payments: list[PaymentRead]
    operations: list[OperationRead]
    notes: list[NoteRead]


class OneOffShopIn(Strict):
    """A shop the operator found by phone (§2.2.1), not in the call list."""

    name: Annotated[str, rules(Reservation.one_off_shop_name)]
    phone: Phone
    notes: Annotated[str, rules(Reservation.one_off_shop_notes, strip=False)] = ""


class AcceptIn(Strict):
    """The shop that said yes: a listed one (shop_id; none: the last one called), or a one-off shop kept on this
    reservation only, unless add_to_call_list registers it as a listed shop offering the reservation's service."""

    shop_id: int | None = None
    one_off_shop: OneOffShopIn | None = None
    add_to_call_list: StrictBool = False


class PaymentLinkIn(Strict):
    channel: Literal["sms", "email"] = "sms"


class CancelIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX), MultiLine]
    refund: StrictBool = True


class NoteIn(Strict):
    body: Annotated[str, rules(Note.body)]


class OperationCreate(Strict):
    reservation_code: Annotated[str, StringConstraints(max_length=CODE_MAX), SingleLine]
    op_type: OperationType
    reason: Annotated[str, rules(ManualOperation.reason)]


class OperationAssign(Strict):
    assignee_id: int | None = None


class OperationResolve(Strict):
    resolution: Annotated[str, rules(ManualOperation.resolution)]


class AssigneeOption(BaseModel):
    id: int
    name: str
    role: str


# --- console and KPIs --------------------------------------------------------------------------


class StatusCount(BaseModel):
    status: str
    label: str
    count: int


class OperationCount(BaseModel):
    op_type: str
    label: str
    count: int


class ConsoleToday(BaseModel):
    day: date
    reservations_total: int
    reservations_by_status: list[StatusCount]
    operations_created: int
    operations_open: int
    operations_overdue: int
    operations_by_type: list[OperationCount]


class DailyRate(BaseModel):
    day: date
    requests: int
    booked: int
    booking_success_pct: float | None
    payment_links: int
    paid: int
    payment_success_pct: float | None
    cancelled: int
    cancel_pct: float | None


class WeeklyKpis(BaseModel):
    """This calendar week, Monday to Sunday (APP_TIMEZONE)."""

    start: date
    end: date
    days: list[DailyRate]
    booking_success_pct: float | None
    payment_success_pct: float | None
    cancel_pct: float | None


class NotificationRead(Read):
    id: int
    kind: str
    kind_label: str
    reservation_code: str | None
    message: str
    created_at: datetime


# --- incidents ---------------------------------------------------------------------------------


IncidentTitle = Annotated[str, rules(Incident.title)]
Impact = Annotated[str, rules(Incident.impact, strip=False)]
Cause = Annotated[str, rules(Incident.cause, strip=False)]
Response = Annotated[str, rules(Incident.response, strip=False)]
Prevention = Annotated[str, rules(Incident.prevention, strip=False)]


class IncidentCreate(Strict):
    title: IncidentTitle
    level: IncidentLevel
    occurred_at: ClientLocalDateTime
    impact: Impact = ""
    cause: Cause = ""
    response: Response = ""
    responded_at: ClientLocalDateTime | None = None
    recovered_at: ClientLocalDateTime | None = None
    prevention: Prevention = ""


class IncidentUpdate(Strict):
    title: IncidentTitle | None = None
    level: IncidentLevel | None = None
    occurred_at: ClientLocalDateTime | None = None
    impact: Impact | None = None
    cause: Cause | None = None
    response: Response | None = None
    responded_at: ClientLocalDateTime | None = None
    recovered_at: ClientLocalDateTime | None = None
    prevention: Prevention | None = None


class IncidentRead(Read):
    """The record (§5.3.1) with its level's target response time and escalation (§5.1) and whether they were met."""

    id: int
    title: str
    level: str
    level_label: str
    occurred_at: datetime
    impact: str
    cause: str
    response: str
    responded_at: datetime | None
    recovered_at: datetime | None
    prevention: str
    target_label: str
    escalation_label: str
    response_due_at: datetime
    escalation_due_at: datetime | None
    escalated_at: datetime | None
    escalated_by: str
    overdue: bool
    responded_late: bool
    escalation_overdue: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    paging: PagingRead | None = None  # a Critical/High incident's page of the person on duty


# --- MCP clients -------------------------------------------------------------------------------


class McpClientCreate(Strict):
    name: Annotated[str, rules(McpClient.name)]


class McpClientRead(Read):
    id: int
    name: str
    key_prefix: str
    active: bool
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class McpClientCreated(McpClientRead):
    api_key: str = Field(description="shown once; only its hash is stored")


# --- executive ---------------------------------------------------------------------------------


class MonthRow(BaseModel):
    month: str
    reservations: int
    confirmed: int
    cancelled: int
    cancel_pct: float | None
    revenue: int


class ShareRow(BaseModel):
    id: int
    name: str
    reservations: int
    confirmed: int
    share_pct: float


class MonthToDate(BaseModel):
    """This month's figures up to today (its first `days` days; reservations/figures.py) and the previous month's
    first `previous_days` days (the same figures, by key)."""

    days: int
    previous_days: int
    figures: list[FigureRead]
    previous: dict[str, int]
    cancel_pct: float | None
    previous_cancel_pct: float | None


class ExecutiveSummary(BaseModel):
    months: list[MonthRow]
    services: list[ShareRow]
    shops: list[ShareRow]
    computed_at: datetime | None
    months_label: str  # the charts' period in words: 過去12か月
    month_to_date: MonthToDate


# --- vocabulary --------------------------------------------------------------------------------


class ReservationsVocabulary(BaseModel):
    """What the dashboards' pages show and mirror: labels (code -> Japanese, in display order), the status
    transitions ({from: [to, ...]}) and the text limits of the forms."""

    statuses: dict[str, str]
    actor_types: dict[str, str]
    operation_types: dict[str, str]
    priorities: dict[str, str]
    operation_statuses: dict[str, str]
    incident_levels: dict[str, str]
    incident_policies: dict[str, dict[str, str]]
    inquiry_channels: dict[str, str]
    inquiry_requester_types: dict[str, str]
    inquiry_statuses: dict[str, str]
    satisfaction_sources: dict[str, str]
    survey_channels: dict[str, str]
    transitions: dict[str, list[str]]
    limits: dict[str, int]
    fields: dict[str, dict[str, FieldWords]]  # each table's fields as the forms show and check them (models.py)


# --- support inquiries (§7) ------------------------------------------------------------------------

InquiryChannel = Literal["email", "phone"]  # labels.INQUIRY_CHANNELS
InquiryRequesterType = Literal["requester", "shop"]  # labels.INQUIRY_REQUESTER_TYPES
InquiryReservationCode = Annotated[str, rules(SupportInquiry.reservation_id)]
InquiryRequester = Annotated[str, rules(SupportInquiry.requester)]
InquiryAnswer = Annotated[str, rules(SupportInquiry.answer, strip=False)]
InquiryQuestion = Annotated[str, rules(SupportInquiry.question, strip=False)]
InquiryStatus = Literal["open", "in_progress", "resolved"]  # labels.INQUIRY_STATUSES
ContactPhone = Phone | Literal[""]
ContactEmail = Annotated[EmailStr, rules(SupportInquiry.contact_email)] | Literal[""]
Satisfaction = Annotated[int, bounds(SupportInquiry.satisfaction)]
SurveyChannel = Literal["sms", "email"]  # labels.SURVEY_CHANNELS


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
    status: InquiryStatus = "open"
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
    answer: str
    resolved_at: datetime | None
    resolution_hours: float | None
    resolved_in_time: str  # はい / いいえ (§7.3.1 解決時間 24時間以内); empty while not resolved
    satisfaction: int | None
    satisfaction_source: str | None
    satisfaction_source_label: str
    survey_sent_at: datetime | None
    created_by: str
    created_at: datetime


class NoticeByEmail(Strict):
    """The requester's e-mail address to send a notice that reached nobody to (kept on the reservation); none: the
    address it has."""

    email: RequesterEmail | None = None


class SurveySend(Strict):
    """Send the one-question satisfaction survey by SMS or e-mail."""

    channel: SurveyChannel = "sms"


class SupportFigures(BaseModel):
    """§7.3.1's named figures (初回応答時間, 解決時間, 顧客満足度), each over its own period."""

    figures: list[FigureRead]


class SupportWeek(BaseModel):
    """One calendar week (Monday to Sunday, APP_TIMEZONE) of inquiries by the day they arrived."""

    start: date
    end: date
    inquiries: int
    responded: int
    median_first_response_minutes: float | None


class SupportKpis(BaseModel):
    weeks: list[SupportWeek]


class ManualSummary(BaseModel):
    name: str
    title: str
    audience: str
    audience_label: str  # ご依頼者向け, 提携店向け, 運営担当者向け


class ManualRead(ManualSummary):
    markdown: str


# --- on call (§2.3.1) and pages ---------------------------------------------------------------------

OnCallPeriod = Literal["week", "day"]  # labels.ONCALL_PERIODS
ONCALL_MEMBERS_MAX = 50


class OnCallMemberIn(Strict):
    user_id: int
    phone: Phone
    slack_user_id: Annotated[str, rules(OnCallMember.slack_user_id)] = ""


class OnCallRotationIn(Strict):
    """The whole rotation: its unit, its first shift's day and its members in order (the first takes that shift)."""

    period: OnCallPeriod
    starts_on: IsoDate
    members: Annotated[list[OnCallMemberIn], Field(min_length=1, max_length=ONCALL_MEMBERS_MAX)]


class OnCallOverrideCreate(Strict):
    user_id: int
    start_date: IsoDate
    end_date: IsoDate
    note: Annotated[str, rules(OnCallOverride.note)] = ""


class OnCallMemberRead(BaseModel):
    user_id: int
    name: str
    phone: str
    slack_user_id: str


class OnCallRotationRead(BaseModel):
    period: str
    period_label: str
    starts_on: date
    updated_at: datetime
    members: list[OnCallMemberRead]


class OnCallOverrideRead(BaseModel):
    id: int
    user_id: int
    name: str
    start_date: date
    end_date: date
    note: str
    created_by: str
    created_at: datetime


class OnDutyRead(BaseModel):
    """Who is on duty at a moment (none without a rotation), and whether the team works then."""

    at: datetime
    shift_day: date
    business_hours: bool
    hours_label: str
    holiday_name: str | None
    user_id: int | None
    name: str | None
    phone: str | None
    source: str | None
    source_label: str | None


class OnCallShiftRead(BaseModel):
    shift_day: date
    working_day: bool
    holiday_name: str | None
    day_label: str  # 営業日, the holiday's name, or 休日
    user_id: int
    name: str
    phone: str
    source: str
    source_label: str


class OnCallSchedule(BaseModel):
    rotation: OnCallRotationRead | None
    overrides: list[OnCallOverrideRead]
    now: OnDutyRead
    upcoming: list[OnCallShiftRead]
    holidays: list[OnCallShiftRead]  # the public holidays' shifts of the next 92 days
    business_hours: str
    handoff: str
