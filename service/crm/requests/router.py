"""投入依頼 (§3.1, §3.2, §3.4): a new request with its statement images, the lists (マイ依頼一覧, 投入案件一覧, チームの
依頼) and their CSV, the input team's queue, the case page, its edits and its status changes (cancel, 修正再提出, 不備).

A new request is multipart/form-data (`payload` JSON and `images`), all or nothing: nothing is stored on a 422."""

from typing import Annotated, Literal

from fastapi import Depends, File, Form, Query, UploadFile
from pydantic import ValidationError

from service import exports
from service.body_guard import upload_limit
from service.crm.comments import service as comments
from service.crm.comments.schemas import CommentRead
from service.crm.dependencies import (
    SALES,
    Admin,
    AgencyFilter,
    AnyRole,
    BackOffice,
    CorporationIdFilter,
    SalesPersonFilter,
    SalesSide,
    Scope,
    ScopedRequest,
    crm_role,
    scoped_site_or_none,
)
from service.crm.images.router import checked_uploads
from service.crm.kinds import RequestStatus
from service.crm.requests import assignment
from service.crm.requests import service as requests
from service.crm.requests.schemas import (
    AssigneeIn,
    DeficiencyIn,
    QueueSummary,
    RequestCreate,
    RequestDetail,
    RequestItem,
    RequestUpdate,
    ResubmitIn,
    TakenRequest,
    TeamRead,
)
from service.crm.routing import Period, acting, feature_router, refusal
from service.crm.schemas import VersionIn
from service.crm.sites import workflow
from service.crm.visibility import Cases
from service.database import utcnow
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.schemas import MultiLine, QueryText

router = feature_router()
Files = Annotated[list[UploadFile] | None, File(description="statement images: JPEG, PNG, HEIC/HEIF or PDF")]


def _parse_payload(payload: str) -> RequestCreate:
    try:
        return RequestCreate.model_validate_json(payload)
    except ValidationError as exc:
        raise refusal(exc) from None


@router.get("/my/summary", response_model=dict[str, int])
def my_summary(caller: SalesSide, scope: Scope, db: DbSession) -> dict[str, int]:
    """マイ依頼一覧's counters: the caller's requests by status and how many have unread news."""
    return requests.my_summary(db, scope=scope, user_id=caller.user_id)


@router.post("/requests", response_model=RequestDetail, status_code=201)
@upload_limit("crm_max_upload_bytes")
def create_request(
    caller: SalesSide,
    scope: Scope,
    db: DbSession,
    payload: Annotated[str, Form(max_length=100_000, description="JSON of RequestCreate"), MultiLine],
    images: Files = None,
) -> RequestDetail:
    """新規投入依頼 (payload.corporation) or 既存法人に地点追加 (payload.corporation_id), with the statement images."""
    data = _parse_payload(payload)
    uploads = checked_uploads(images)
    by = acting(caller)
    request = requests.create_request(db, data=data, uploads=uploads, scope=scope, by=by, now=utcnow())
    return requests.detail(db, request=request, by=by, now=utcnow())


def request_filter(
    caller: AnyRole,
    agency_id: AgencyFilter,
    corporation_id: CorporationIdFilter,
    requested_by: SalesPersonFilter,
    status: Annotated[list[RequestStatus] | None, Query()] = None,
    corporation: QueryText = None,
    since: Period = None,
    until: Period = None,
    mine: bool = False,
    unread: bool = False,
    unread_first: bool = False,
    assigned_to: Annotated[int | None, Query(ge=1)] = None,
    unassigned: bool = False,
    order: Literal["newest", "attention"] = "newest",
) -> requests.RequestFilter:
    return requests.RequestFilter(
        statuses=tuple(status or ()),
        agency_id=agency_id,
        requested_by=caller.user_id if mine else requested_by,
        corporation_id=corporation_id,
        corporation=corporation,
        since=since,
        until=until,
        unread_only=unread,
        unread_first=unread_first,
        assigned_to=assigned_to,
        unassigned=unassigned,
        order=order,
    )


RequestFilters = Annotated[requests.RequestFilter, Depends(request_filter)]


@router.get("/requests", response_model=Page[RequestItem])
def list_requests(caller: AnyRole, cases: Cases, db: DbSession, paging: Paging, flt: RequestFilters) -> Page:
    """マイ依頼一覧 (mine=true) and 投入案件一覧: by status, agency, sales person, corporation, 依頼日, unread."""
    rows, total = requests.list_requests(
        db, view=cases, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow()
    )
    return page_of(rows, total, paging)


