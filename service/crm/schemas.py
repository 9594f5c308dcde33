"""Request and response bodies of the 代理店CRM API; field names are the spec's (§2)."""

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasPath,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    create_model,
)

from service.crm import validation
from service.crm.models import (
    REQUEST_STATUSES,
    STATUSES,
    Agency,
    Choice,
    Comment,
    Corporation,
    OptionService,
    Profile,
    Request,
    Site,
)
from service.fields import FieldWords, length, rules
from service.figures import FigureRead
from service.identity.schemas import Email, LoginId, Password
from service.schemas import IsoDate, MultiLine, Rules, SingleLine, VersionedPatch, coded, optional_fields

Status = Literal["in_progress", "deficient", "submitted", "cancelled"]  # a site's
assert set(Status.__args__) == set(STATUSES)  # type: ignore[attr-defined]
RequestStatus = Literal["in_progress", "deficient", "submitted", "partly_cancelled", "cancelled"]
assert set(RequestStatus.__args__) == set(REQUEST_STATUSES)  # type: ignore[attr-defined]
Role = Literal["sales", "operator", "admin"]


def text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> Rules:
    """Annotated[str, text(50)]."""
    constraints = StringConstraints(strip_whitespace=True, max_length=max_length, min_length=min_length)
    return Rules((constraints, MultiLine if multiline else SingleLine))


def checked(max_length: int | None, check: Callable[[str], str]) -> Rules:
    """Its length (surrounding spaces aside), then `check`, which normalises it."""
    return Rules((StringConstraints(strip_whitespace=True, max_length=max_length), AfterValidator(check), SingleLine))


def ruled(attribute: Any, check: Callable[[str], str]) -> Rules:
    """The column's length, so a form never takes what the column cannot hold."""
    return checked(length(attribute), check)


def kana(attribute: Any) -> Rules:
    return ruled(attribute, validation.katakana)


Birthday = Annotated[IsoDate | None, AfterValidator(validation.past_date)]
CARD_NUMBER_MAX = 30  # a card number as typed (spaces, hyphens); stored encrypted: no column states it
SECURITY_CODE_MAX = 4  # a card's security code (stored encrypted: no column states it)
SecurityCode = Annotated[str, checked(SECURITY_CODE_MAX, validation.security_code)]
Version = Annotated[int, Field(ge=1, description="the version you read; a stale one is refused with 409")]
WRITE_ONLY = ("credit_card_number", "credit_card_security_code")  # never read back, so never in a `base`


def opened(fields: type[BaseModel]) -> type[BaseModel]:
    """All optional, the write-only ones left out, for the three-way merge of a stale edit (locking.lock_edit)."""
    secret = [name for name in WRITE_ONLY if name in fields.model_fields]
    return optional_fields(fields, fields.__name__.replace("Fields", "Base"), exclude=secret)


def _required(spec: Any) -> tuple[Any, Any]:
    return spec if isinstance(spec, tuple) else (spec, ...)


def read_model(
    model: type[BaseModel], name: str, *, exclude: tuple[str, ...] = (), first: dict[str, Any], last: dict[str, Any]
) -> type[BaseModel]:
    fields: dict[str, Any] = {key: _required(spec) for key, spec in first.items()}
    fields |= {field: (info.annotation, ...) for field, info in model.model_fields.items() if field not in exclude}
    fields |= {key: _required(spec) for key, spec in last.items()}
    return create_model(name, __config__=ConfigDict(from_attributes=True), **fields)


# --- corporations (§2.4) -----------------------------------------------------------------------------------


