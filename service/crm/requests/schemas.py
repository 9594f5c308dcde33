"""投入依頼 (§2.3) bodies: a new request, its edit, the lists' rows, the case page (案件詳細), the queue, the team."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from service.crm.comments.schemas import CommentRead
from service.crm.corporations.schemas import CorporationFields, CorporationRead, SecurityCode
from service.crm.images.schemas import ImageRead
from service.crm.models import Comment, Request
from service.crm.schemas import RequestTimes, Version
from service.fields import rules

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


class RequestFields(BaseModel):
    """備考・地点数, each optional: a request's PATCH and the `base` of a stale one's three-way merge."""

    model_config = ConfigDict(extra="forbid")

    remarks: Remarks | None = None
    site_count: SiteCount | None = None


class RequestUpdate(RequestFields):
    version: Version
    base: RequestFields | None = None


class ResubmitIn(BaseModel):
    message: Annotated[str, rules(Comment.message, min_length=0)] = ""
    version: Version


class DeficiencyIn(BaseModel):
    """A reason is required; site_id names one site (its version), none the whole request (the request's version)."""

    message: Annotated[str, rules(Comment.message)]
    site_id: int | None = Field(default=None, ge=1)
    version: Version


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