@router.get("/requests/team", response_model=TeamRead)
def team_requests(_: AnyRole, cases: Cases, db: DbSession, flt: RequestFilters) -> TeamRead:
    """チームの依頼 (a sales manager's: their agency's): the requests the list's filters select, counted by sales
    person and status; each count is `GET /requests?requested_by=&status=`'s total."""
    return requests.team(db, view=cases, flt=flt)


@router.post("/requests/next", response_model=TakenRequest)
def take_next_request(caller: BackOffice, cases: Cases, db: DbSession) -> TakenRequest:
    """次の依頼を担当: the oldest unassigned 対応中 request (resubmitted ones first), now the caller's; two people
    pressing at once get two different requests. `request` is null when nothing waits."""
    now = utcnow()
    taken = assignment.take_next(db, view=cases, by=acting(caller), now=now)
    if taken is None:
        return TakenRequest(request=None)
    return TakenRequest(request=requests.read_item(db, view=cases, request_id=taken.id, now=now))


@router.put("/requests/{request_id:int}/assignee", response_model=RequestDetail)
def reassign_request(body: AssigneeIn, caller: Admin, request: ScopedRequest, db: DbSession) -> RequestDetail:
    """担当者の変更 (admin): an open request to another member of the back office, or back to the queue (null)."""
    by = acting(caller)
    request = assignment.reassign(db, request=request, assignee=body.assigned_to, by=by, now=utcnow())
    return requests.detail(db, request=request, by=by, now=utcnow())


@router.get("/requests/queue-summary", response_model=QueueSummary)
def queue_summary(_: BackOffice, cases: Cases, db: DbSession) -> QueueSummary:
    """投入案件一覧's to-do counts for the menu's badge: 対応中, with news the caller has not read, 修正再提出 the
    caller has not opened."""
    return requests.queue_summary(db, view=cases)


@router.get("/requests/export", **exports.DOWNLOAD)
def export_requests(caller: AnyRole, cases: Cases, flt: RequestFilters) -> exports.Download:
    """The requests the list's filters select, newest first, as the CSV download: マイ依頼一覧's columns for a sales
    person, 投入案件一覧's for the back office."""
    export = requests.request_export(view=cases, flt=flt, mine=crm_role(caller) == SALES)
    return exports.download(export, "crm_requests", "投入案件一覧")


@router.get("/requests/{request_id:int}", response_model=RequestDetail)
def get_request(caller: AnyRole, request: ScopedRequest, db: DbSession) -> RequestDetail:
    """案件詳細: corporation (card masked), remarks, images, sites (every field for the back office), comments."""
    return requests.detail(db, request=request, by=acting(caller), now=utcnow())


@router.patch("/requests/{request_id:int}", response_model=RequestDetail)
def update_request(body: RequestUpdate, caller: AnyRole, request: ScopedRequest, db: DbSession) -> RequestDetail:
    by = acting(caller)
    request = requests.update_request(db, request=request, data=body, by=by)
    return requests.detail(db, request=request, by=by, now=utcnow())


@router.post("/requests/{request_id}/cancel", response_model=RequestDetail)
def cancel_request(body: VersionIn, caller: SalesSide, request: ScopedRequest, db: DbSession) -> RequestDetail:
    """投入依頼キャンセル: by the request's sales person or an admin, from 対応中 or 不備 only."""
    by = acting(caller)
    request = workflow.cancel_request(db, request=request, version=body.version, reason="", by=by, now=utcnow())
    return requests.detail(db, request=request, by=by, now=utcnow())


@router.post("/requests/{request_id}/resubmit", response_model=CommentRead, status_code=201)
def resubmit(body: ResubmitIn, caller: SalesSide, request: ScopedRequest, db: DbSession) -> CommentRead:
    """修正再提出: 不備 → 対応中, with what changed since the deficiency."""
    comment = workflow.resubmit(
        db, request=request, message=body.message, version=body.version, by=acting(caller), now=utcnow()
    )
    return comments.comment_read(db, request.id, comment.id, user_id=caller.user_id)


@router.post("/requests/{request_id}/deficiencies", response_model=CommentRead, status_code=201)
def raise_deficiency(
    body: DeficiencyIn, caller: BackOffice, scope: Scope, request: ScopedRequest, db: DbSession
) -> CommentRead:
    """不備あり: on one site (site_id, with the site's version) or the whole request (with the request's version)."""
    site = scoped_site_or_none(db, scope, body.site_id)
    comment = workflow.raise_deficiency(
        db, request=request, site=site, message=body.message, version=body.version, by=acting(caller), now=utcnow()
    )
    return comments.comment_read(db, request.id, comment.id, user_id=caller.user_id)