class CorporationFields(BaseModel):
    """1page (契約者情報) and 2page (支払方法). Card number and security code are write-only."""

    model_config = ConfigDict(extra="forbid")

    customer_type: Annotated[str, rules(Corporation.customer_type)]
    corporation_number: Annotated[str, ruled(Corporation.corporation_number, validation.corporation_number)] = ""
    last_name: Annotated[str, rules(Corporation.last_name)]
    first_name: Annotated[str, rules(Corporation.first_name)] = ""
    last_name_kana: Annotated[str, kana(Corporation.last_name_kana)] = ""
    first_name_kana: Annotated[str, kana(Corporation.first_name_kana)] = ""
    representative_last_name: Annotated[str, rules(Corporation.representative_last_name)] = ""
    representative_first_name: Annotated[str, rules(Corporation.representative_first_name)] = ""
    representative_last_name_kana: Annotated[str, kana(Corporation.representative_last_name_kana)] = ""
    representative_first_name_kana: Annotated[str, kana(Corporation.representative_first_name_kana)] = ""
    zip_code: Annotated[str, ruled(Corporation.zip_code, validation.postal_code)] = ""
    prefecture: Annotated[str, ruled(Corporation.prefecture, validation.prefecture)] = ""
    city: Annotated[str, rules(Corporation.city)] = ""
    town: Annotated[str, rules(Corporation.town)] = ""
    street: Annotated[str, rules(Corporation.street)] = ""
    building_name: Annotated[str, rules(Corporation.building_name)] = ""
    phone1: Annotated[str, ruled(Corporation.phone1, validation.phone_number)] = ""
    phone2: Annotated[str, ruled(Corporation.phone2, validation.phone_number)] = ""
    mail_address: EmailStr | Literal[""] = ""
    birthday: Birthday = None
    representative_birthday: Birthday = None
    job_type: Annotated[str, rules(Corporation.job_type)] = ""
    # chosen, never defaulted: a card opens required fields
    payment_type: Annotated[str, rules(Corporation.payment_type)]
    credit_card_number: Annotated[str, checked(CARD_NUMBER_MAX, validation.card_number)] = ""
    credit_card_expire_month: Annotated[str, ruled(Corporation.credit_card_expire_month, validation.expire_month)] = ""
    credit_card_expire_year: Annotated[str, ruled(Corporation.credit_card_expire_year, validation.expire_year)] = ""
    credit_card_name: Annotated[str, rules(Corporation.credit_card_name)] = ""
    credit_card_security_code: SecurityCode = ""
    invoice: Literal["0", "3"] = "0"
    payment_certificate: Literal["0", "1"] = "0"
    billing_address_same: StrictBool = True
    billing_zip_code: Annotated[str, ruled(Corporation.billing_zip_code, validation.postal_code)] = ""
    billing_prefecture: Annotated[str, ruled(Corporation.billing_prefecture, validation.prefecture)] = ""
    billing_city: Annotated[str, rules(Corporation.billing_city)] = ""
    billing_town: Annotated[str, rules(Corporation.billing_town)] = ""
    billing_street: Annotated[str, rules(Corporation.billing_street)] = ""
    billing_building: Annotated[str, rules(Corporation.billing_building)] = ""
    billing_customer_name: Annotated[str, rules(Corporation.billing_customer_name)] = ""
    sales_channel_id: Annotated[str, rules(Corporation.sales_channel_id)] = ""


# mypy cannot read a model built at run time (optional_fields, read_model): it sees the base the code relies on.
if TYPE_CHECKING:
    CorporationUpdate = VersionedPatch
else:
    CorporationUpdate = optional_fields(
        CorporationFields, "CorporationUpdate", version=(Version, ...), base=(opened(CorporationFields) | None, None)
    )


if TYPE_CHECKING:
    CorporationRead = BaseModel
else:
    CorporationRead = read_model(
        CorporationFields,
        "CorporationRead",
        exclude=("credit_card_number", "credit_card_security_code"),
        first={"id": int, "agency_id": int, "display_name": str},
        last={
            "credit_card_number_masked": (str, ""),
            "has_security_code": (bool, False),
            "security_code_needed": (bool, False),
            "version": int,
            "created_at": datetime,
            "updated_at": datetime,
        },
    )


class CorporationSummary(BaseModel):
    """A search hit for 既存法人に地点追加."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    agency_id: int
    display_name: str
    corporation_number: str
    customer_type: str
    prefecture: str
    city: str
    phone1: str


class CardReveal(BaseModel):
    credit_card_number: str
    credit_card_security_code: str | None


# --- requests (§2.3) ---------------------------------------------------------------------------------------

Remarks = Annotated[str, rules(Request.remarks)]
SITE_COUNT_MAX = 100  # 申告地点数: a request's sites, as the sales person declares them
SiteCount = Annotated[int, Field(ge=1, le=SITE_COUNT_MAX)]


class RequestCreate(BaseModel):
    """新規投入依頼 (a new corporation) or 既存法人に地点追加 (corporation_id); images come as files beside it."""

    model_config = ConfigDict(extra="forbid")

    corporation: CorporationFields | None = None
    corporation_id: int | None = Field(default=None, ge=1)
    agency_id: int | None = Field(default=None, ge=1, description="admins only: the agency of a new corporation")
    remarks: Remarks = ""
    site_count: SiteCount = 1
    credit_card_security_code: SecurityCode = Field(
        default="",
        description="既存法人に地点追加 only: the card's security code, asked again once an earlier request's "
        "completion purged it (security_code_needed on the corporation)",
    )
    confirm: StrictBool = Field(
        default=False,
        description="a new corporation whose name and phone match one the agency has (409 duplicate_corporation): "
        "a different company, registered all the same; a 法人番号 match never is",
    )


class CorporationMerge(BaseModel):
    """法人の統合 (admin): the duplicate whose requests and sites move to the corporation kept, and is deleted."""

    model_config = ConfigDict(extra="forbid")

    duplicate_id: int = Field(ge=1, le=2**31 - 1)


class RequestFields(BaseModel):
    """備考・地点数, each optional: a request's PATCH and the `base` of a stale one's three-way merge."""

    model_config = ConfigDict(extra="forbid")

    remarks: Remarks | None = None
    site_count: SiteCount | None = None


class RequestUpdate(RequestFields):
    version: Version
    base: RequestFields | None = None


class VersionIn(BaseModel):
    version: Version


class ResubmitIn(BaseModel):
    message: Annotated[str, rules(Comment.message, min_length=0)] = ""
    version: Version


class DeficiencyIn(BaseModel):
    """A reason is required; site_id names one site (its version), none the whole request (the request's version)."""

    message: Annotated[str, rules(Comment.message)]
    site_id: int | None = Field(default=None, ge=1)
    version: Version


class CommentIn(BaseModel):
    message: Annotated[str, rules(Comment.message)]
    site_id: int | None = Field(default=None, ge=1)


class RequestTimes(BaseModel):
    """The time a request's statuses have taken (service/crm/timing.py), as of the moment it was read."""

    status_since: datetime = Field(description="since when it is in its status")
    closed_at: datetime | None = Field(description="when it became 投入済 or キャンセル")
    in_status_seconds: int = Field(description="how long it has been in its status")
    total_seconds: int = Field(description="from 依頼日 to its close, or to now while open")
    agency_seconds: int = Field(description="of the total, the time in 不備: waiting on the agency")
    input_team_seconds: int = Field(description="of the total, the rest: the input team's time")
    days_to_submitted: float | None = Field(description="投入済: days from 依頼日 to 投入済, to one decimal")
    first_time_right: bool | None = Field(description="投入済: whether it was entered without any 不備")


class RequestItem(BaseModel):
    """One row of マイ依頼一覧 / 投入案件一覧."""

    id: int
    agency_id: int
    agency_name: str
    corporation_id: int
    corporation_name: str
    requested_by: int
    requested_by_name: str
    status: str
    status_label: str
    site_count: int
    sites_total: int
    unread: bool
    resubmitted_at: datetime | None = None  # 修正再提出 of a request waiting for the back office (対応中)
    assigned_to: int | None = None
    assigned_to_name: str = ""
    assigned_at: datetime | None = None
    times: RequestTimes
    created_at: datetime
    updated_at: datetime
    version: int


class ImageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    site_id: int | None
    file_name: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    uploaded_at: datetime
    # pending, done or failed (service/crm/ocr/reading.py); None: not read (uploaded while OCR was unavailable)
    ocr_status: str | None = Field(default=None, validation_alias=AliasPath("ocr_result", "status"))


class OcrEngineRead(BaseModel):
    """Whether statement images are read by OCR here: the engine configured, its version, and if not, why."""

    engine: str
    version: str | None
    available: bool
    message: str


class OcrProposal(BaseModel):
    """A value proposed for a site field: its confidence (0–1), its box on the page read, each character with its
    confidence (those below `OcrRead.low_confidence` are the ones to look at)."""

    field: str
    label: str
    value: str | int
    confidence: float
    box: list[int]
    chars: list[tuple[str, float]]


class OcrWithheld(BaseModel):
    """A value found after its label that broke its field's rule: not proposed."""

    field: str
    label: str
    read: str
    rule: str


class OcrRead(BaseModel):
    """An image's OCR: its status (None: never read), the engine that read it and when, the text, the proposals in
    the form's order and what was withheld."""

    image_id: int
    status: str | None
    status_label: str
    message: str = ""
    engine: str | None = None
    version: str | None = None
    read_at: datetime | None = None
    text: str = ""
    page_size: list[int] = Field(default_factory=list)
    proposals: list[OcrProposal] = Field(default_factory=list)
    withheld: list[OcrWithheld] = Field(default_factory=list)
    low_confidence: float


class OcrReviewItem(BaseModel):
    """A row of OCR確認履歴: what one save did with one OCR proposal (crm_ocr_review)."""

    id: int
    reviewed_at: datetime
    agency_id: int
    agency_name: str
    field: str
    field_label: str
    proposed: str
    saved: str
    accepted: bool
    accepted_label: str  # はい (saved as proposed) or いいえ (corrected): the list's 提案のまま採用
    confidence: float
    request_id: int | None
    site_id: int | None
    image_id: int | None
    reviewed_by_name: str | None


class OcrAcceptanceRow(BaseModel):
    """One agency's and one field's OCR採用率: the proposals reviewed, those saved as proposed, and the named figure
    (its list: OCR確認履歴 of that agency and field over the period); in the total, agency_id and field are those
    of the filter (None: every agency, every field)."""

    agency_id: int | None
    agency_name: str
    field: str | None
    field_label: str
    accepted: int
    reviewed: int
    figure: FigureRead


class OcrAcceptanceRead(BaseModel):
    """OCR採用率 per agency and field over a period of 確認日 (by agency code, then the form's field order), and
    their total (合計: the same share over all the rows' reviews)."""

    since: date | None
    until: date | None
    rows: list[OcrAcceptanceRow]
    total: OcrAcceptanceRow


class CommentRead(BaseModel):
    id: int
    request_id: int
    site_id: int | None
    author_id: int | None
    author_name: str
    type: str
    type_label: str
    audience: str
    message: str
    is_read: bool
    changes: dict[str, Any] | None
    created_at: datetime


class SiteSummary(BaseModel):
    """What the sales side sees of a site: enough to follow its status and deficiencies."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    status_label: str = ""
    power_branch_name: str
    service_type: str
    power_plan_name: str
    power_customer_location_number: str
    submitted_at: datetime | None


class RequestActions(BaseModel):
    """What the caller may do now (the pages show only these buttons)."""

    edit: bool
    cancel: bool
    resubmit: bool
    add_images: bool
    back_office: bool


class RequestDetail(BaseModel):
    request: RequestItem
    remarks: str
    whole_deficiency: bool
    corporation: CorporationRead
    images: list[ImageRead]
    sites: list[dict[str, Any]]
    comments: list[CommentRead]
    actions: RequestActions
    security_code_needed: bool = Field(
        description="card payment and no security code held (purged when an earlier request finished): the back "
        "office needs it from the sales person"
    )


# --- sites (§2.5) ------------------------------------------------------------------------------------------


class SiteFields(BaseModel):
    """5page (申込情報入力): every field the back office enters from the statement images."""

    model_config = ConfigDict(extra="forbid")

    pps_business_number: Annotated[str, rules(Site.pps_business_number)] = ""
    application_type: Annotated[str, rules(Site.application_type)] = ""
    power_plan_name: Annotated[str, rules(Site.power_plan_name)] = ""
    contract_capacity: Annotated[str, rules(Site.contract_capacity)] = ""
    power_area: Annotated[str, rules(Site.power_area)] = ""
    power_supplier_type: Annotated[str, rules(Site.power_supplier_type)] = ""
    power_customer_number: Annotated[str, rules(Site.power_customer_number)] = ""
    power_customer_location_number: Annotated[
        str, ruled(Site.power_customer_location_number, validation.location_number)
    ] = ""
    power_zip_code: Annotated[str, ruled(Site.power_zip_code, validation.postal_code)] = ""
    power_prefecture: Annotated[str, ruled(Site.power_prefecture, validation.prefecture)] = ""
    power_city: Annotated[str, rules(Site.power_city)] = ""
    power_town: Annotated[str, rules(Site.power_town)] = ""
    power_street: Annotated[str, rules(Site.power_street)] = ""
    power_building: Annotated[str, rules(Site.power_building)] = ""
    power_room_number: Annotated[str, rules(Site.power_room_number)] = ""
    power_building_type: Annotated[str, rules(Site.power_building_type)] = ""
    power_branch_name: Annotated[str, rules(Site.power_branch_name)] = ""
    power_customer_name: Annotated[str, rules(Site.power_customer_name)] = ""
    power_customer_name_kana: Annotated[str, kana(Site.power_customer_name_kana)] = ""
    latest_charges: int | None = Field(default=None, ge=0, le=1_000_000_000)
    latest_power_usage: int | None = Field(default=None, ge=0, le=1_000_000_000)
    latest_date: Annotated[str, ruled(Site.latest_date, validation.year_month)] = ""
    option_plans: list[Annotated[str, text(length(OptionService.code))]] = Field(default_factory=list, max_length=20)
    moving_in_date: IsoDate | None = None
    note: Annotated[str, rules(Site.note)] = ""
    service_type: Literal["electric", "gas"] | None = Field(
        default=None, description="decided by pps_business_number when it is 電気/ガス's code; else as sent (electric)"
    )
    contract_corporation_type: Annotated[str, rules(Site.contract_corporation_type)] = ""
    saisan_gas_yoto: Annotated[str, rules(Site.saisan_gas_yoto)] = ""
    ecolog_gas_yoto: Annotated[str, rules(Site.ecolog_gas_yoto)] = ""
    power_amounts_form: Annotated[str, rules(Site.power_amounts_form)] = ""


if TYPE_CHECKING:
    SiteUpdate = VersionedPatch
else:
    SiteUpdate = optional_fields(
        SiteFields,
        "SiteUpdate",
        version=(Version, ...),
        base=(opened(SiteFields) | None, None),
        # the statement image whose OCR proposals the form was filled in with (service/crm/ocr/reviews.py)
        ocr_image_id=(int | None, Field(default=None, ge=1)),
    )


class SiteRead(SiteFields):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    request_id: int
    corporation_id: int
    agency_id: int
    status: str
    status_label: str = ""
    submitted_at: datetime | None
    image_ids: list[int] = Field(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime


class StatusChange(BaseModel):
    status: Status
    version: Version
    reason: Annotated[str, rules(Comment.message, min_length=0)] = ""


class ImageLink(BaseModel):
    site_id: int | None = Field(default=None, ge=1)


# --- notifications -----------------------------------------------------------------------------------------


class CrmNotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    comment_id: int | None
    kind: str
    message: str
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int


class QueueSummary(BaseModel):
    """投入案件一覧's to-do counts: 対応中 requests, requests with news the caller has not read, resubmissions the
    caller has not opened, and the requests nobody has taken yet (「次の依頼を担当」's queue)."""

    open: int
    unread: int
    resubmitted_unread: int
    unassigned: int


class TakenRequest(BaseModel):
    """「次の依頼を担当」: the request now the caller's, or none when the queue is empty."""

    request: RequestItem | None


class AssigneeIn(BaseModel):
    """An admin's reassignment: a back-office user's id, or null to put the request back in the queue."""

    assigned_to: int | None = Field(ge=1)


class TeamMember(BaseModel):
    """One sales person's requests in チームの依頼: the count of each status (the list's total under requested_by and
    status) and since when their oldest open request (不備/対応中) waits."""

    user_id: int
    name: str
    counts: dict[str, int]
    total: int
    oldest_open_at: datetime | None


class TeamRead(BaseModel):
    """チームの依頼: the requests the caller sees, by sales person (most 不備 first) and status."""

    members: list[TeamMember]
    totals: dict[str, int]
    total: int


# --- masters -----------------------------------------------------------------------------------------------


class ChoiceRead(BaseModel):
    """A choice; an inactive one is not offered for new entries but still names the stored code."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    is_active: bool


class OptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    price_label: str
    is_support_pack: bool
    is_active: bool


SORT_ORDER_MAX = 9999  # a master entry's 表示順
SortOrder = Annotated[int, Field(ge=0, le=SORT_ORDER_MAX)]


class OptionFields(BaseModel):
    """オプションサービスマスタ (§8), as an admin adds one."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, rules(OptionService.code)]
    name: Annotated[str, rules(OptionService.name)]
    price_label: Annotated[str, rules(OptionService.price_label)]
    is_support_pack: StrictBool = False
    sort_order: SortOrder = 0


class ChoiceFields(BaseModel):
    """選択肢マスタ (§9), as an admin adds one to a kind."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, rules(Choice.code)]
    label: Annotated[str, rules(Choice.label)]
    sort_order: SortOrder = 0


def master_update(fields: type[BaseModel], name: str) -> type[BaseModel]:
    return optional_fields(fields, name, exclude=("code",), is_active=(StrictBool | None, None), version=(Version, ...))


if TYPE_CHECKING:
    OptionUpdate = VersionedPatch
    ChoiceUpdate = VersionedPatch
else:
    OptionUpdate = master_update(OptionFields, "OptionUpdate")
    ChoiceUpdate = master_update(ChoiceFields, "ChoiceUpdate")


class MasterOptionRead(OptionRead):
    sort_order: int
    version: int
    in_use: int = Field(0, description="sites listing the option")


class MasterChoiceRead(ChoiceRead):
    sort_order: int
    version: int
    in_use: int = Field(0, description="corporations and sites storing the code")


class MastersManageRead(BaseModel):
    """Every option and every editable choice kind (inactive ones too), with how often each is used."""

    options: list[MasterOptionRead]
    choices: dict[str, list[MasterChoiceRead]]
    kind_labels: dict[str, str]


class MastersRead(BaseModel):
    choices: dict[str, list[ChoiceRead]]
    options: list[OptionRead]
    prefectures: list[str]
    statuses: dict[str, str]


# --- agencies and users (admin) ----------------------------------------------------------------------------


class AgencyFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, rules(Agency.name)]
    code: Annotated[str, coded(r"^[A-Za-z0-9_-]{1,30}$", "英数字と「_」「-」の1〜30文字", strip_whitespace=True)]
    referral_shop_code: Annotated[str, rules(Agency.referral_shop_code)] = ""
    referral_shop_name: Annotated[str, rules(Agency.referral_shop_name)] = ""
    contact_name: Annotated[str, rules(Agency.contact_name)] = ""
    phone: Annotated[str, ruled(Agency.phone, validation.phone_number)] = ""
    mail_address: EmailStr | Literal[""] = ""
    is_active: StrictBool = True


if TYPE_CHECKING:
    AgencyUpdate = VersionedPatch
else:
    AgencyUpdate = optional_fields(
        AgencyFields, "AgencyUpdate", version=(Version, ...), base=(opened(AgencyFields) | None, None)
    )


if TYPE_CHECKING:
    AgencyRead = BaseModel
else:
    AgencyRead = read_model(
        AgencyFields,
        "AgencyRead",
        first={"id": int},
        last={"sales_count": (int, 0), "version": int, "created_at": datetime, "updated_at": datetime},
    )


SalesStaffCode = Annotated[str, rules(Profile.sales_staff_code)]
LCode = Annotated[str, rules(Profile.l_code)]


class CrmUserCreate(BaseModel):
    """A new platform user with a crm grant and profile (ユーザー管理)."""

    model_config = ConfigDict(extra="forbid")

    login_id: LoginId
    name: Annotated[str, text(100, min_length=1)]
    email: Email | None = None
    password: Password
    role: Role
    agency_id: int | None = Field(default=None, ge=1)
    sales_staff_code: SalesStaffCode = ""
    l_code: LCode = ""
    is_sales_manager: StrictBool = False


class CrmUserFields(BaseModel):
    """A user's fields as ユーザー管理 edits them, each optional: a PATCH's and the `base` of a stale one's three-way
    merge (the password is never read back, so never in a base)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, text(100, min_length=1)] | None = None
    is_active: StrictBool | None = None
    role: Role | None = None
    agency_id: int | None = Field(default=None, ge=1)
    sales_staff_code: SalesStaffCode | None = None
    l_code: LCode | None = None
    is_sales_manager: StrictBool | None = None


class CrmUserUpdate(CrmUserFields):
    """Role, agency and codes; name; active flag and password only for users whose only grant is crm."""

    password: Password | None = None
    clear_agency: StrictBool = False
    version: Version | None = None
    base: CrmUserFields | None = None


class CrmUserRead(BaseModel):
    user_id: int
    login_id: str
    name: str
    is_active: bool
    role: str | None
    role_label: str
    agency_id: int | None
    agency_name: str
    sales_staff_code: str
    l_code: str
    is_sales_manager: bool
    version: int
    last_login_at: datetime | None


class MeRead(BaseModel):
    user_id: int
    login_id: str
    name: str
    role: str
    role_label: str
    agency_id: int | None
    agency_name: str
    sales_staff_code: str
    l_code: str
    is_sales_manager: bool = False
    unread_notifications: int
    home: str


# --- 獲得案件一覧 and metrics ----------------------------------------------------------------------------------


class AcquiredSite(BaseModel):
    id: int
    request_id: int
    power_branch_name: str
    service_type: str
    service_type_label: str
    power_plan_name: str
    power_customer_location_number: str
    submitted_at: datetime | None


class AcquiredCorporation(BaseModel):
    corporation_id: int
    corporation_name: str
    agency_id: int
    agency_name: str
    site_count: int
    last_submitted_at: datetime | None
    sites: list[AcquiredSite]


class ReasonCount(BaseModel):
    """A 不備 reason (its words as written) and how many deficiencies gave it."""

    reason: str
    count: int


class AgencyMetrics(BaseModel):
    agency_id: int
    agency_name: str
    requests: int
    deficient: int
    in_progress: int
    submitted: int
    partly_cancelled: int = Field(description="requests closed 一部キャンセル: their sites 投入済 but those cancelled")
    cancelled: int
    acquired_sites: int
    deficiency_rate: float = Field(description="requests now 不備 / all requests (§3.6)")
    ever_deficient: int = Field(description="requests that were sent back at least once")
    ever_deficient_rate: float
    first_time_right: int = Field(default=0, description="投入済 requests that were never 不備")
    first_time_right_rate: float = Field(default=0.0, description="first_time_right / submitted (初回完了率)")
    median_days_to_submitted: float | None = Field(
        default=None, description="the lower median of the 投入済 requests' days from 依頼日 to 投入済"
    )
    top_reasons: list[ReasonCount] = Field(default_factory=list, description="the most frequent 不備 reasons")


class MetricsRead(BaseModel):
    since: date | None
    until: date | None
    agencies: list[AgencyMetrics]
    total: AgencyMetrics


class MetricsPageRead(MetricsRead):
    """代理店別数値 in one answer: the table (per agency and the total), its cards and the period's most frequent 不備
    reasons."""

    figures: list[FigureRead] = Field(description="the page's cards (service/crm/figures.py)")
    reasons: list[ReasonCount] = Field(description="the most frequent 不備 reasons over the period, the first first")


class SeriesPoint(BaseModel):
    period: str
    requests: int
    deficient: int
    in_progress: int
    submitted: int
    partly_cancelled: int
    cancelled: int
    acquired_sites: int


class SeriesRead(BaseModel):
    granularity: Literal["month", "day"]
    agency_id: int | None
    points: list[SeriesPoint]


class CrmDashboardRead(BaseModel):
    """管理者ダッシュボード: the named figures (crm/figures.py) and this month's busiest agencies."""

    by_status: list[FigureRead]  # 投入依頼（全期間・ステータス別）
    figures: list[FigureRead]  # 今日・今月, 未読, 代理店, 営業担当者
    top_agencies: list[AgencyMetrics]


# --- the pages' vocabulary and dry runs --------------------------------------------------------------------


class CrmVocabulary(BaseModel):
    """The wording and status rules the CRM pages show and mirror (from labels.py and statuses.py)."""

    status_colours: dict[str, str]
    notification_kind_labels: dict[str, str]
    transitions: dict[str, list[str]] = Field(description="back-office status changes: from -> [to, ...]")
    cancellable: list[str]
    closed: list[str]
    status_labels: dict[str, str]
    submission_required: dict[str, list[str]] = Field(
        description="the names of the site fields 投入済 needs: always, electric, switch (申込区分 1, 5), "
        "switch_electric, move_in (申込区分 2, 4, 5)"
    )
    field_labels: dict[Literal["corporation", "site", "agency", "other"], dict[str, str]] = Field(
        description="each form's fields' names (field -> name): corporation, site, agency; and the other fields the "
        "messages name"
    )
    time_labels: dict[str, str] = Field(description="a request's times' names (RequestTimes field -> name)")
    limits: dict[str, int] = Field(
        description="the forms' limits no column states: the lengths of card_number and security_code (stored "
        "encrypted), the most sites a request declares (site_count), a master entry's "
        "highest 表示順 (sort_order)"
    )
    fields: dict[str, dict[str, FieldWords]] = Field(
        description="each table's fields as the forms show and check them: label, length, choices, pattern in words"
    )


ValidatedKind = Literal["corporation", "site", "request", "agency", "user_create", "user_update"]
VALIDATED: dict[str, type[BaseModel]] = {
    "corporation": CorporationFields,
    "site": SiteUpdate,
    "request": RequestUpdate,
    "agency": AgencyFields,
    "user_create": CrmUserCreate,
    "user_update": CrmUserUpdate,
}
