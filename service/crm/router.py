"""代理店CRM API (/api/crm): thin handlers; roles per spec §5, every query scoped to a sales caller's agency.

- New requests are multipart/form-data (`payload` JSON and `images`), all or nothing: nothing is stored on a 422. -
DELETE endpoints take `version` as a query parameter (the body guard does not read DELETE bodies)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from service import exports
from service.audit import csv_exports as audit_exports
from service.audit import service as audit
from service.audit import vocabulary as audit_words
from service.audit.schemas import AuditEntryRead, AuditVocabularyRead
from service.body_guard import upload_limit
from service.config import get_settings
from service.crm import (
    acquired,
    agencies,
    assignment,
    auditing,
    comments,
    completeness,
    corporations,
    csv_exports,
    export,
    images,
    masters,
    metrics,
    periods,
    requests,
    sites,
    statuses,
    storage,
    users,
    workflow,
)
from service.crm import figures as crm_figures
from service.crm.dependencies import (
    DOMAIN,
    SALES,
    Admin,
    AgencyFilter,
    AnyRole,
    BackOffice,
    CorporationIdFilter,
    OwnNotification,
    SalesPersonFilter,
    SalesSide,
    Scope,
    ScopedAgency,
    ScopedCorporation,
    ScopedImage,
    ScopedRequest,
    ScopedSite,
    crm_role,
    scoped_site_or_none,
)
from service.crm.labels import (
    AGENCY_FIELD_LABELS,
    AUDIT,
    CHOICE_KIND_LABELS,
    CORPORATION_FIELD_LABELS,
    NOTIFICATION_KIND_LABELS,
    OTHER_FIELD_LABELS,
    SITE_AUDIT_FIELD_LABELS,
    SITE_FIELD_LABELS,
    STATUS_COLOURS,
    STATUS_LABELS,
    TIME_LABELS,
)
from service.crm.models import Profile
from service.crm.ocr import acceptance as ocr_acceptance
from service.crm.ocr import engine as ocr_engine
from service.crm.ocr import view as ocr_view
from service.crm.ocr.extraction import OcrField
from service.crm.schemas import (
    CARD_NUMBER_MAX,
    SECURITY_CODE_MAX,
    SITE_COUNT_MAX,
    SORT_ORDER_MAX,
    VALIDATED,
    AcquiredCorporation,
    AgencyFields,
    AgencyRead,
    AgencyUpdate,
    AssigneeIn,
    CardReveal,
    ChoiceFields,
    ChoiceUpdate,
    CommentIn,
    CommentRead,
    CorporationMerge,
    CorporationRead,
    CorporationSummary,
    CorporationUpdate,
    CrmDashboardRead,
    CrmNotificationRead,
    CrmUserCreate,
    CrmUserRead,
    CrmUserUpdate,
    CrmVocabulary,
    DeficiencyIn,
    ImageLink,
    ImageRead,
    MasterChoiceRead,
    MasterOptionRead,
    MastersManageRead,
    MastersRead,
    MeRead,
    MetricsPageRead,
    OcrAcceptanceRead,
    OcrEngineRead,
    OcrRead,
    OcrReviewItem,
    OptionFields,
    OptionUpdate,
    QueueSummary,
    ReasonCount,
    RequestCreate,
    RequestDetail,
    RequestItem,
    RequestStatus,
    RequestUpdate,
    ResubmitIn,
    SeriesRead,
    SiteFields,
    SiteRead,
    SiteUpdate,
    StatusChange,
    TakenRequest,
    TeamRead,
    UnreadCount,
    ValidatedKind,
    VersionIn,
)
from service.crm.storage import CheckedUpload
from service.crm.visibility import Cases
from service.csvtools import CSV_MEDIA_TYPES
from service.database import utcnow
from service.deps import DbSession
from service.errors import ValidationFailed, rule_message
from service.fields import vocabulary as field_vocabulary
from service.figures import FigureRead
from service.identity.dependencies import Caller, renew_own_session
from service.openapi import media
from service.pagination import Page, PageParams, page_params
from service.roles import role_label
from service.schemas import IsoDate, MultiLine, QueryText

router = APIRouter(prefix="/crm", tags=["crm"])
Paging = Annotated[PageParams, Depends(page_params)]
Files = Annotated[list[UploadFile] | None, File(description="statement images: JPEG, PNG, HEIC/HEIF or PDF")]
Period = Annotated[IsoDate | None, Query(description="local date, inclusive (YYYY-MM-DD)")]
HOME = {"sales": "マイ依頼一覧", "operator": "投入案件一覧", "admin": "ダッシュボード"}


def _by(caller: Caller) -> workflow.Actorship:
    return workflow.Actorship(actor=caller.actor, user_id=caller.user_id, role=crm_role(caller))


def _page(items: list, total: int, paging: PageParams) -> Page:
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


def _csv(body: bytes, filename: str, encoding: str) -> Response:
    return Response(
        body,
        media_type=CSV_MEDIA_TYPES[encoding],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _checked_uploads(files: list[UploadFile] | None) -> list[CheckedUpload]:
    settings = get_settings()
    files = [f for f in files or [] if f.filename or f.size]
    images.check_count(len(files), limit=settings.crm_max_images_per_upload)
    return storage.check_uploads([(f.filename, f.file.read(settings.crm_max_image_bytes + 1)) for f in files])


def _refusal(exc: ValidationError) -> ValidationFailed:
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"]) or "payload",
            "rule": e["type"],
            "message": rule_message(e),
            "ctx": {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, int | float | str)},
        }
        for e in exc.errors(include_url=False, include_input=False)
    ]
    return ValidationFailed(f"{errors[0]['field']}: {errors[0]['message']}", details={**errors[0], "errors": errors})


def _parse_payload(payload: str) -> RequestCreate:
    try:
        return RequestCreate.model_validate_json(payload)
    except ValidationError as exc:
        raise _refusal(exc) from None


def _comment(db: DbSession, request_id: int, comment_id: int, reader: Caller) -> CommentRead:
    return next(c for c in comments.comments_of(db, request_id, user_id=reader.user_id) if c.id == comment_id)


# --- me, masters, notifications ---------------------------------------------------------------------------


@router.get("/me", response_model=MeRead)
def me(caller: AnyRole, db: DbSession) -> MeRead:
    """The caller's CRM role, agency and codes, the unread badge, and the page to open first."""
    role = crm_role(caller)
    profile = db.get(Profile, caller.user_id)
    scope_value = caller.scope(DOMAIN).value
    agency_id = profile.agency_id if profile and profile.agency_id else (int(scope_value) if scope_value else None)
    return MeRead(
        user_id=caller.user_id,
        login_id=caller.login_id,
        name=caller.name,
        role=role,
        role_label=role_label(DOMAIN, role),
        agency_id=agency_id,
        agency_name=agencies.agency_names(db, {agency_id}).get(agency_id, "") if agency_id else "",
        sales_staff_code=profile.sales_staff_code if profile else "",
        l_code=profile.l_code if profile else "",
        is_sales_manager=bool(profile and profile.is_sales_manager),
        unread_notifications=comments.unread_count(db, caller.user_id),
        home=HOME[role],
    )


@router.get("/masters", response_model=MastersRead)
def get_masters(_: AnyRole, db: DbSession) -> MastersRead:
    """選択肢マスタ, the 11 option services, prefectures and status labels for every form."""
    return MastersRead(
        choices={kind: list(rows) for kind, rows in masters.choices(db).items()},
        options=masters.options(db),
        prefectures=list(masters.PREFECTURES),
        statuses=STATUS_LABELS,
    )


# --- マスタ管理 (admin, §8-9) ---------------------------------------------------------------------------------


@router.get("/masters/manage", response_model=MastersManageRead)
def manage_masters(_: Admin, db: DbSession) -> MastersManageRead:
    """Every option and editable choice, inactive ones too, each with how many rows use it."""
    option_uses, choice_uses = masters.option_use_counts(db), masters.choice_use_counts(db)
    grouped = masters.choices(db)
    return MastersManageRead(
        options=[
            MasterOptionRead.model_validate(o).model_copy(update={"in_use": option_uses.get(o.code, 0)})
            for o in masters.options(db)
        ],
        choices={
            kind: [
                MasterChoiceRead.model_validate(c).model_copy(update={"in_use": choice_uses.get((kind, c.code), 0)})
                for c in grouped.get(kind, [])
            ]
            for kind in masters.EDITABLE_KINDS
        },
        kind_labels=CHOICE_KIND_LABELS,
    )


def _option_read(db: DbSession, option) -> MasterOptionRead:
    return MasterOptionRead.model_validate(option).model_copy(
        update={"in_use": masters.option_use_count(db, option.code)}
    )


def _choice_read(db: DbSession, choice) -> MasterChoiceRead:
    uses = masters.choice_use_counts(db).get((choice.kind, choice.code), 0)
    return MasterChoiceRead.model_validate(choice).model_copy(update={"in_use": uses})


@router.post("/masters/options", response_model=MasterOptionRead, status_code=201)
def create_option(body: OptionFields, caller: Admin, db: DbSession) -> MasterOptionRead:
    return _option_read(db, masters.create_option(db, fields=body.model_dump(), actor=caller.actor))


@router.patch("/masters/options/{code}", response_model=MasterOptionRead)
def update_option(code: str, body: OptionUpdate, caller: Admin, db: DbSession) -> MasterOptionRead:
    """編集 / 無効化 (is_active=false)."""
    fields = body.model_dump(exclude_unset=True, exclude={"version"})
    return _option_read(
        db, masters.update_option(db, code=code, fields=fields, version=body.version, actor=caller.actor)
    )


@router.delete("/masters/options/{code}", status_code=204)
def delete_option(code: str, caller: Admin, db: DbSession, version: Annotated[int, Query(ge=1)]) -> None:
    """Only an option no site lists; one in use is 409 `in_use` (deactivate it instead)."""
    masters.delete_option(db, code=code, version=version, actor=caller.actor)


@router.post("/masters/choices/{kind}", response_model=MasterChoiceRead, status_code=201)
def create_choice(kind: str, body: ChoiceFields, caller: Admin, db: DbSession) -> MasterChoiceRead:
    return _choice_read(db, masters.create_choice(db, kind=kind, fields=body.model_dump(), actor=caller.actor))


@router.patch("/masters/choices/{kind}/{code}", response_model=MasterChoiceRead)
def update_choice(kind: str, code: str, body: ChoiceUpdate, caller: Admin, db: DbSession) -> MasterChoiceRead:
    """編集 / 無効化 (is_active=false)."""
    fields = body.model_dump(exclude_unset=True, exclude={"version"})
    choice = masters.update_choice(db, kind=kind, code=code, fields=fields, version=body.version, actor=caller.actor)
    return _choice_read(db, choice)


@router.delete("/masters/choices/{kind}/{code}", status_code=204)
def delete_choice(kind: str, code: str, caller: Admin, db: DbSession, version: Annotated[int, Query(ge=1)]) -> None:
    """Only a choice nothing stores; one in use is 409 `in_use` (deactivate it instead)."""
    masters.delete_choice(db, kind=kind, code=code, version=version, actor=caller.actor)


ACCOUNT_TABLES = ("identity_user", "identity_grant")  # the user forms edit an account and its grant's role


@router.get("/vocabulary", response_model=CrmVocabulary)
def vocabulary(_: AnyRole) -> CrmVocabulary:
    """Status colours, notification kinds, §4.1's back-office transitions and the forms' field names, as the pages
    show and mirror them."""
    return CrmVocabulary(
        status_colours=STATUS_COLOURS,
        notification_kind_labels=NOTIFICATION_KIND_LABELS,
        transitions={
            before: [
                after for after in statuses.SITE_STATUS_ORDER if (before, after) in statuses.BACK_OFFICE_TRANSITIONS
            ]
            for before in statuses.SITE_STATUS_ORDER
        },
        cancellable=[s for s in statuses.SITE_STATUS_ORDER if s in statuses.CANCELLABLE],
        closed=[s for s in statuses.STATUS_ORDER if s in statuses.CLOSED],
        status_labels=STATUS_LABELS,
        submission_required={
            group: [SITE_FIELD_LABELS[field] for field in fields]
            for group, fields in completeness.REQUIRED_GROUPS.items()
        },
        field_labels={
            "corporation": CORPORATION_FIELD_LABELS,
            "site": SITE_AUDIT_FIELD_LABELS,
            "agency": AGENCY_FIELD_LABELS,
            "other": OTHER_FIELD_LABELS,
        },
        time_labels=TIME_LABELS,
        limits={
            "card_number": CARD_NUMBER_MAX,
            "security_code": SECURITY_CODE_MAX,
            "site_count": SITE_COUNT_MAX,
            "sort_order": SORT_ORDER_MAX,
        },
        fields=field_vocabulary((*AUDIT.tables, *ACCOUNT_TABLES)),
    )


@router.post("/validate/{kind}", status_code=204)
def validate(kind: ValidatedKind, _: AnyRole, body: Annotated[dict[str, Any], Body()]) -> Response:
    """A dry run of a form's schema: 204 when the API would take it, else the 422 naming each field; nothing stored."""
    try:
        VALIDATED[kind].model_validate(body)
    except ValidationError as exc:
        raise _refusal(exc) from None
    return Response(status_code=204)


@router.get("/notifications", response_model=Page[CrmNotificationRead])
def list_notifications(caller: AnyRole, db: DbSession, paging: Paging, unread: bool = False) -> Page:
    rows, total = comments.notifications(
        db, user_id=caller.user_id, unread_only=unread, offset=paging.offset, limit=paging.page_size
    )
    return _page([CrmNotificationRead.model_validate(n) for n in rows], total, paging)


@router.get("/notifications/unread-count", response_model=UnreadCount)
def unread_notifications(caller: AnyRole, db: DbSession) -> UnreadCount:
    return UnreadCount(unread=comments.unread_count(db, caller.user_id))


@router.post("/notifications/{notification_id}/read", response_model=CrmNotificationRead)
def read_notification(notification: OwnNotification, db: DbSession) -> CrmNotificationRead:
    return CrmNotificationRead.model_validate(comments.read_notification(db, notification=notification, now=utcnow()))


@router.post("/notifications/read-all", response_model=UnreadCount)
def read_all_notifications(caller: AnyRole, db: DbSession) -> UnreadCount:
    comments.read_all(db, user_id=caller.user_id, now=utcnow())
    return UnreadCount(unread=0)


@router.get("/my/summary", response_model=dict[str, int])
def my_summary(caller: SalesSide, scope: Scope, db: DbSession) -> dict[str, int]:
    """マイ依頼一覧's counters: the caller's requests by status and how many have unread news."""
    return requests.my_summary(db, scope=scope, user_id=caller.user_id)


# --- corporations ---------------------------------------------------------------------------------------------


@router.get("/corporations", response_model=Page[CorporationSummary])
def search_corporations(
    _: AnyRole, scope: Scope, db: DbSession, paging: Paging, agency_id: AgencyFilter, q: QueryText = None
) -> Page:
    """既存法人に地点追加: search by 法人名（カナ）, 法人番号 or phone number."""
    rows, total = corporations.search(
        db, scope=scope, q=q, agency_id=agency_id, offset=paging.offset, limit=paging.page_size
    )
    return _page([CorporationSummary.model_validate(c) for c in rows], total, paging)


@router.get("/corporations/{corporation_id}", response_model=CorporationRead)
def get_corporation(_: AnyRole, corporation: ScopedCorporation) -> CorporationRead:
    return corporations.read(corporation)


@router.patch("/corporations/{corporation_id}", response_model=CorporationRead)
def update_corporation(
    body: CorporationUpdate, caller: AnyRole, corporation: ScopedCorporation, db: DbSession
) -> CorporationRead:
    """法人情報編集 (every role); send the version you read."""
    return corporations.read(
        corporations.update_corporation(db, corporation=corporation, data=body, actor=caller.actor)
    )


@router.post("/corporations/{corporation_id}/merge", response_model=CorporationRead)
def merge_corporation(
    body: CorporationMerge, caller: Admin, scope: Scope, corporation: ScopedCorporation, db: DbSession
) -> CorporationRead:
    """法人の統合: the duplicate's requests and sites move to this corporation and the duplicate is deleted
    (audited)."""
    merged = corporations.merge(db, kept=corporation, duplicate_id=body.duplicate_id, scope=scope, actor=caller.actor)
    return corporations.read(merged)


@router.post("/corporations/{corporation_id}/card/reveal", response_model=CardReveal)
def reveal_card(caller: BackOffice, corporation: ScopedCorporation, db: DbSession) -> CardReveal:
    """The full card number (and security code while kept) for the carrier entry; the reveal is audited."""
    return corporations.reveal_card(db, corporation=corporation, actor=caller.actor)


# --- requests -------------------------------------------------------------------------------------------------


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
    uploads = _checked_uploads(images)
    by = _by(caller)
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
    return _page(rows, total, paging)


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
    taken = assignment.take_next(db, view=cases, by=_by(caller), now=now)
    if taken is None:
        return TakenRequest(request=None)
    return TakenRequest(request=requests.read_item(db, view=cases, request_id=taken.id, now=now))


@router.put("/requests/{request_id:int}/assignee", response_model=RequestDetail)
def reassign_request(body: AssigneeIn, caller: Admin, request: ScopedRequest, db: DbSession) -> RequestDetail:
    """担当者の変更 (admin): an open request to another member of the back office, or back to the queue (null)."""
    by = _by(caller)
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
    export = csv_exports.request_export(view=cases, flt=flt, mine=crm_role(caller) == SALES)
    return exports.download(export, "crm_requests", "投入案件一覧")


@router.get("/requests/{request_id:int}", response_model=RequestDetail)
def get_request(caller: AnyRole, request: ScopedRequest, db: DbSession) -> RequestDetail:
    """案件詳細: corporation (card masked), remarks, images, sites (every field for the back office), comments."""
    return requests.detail(db, request=request, by=_by(caller), now=utcnow())


@router.patch("/requests/{request_id:int}", response_model=RequestDetail)
def update_request(body: RequestUpdate, caller: AnyRole, request: ScopedRequest, db: DbSession) -> RequestDetail:
    by = _by(caller)
    request = requests.update_request(db, request=request, data=body, by=by)
    return requests.detail(db, request=request, by=by, now=utcnow())


@router.post("/requests/{request_id}/cancel", response_model=RequestDetail)
def cancel_request(body: VersionIn, caller: SalesSide, request: ScopedRequest, db: DbSession) -> RequestDetail:
    """投入依頼キャンセル: by the request's sales person or an admin, from 対応中 or 不備 only."""
    by = _by(caller)
    request = workflow.cancel_request(db, request=request, version=body.version, reason="", by=by, now=utcnow())
    return requests.detail(db, request=request, by=by, now=utcnow())


@router.post("/requests/{request_id}/resubmit", response_model=CommentRead, status_code=201)
def resubmit(body: ResubmitIn, caller: SalesSide, request: ScopedRequest, db: DbSession) -> CommentRead:
    """修正再提出: 不備 → 対応中, with what changed since the deficiency."""
    comment = workflow.resubmit(
        db, request=request, message=body.message, version=body.version, by=_by(caller), now=utcnow()
    )
    return _comment(db, request.id, comment.id, caller)


@router.post("/requests/{request_id}/deficiencies", response_model=CommentRead, status_code=201)
def raise_deficiency(
    body: DeficiencyIn, caller: BackOffice, scope: Scope, request: ScopedRequest, db: DbSession
) -> CommentRead:
    """不備あり: on one site (site_id, with the site's version) or the whole request (with the request's version)."""
    site = scoped_site_or_none(db, scope, body.site_id)
    comment = workflow.raise_deficiency(
        db, request=request, site=site, message=body.message, version=body.version, by=_by(caller), now=utcnow()
    )
    return _comment(db, request.id, comment.id, caller)


@router.post("/requests/{request_id}/comments", response_model=CommentRead, status_code=201)
def post_comment(body: CommentIn, caller: AnyRole, scope: Scope, request: ScopedRequest, db: DbSession) -> CommentRead:
    site = scoped_site_or_none(db, scope, body.site_id)
    if site is not None and site.request_id != request.id:
        raise ValidationFailed("この地点は別の依頼のものです", details={"field": "site_id", "rule": "same_request"})
    comment = comments.post_comment(
        db,
        request=request,
        author_id=caller.user_id,
        role=crm_role(caller),
        message=body.message,
        site_id=body.site_id,
        now=utcnow(),
    )
    return _comment(db, request.id, comment.id, caller)


@router.post("/requests/{request_id}/read", response_model=UnreadCount)
def mark_request_read(caller: AnyRole, request: ScopedRequest, db: DbSession) -> UnreadCount:
    """The caller has seen the request: comments for their side and their notifications on it are read."""
    comments.mark_read(db, request=request, user_id=caller.user_id, now=utcnow())
    return UnreadCount(unread=comments.unread_count(db, caller.user_id))


@router.post("/requests/{request_id}/images", response_model=list[ImageRead], status_code=201)
@upload_limit("crm_max_upload_bytes")
def upload_images(
    caller: AnyRole, request: ScopedRequest, db: DbSession, files: Annotated[list[UploadFile], File(alias="images")]
) -> list:
    """More statement images for the request (the sales side while it is open)."""
    uploads = _checked_uploads(files)
    return [
        ImageRead.model_validate(i)
        for i in images.add_images(db, request=request, uploads=uploads, by=_by(caller), now=utcnow())
    ]


@router.post("/requests/{request_id}/sites", response_model=SiteRead, status_code=201)
def create_site(body: SiteFields, caller: BackOffice, request: ScopedRequest, db: DbSession) -> SiteRead:
    """＋地点を追加."""
    return sites.read(sites.create_site(db, request=request, data=body, by=_by(caller), now=utcnow()), [])


@router.get("/requests/{request_id}/carrier.csv", **media("text/csv"))
def request_carrier_csv(
    _: BackOffice, request: ScopedRequest, db: DbSession, encoding: exports.CsvEncoding = "utf-8"
) -> Response:
    """The request's sites still to be entered (対応中, 不備) in carrier field names, with their status."""
    body = export.carrier_csv(db, request_id=request.id, encoding=encoding)
    return _csv(body, f"carrier_request_{request.id}.csv", encoding)


# --- images ---------------------------------------------------------------------------------------------------


def _file(relative: str, media_type: str, filename: str) -> Response:
    headers = {
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": storage.content_disposition(media_type, filename),
    }
    return Response(storage.path_of(relative).read_bytes(), media_type=media_type, headers=headers)


@router.get("/images/{image_id}/file", **media("image/jpeg", "image/png", "application/pdf"))
def image_file(_: AnyRole, image: ScopedImage) -> Response:
    """The statement image as uploaded (for the zoomable preview)."""
    return _file(image.stored_path, image.content_type, image.file_name)


@router.get("/images/{image_id}/thumbnail", **media("image/jpeg"))
def image_thumbnail(_: AnyRole, image: ScopedImage) -> Response:
    return _file(image.thumbnail_path, "image/jpeg", f"thumb_{image.id}.jpg")


@router.get("/ocr/engine", response_model=OcrEngineRead)
def ocr_engine_state(_: BackOffice) -> OcrEngineRead:
    """Whether uploaded statement images are read by OCR here (APP_OCR_ENGINE and the engine installed); if not, why."""
    return OcrEngineRead.model_validate(ocr_engine.state(), from_attributes=True)


@router.get("/images/{image_id}/ocr", response_model=OcrRead)
def image_ocr(_: BackOffice, image: ScopedImage) -> OcrRead:
    """What OCR read on the image: the proposals for the site's fields (value, confidence, box, each character's
    confidence), what was withheld for breaking its rule, the engine and when."""
    return ocr_view.ocr_read(image)


@router.get("/images/{image_id}/ocr/page", **media("image/jpeg"))
def image_ocr_page(_: BackOffice, image: ScopedImage, field: QueryText = None) -> Response:
    """The page as OCR read it, with the box of `field`'s proposal drawn (where the value stands on the statement)."""
    data = ocr_view.page_with_box(image, field)
    headers = {"Cache-Control": "private, max-age=300", "Content-Disposition": "inline"}
    return Response(data, media_type="image/jpeg", headers=headers)


@router.patch("/images/{image_id}", response_model=ImageRead)
def link_image(body: ImageLink, caller: BackOffice, scope: Scope, image: ScopedImage, db: DbSession) -> ImageRead:
    """明細画像と地点を紐づけ (site_id null unlinks)."""
    return ImageRead.model_validate(
        images.link_image(db, image=image, site_id=body.site_id, scope=scope, by=_by(caller))
    )


@router.delete("/images/{image_id}", status_code=204)
def delete_image(caller: AnyRole, image: ScopedImage, db: DbSession) -> None:
    images.delete_image(db, image=image, by=_by(caller))


# --- sites ----------------------------------------------------------------------------------------------------


def _site(db: DbSession, site) -> SiteRead:
    return sites.read(site, sites.image_ids_by_site(db, [site.id]).get(site.id, []))


@router.get("/sites/{site_id}", response_model=SiteRead)
def get_site(_: BackOffice, site: ScopedSite, db: DbSession) -> SiteRead:
    return _site(db, site)


@router.patch("/sites/{site_id}", response_model=SiteRead)
def update_site(body: SiteUpdate, caller: BackOffice, site: ScopedSite, db: DbSession) -> SiteRead:
    """明細入力: any 5page fields, with the version you read."""
    return _site(db, sites.update_site(db, site=site, data=body, by=_by(caller), now=utcnow()))


@router.delete("/sites/{site_id}", status_code=204)
def delete_site(caller: BackOffice, site: ScopedSite, db: DbSession, version: Annotated[int, Query(ge=1)]) -> None:
    sites.delete_site(db, site=site, version=version, by=_by(caller), now=utcnow())


@router.post("/sites/{site_id}/status", response_model=SiteRead)
def change_site_status(body: StatusChange, caller: BackOffice, site: ScopedSite, db: DbSession) -> SiteRead:
    """ステータス変更: 対応中 → 投入済, 対応中 ⇄ 不備 (不備 needs `reason`); キャンセル only for an admin."""
    site = workflow.change_site_status(
        db, site=site, status=body.status, version=body.version, reason=body.reason, by=_by(caller), now=utcnow()
    )
    return _site(db, site)


@router.post("/sites/{site_id}/cancel", response_model=SiteRead)
def cancel_site(body: VersionIn, caller: SalesSide, site: ScopedSite, db: DbSession) -> SiteRead:
    """Cancel one site: by the request's sales person or an admin, from 対応中 or 不備 only."""
    return _site(db, workflow.cancel_site(db, site=site, version=body.version, by=_by(caller), now=utcnow()))


@router.get("/sites/{site_id}/carrier.csv", **media("text/csv"))
def site_carrier_csv(
    _: BackOffice, site: ScopedSite, db: DbSession, encoding: exports.CsvEncoding = "utf-8"
) -> Response:
    """The site in the carrier entry screen's field names (元フィールド), for the operator's entry work."""
    body = export.carrier_csv(db, request_id=site.request_id, site_id=site.id, encoding=encoding)
    return _csv(body, f"carrier_site_{site.id}.csv", encoding)


# --- 獲得案件一覧 ------------------------------------------------------------------------------------------------


def acquired_filter(
    agency_id: AgencyFilter, q: QueryText = None, since: Period = None, until: Period = None
) -> acquired.AcquiredFilter:
    return acquired.AcquiredFilter(q=q, agency_id=agency_id, since=since, until=until)


AcquiredQuery = Annotated[acquired.AcquiredFilter, Depends(acquired_filter)]


@router.get("/acquired", response_model=Page[AcquiredCorporation])
def list_acquired(_: AnyRole, cases: Cases, db: DbSession, paging: Paging, flt: AcquiredQuery) -> Page:
    """投入済 sites by corporation (法人名, 地点数, 最終投入日, and each site); sales see their own (a sales manager:
    the agency's)."""
    rows, total = acquired.list_acquired(db, view=cases, flt=flt, offset=paging.offset, limit=paging.page_size)
    return _page(rows, total, paging)


@router.get("/acquired.csv", **exports.DOWNLOAD)
def acquired_csv(_: AnyRole, cases: Cases, flt: AcquiredQuery) -> exports.Download:
    """Every matching 投入済 site, one row each, by corporation, as the CSV download."""
    return exports.download(acquired.acquired_export(view=cases, flt=flt), "acquired", "獲得案件一覧")


# --- 代理店別数値 and the admin dashboard -----------------------------------------------------------------------


@router.get("/metrics/agencies", response_model=MetricsPageRead)
def agency_metrics(
    _: BackOffice, cases: Cases, db: DbSession, agency_id: AgencyFilter, since: Period = None, until: Period = None
) -> MetricsPageRead:
    """代理店別数値 in one answer: per agency requests, by status, acquired sites, 不備率, 初回完了率, the median days
    to 投入済 and the top 不備 reasons over a period (依頼日; acquired sites by 投入完了日), and the total; the page's
    cards (as GET /metrics/figures) and the period's most frequent 不備 reasons (as GET /metrics/deficiency-reasons)."""
    period: dict[str, Any] = {"view": cases, "agency_id": agency_id, "since": since, "until": until}
    return MetricsPageRead(
        **dict(metrics.agency_metrics(db, **period)),
        figures=crm_figures.metrics_figures(db, **period, now=utcnow()),
        reasons=metrics.period_reasons(db, **period, limit=metrics.REASONS_LISTED),
    )


@router.get("/metrics/agencies/export", **exports.DOWNLOAD)
def export_agency_metrics(
    _: BackOffice, cases: Cases, agency_id: AgencyFilter, since: Period = None, until: Period = None
) -> exports.Download:
    """代理店別サマリ as the CSV download: one row per agency, with 初回完了率, the median days and the top reasons."""
    export = csv_exports.metrics_export(view=cases, agency_id=agency_id, since=since, until=until)
    return exports.download(export, "crm_agency_metrics", "代理店別数値")


@router.get("/metrics/deficiency-reasons", response_model=list[ReasonCount])
def deficiency_reasons(
    _: BackOffice,
    cases: Cases,
    db: DbSession,
    agency_id: AgencyFilter,
    since: Period = None,
    until: Period = None,
    limit: Annotated[int, Query(ge=1, le=50)] = metrics.REASONS_LISTED,
) -> list[ReasonCount]:
    """The most frequent 不備 reasons of the deficiencies raised in the period (one agency's or all the caller sees)."""
    return metrics.period_reasons(db, view=cases, agency_id=agency_id, since=since, until=until, limit=limit)


@router.get("/metrics/figures", response_model=list[FigureRead])
def metrics_figures(
    _: BackOffice, cases: Cases, db: DbSession, agency_id: AgencyFilter, since: Period = None, until: Period = None
) -> list[FigureRead]:
    """代理店別数値's cards (service/crm/figures.py): each figure over the period with the list that shows its rows."""
    return crm_figures.metrics_figures(db, view=cases, agency_id=agency_id, since=since, until=until, now=utcnow())


@router.get("/metrics/series", response_model=SeriesRead)
def metrics_series(
    _: BackOffice,
    scope: Scope,
    db: DbSession,
    agency_id: AgencyFilter,
    granularity: Literal["month", "day"] = "month",
    since: Period = None,
    until: Period = None,
) -> SeriesRead:
    """月別 / 日別: the same numbers per local month or day, for the chart."""
    return metrics.series(
        db, scope=scope, agency_id=agency_id, granularity=granularity, since=since, until=until, now=utcnow()
    )


@router.get("/dashboard", response_model=CrmDashboardRead)
def dashboard(_: Admin, cases: Cases, db: DbSession) -> CrmDashboardRead:
    """管理者ダッシュボード's cards (crm/figures.py), each opening its list, and this month's busiest agencies."""
    now = utcnow()
    return CrmDashboardRead(
        by_status=crm_figures.status_figures(db, view=cases, now=now),
        figures=crm_figures.home_figures(db, view=cases, now=now),
        top_agencies=metrics.top_agencies(db, view=cases, now=now),
    )


# --- OCR確認履歴 and OCR採用率 (where OCR helps) ------------------------------------------------------------------


def ocr_review_filter(
    agency_id: AgencyFilter,
    field: Annotated[OcrField | None, Query(description="a site field OCR proposes")] = None,
    since: Period = None,
    until: Period = None,
) -> ocr_acceptance.ReviewFilter:
    return ocr_acceptance.ReviewFilter(agency_id=agency_id, field=field, since=since, until=until)


OcrReviewQuery = Annotated[ocr_acceptance.ReviewFilter, Depends(ocr_review_filter)]


@router.get("/ocr/reviews", response_model=Page[OcrReviewItem])
def list_ocr_reviews(_: BackOffice, scope: Scope, db: DbSession, paging: Paging, flt: OcrReviewQuery) -> Page:
    """OCR確認履歴: what each save did with each OCR proposal (saved as proposed or corrected), the newest first."""
    rows, total = ocr_acceptance.list_reviews(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    return _page(rows, total, paging)


@router.get("/ocr/reviews/export", **exports.DOWNLOAD)
def export_ocr_reviews(_: BackOffice, scope: Scope, flt: OcrReviewQuery) -> exports.Download:
    """OCR確認履歴's rows as the download; OCR採用率 is the share of its 提案のまま採用 column reading はい."""
    return exports.download(ocr_acceptance.review_export(scope=scope, flt=flt), "crm_ocr_reviews", "OCR確認履歴")


@router.get("/ocr/acceptance", response_model=OcrAcceptanceRead)
def ocr_acceptance_figures(_: BackOffice, scope: Scope, db: DbSession, flt: OcrReviewQuery) -> OcrAcceptanceRead:
    """OCR採用率 per agency and field (crm/figures.py): the share of the proposals saved unchanged, each a named
    figure opening OCR確認履歴 of its agency and field; and their total (合計), opening OCR確認履歴 of the filter."""
    return crm_figures.ocr_acceptance(db, scope=scope, flt=flt, now=utcnow())


# --- 代理店管理 -------------------------------------------------------------------------------------------------


def _agency(db: DbSession, agency) -> AgencyRead:
    return AgencyRead.model_validate(agency).model_copy(
        update={"sales_count": agencies.sales_counts(db, [agency.id]).get(agency.id, 0)}
    )


@router.get("/agencies", response_model=Page[AgencyRead])
def list_agencies(
    _: AnyRole, scope: Scope, db: DbSession, paging: Paging, q: QueryText = None, active: bool | None = None
) -> Page:
    rows, total = agencies.list_agencies(
        db, scope=scope, q=q, active=active, offset=paging.offset, limit=paging.page_size
    )
    counts = agencies.sales_counts(db, [a.id for a in rows])
    return _page(
        [AgencyRead.model_validate(a).model_copy(update={"sales_count": counts.get(a.id, 0)}) for a in rows],
        total,
        paging,
    )


@router.get("/agencies/export", **exports.DOWNLOAD)
def export_agencies(_: AnyRole, scope: Scope, q: QueryText = None, active: bool | None = None) -> exports.Download:
    """The agencies the list's filters select, by code, as the CSV download."""
    return exports.download(csv_exports.agency_export(scope=scope, q=q, active=active), "crm_agencies", "代理店一覧")


@router.post("/agencies", response_model=AgencyRead, status_code=201)
def create_agency(body: AgencyFields, caller: Admin, db: DbSession) -> AgencyRead:
    return _agency(db, agencies.create_agency(db, data=body, actor=caller.actor))


@router.get("/agencies/{agency_id:int}", response_model=AgencyRead)
def get_agency(_: AnyRole, agency: ScopedAgency, db: DbSession) -> AgencyRead:
    return _agency(db, agency)


@router.patch("/agencies/{agency_id:int}", response_model=AgencyRead)
def update_agency(body: AgencyUpdate, caller: Admin, agency: ScopedAgency, db: DbSession) -> AgencyRead:
    """編集 / 無効化 (is_active=false)."""
    return _agency(db, agencies.update_agency(db, agency=agency, data=body, actor=caller.actor))


# --- ユーザー管理 ------------------------------------------------------------------------------------------------


def _user(row: users.CrmUser) -> CrmUserRead:
    values = users.editable_values(row)
    return CrmUserRead(
        **values,
        user_id=row.user.id,
        login_id=row.user.login_id,
        role_label=role_label(DOMAIN, values["role"]) if values["role"] else "",
        agency_name=row.agency.name if row.agency else "",
        version=row.profile.version if row.profile else 1,
        last_login_at=row.user.last_login_at,
    )


@router.get("/sales-staff", response_model=Page[CrmUserRead])
def list_sales_staff(
    _: BackOffice, db: DbSession, paging: Paging, agency_id: AgencyFilter, q: QueryText = None
) -> Page:
    """The 営業担当者 choices of the 投入案件一覧 filter."""
    rows, total = users.list_users(
        db, role="sales", agency_id=agency_id, q=q, offset=paging.offset, limit=paging.page_size
    )
    return _page([_user(r) for r in rows], total, paging)


@router.get("/users", response_model=Page[CrmUserRead])
def list_users(
    _: Admin,
    db: DbSession,
    paging: Paging,
    agency_id: AgencyFilter,
    role: Literal["sales", "operator", "admin"] | None = None,
    q: QueryText = None,
) -> Page:
    rows, total = users.list_users(
        db, role=role, agency_id=agency_id, q=q, offset=paging.offset, limit=paging.page_size
    )
    return _page([_user(r) for r in rows], total, paging)


@router.get("/users/export", **exports.DOWNLOAD)
def export_users(
    _: Admin,
    agency_id: AgencyFilter,
    role: Literal["sales", "operator", "admin"] | None = None,
    q: QueryText = None,
) -> exports.Download:
    """The users the list's filters select, by login id, as the CSV download."""
    return exports.download(csv_exports.user_export(role=role, agency_id=agency_id, q=q), "crm_users", "ユーザー一覧")


@router.post("/users", response_model=CrmUserRead, status_code=201)
def create_user(body: CrmUserCreate, caller: Admin, db: DbSession) -> CrmUserRead:
    """A login with a crm role; sales users are bound to their agency."""
    return _user(users.create_user(db, data=body, actor=caller.actor))


@router.get("/users/{user_id:int}", response_model=CrmUserRead)
def get_user(user_id: int, _: Admin, db: DbSession) -> CrmUserRead:
    return _user(users.get_user(db, user_id))


@router.patch("/users/{user_id:int}", response_model=CrmUserRead)
def update_user(user_id: int, body: CrmUserUpdate, caller: Admin, db: DbSession, response: Response) -> CrmUserRead:
    """A new password ends the user's sessions; admins changing their own get a fresh token in X-Renewed-Token."""
    crm_user = users.update_user(db, crm_user=users.get_user(db, user_id), data=body, actor=caller.actor)
    renew_own_session(response, caller, crm_user.user, password_changed=bool(body.password))
    return _user(crm_user)


@router.delete("/users/{user_id:int}", status_code=204)
def remove_user(user_id: int, caller: Admin, db: DbSession) -> None:
    """Take away the crm role and profile (the login itself stays)."""
    users.remove_user(db, crm_user=users.get_user(db, user_id), actor=caller.actor)


# --- 監査ログ ----------------------------------------------------------------------------------------------------


def audit_filter(
    actor_id: QueryText = None,
    action: QueryText = None,
    target_type: QueryText = None,
    target_id: QueryText = None,
    since: Period = None,
    until: Period = None,
) -> audit.AuditFilter:
    start, end = periods.bounds(since, until)
    return audit.AuditFilter(actor_id, action, None, target_type, target_id, start, end, auditing.log_entries())


AuditFilters = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("/audit", response_model=Page[AuditEntryRead])
def list_audit(_: Admin, db: DbSession, paging: Paging, flt: AuditFilters) -> Page:
    """The platform audit log, limited to the crm domain and crm users' logins and logouts (who changed what, when,
    before/after)."""
    rows, total = audit.list_entries(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return _page(audit_words.entry_reads(db, rows), total, paging)


@router.get("/audit/vocabulary", response_model=AuditVocabularyRead)
def audit_vocabulary(_: Admin) -> AuditVocabularyRead:
    """The 監査ログ filters' codes in words: the CRM's actions and targets, and the users' logins and logouts."""
    return AuditVocabularyRead.model_validate(vars(auditing.log_words()))


@router.get("/audit/export", **exports.DOWNLOAD)
def export_audit(_: Admin, flt: AuditFilters) -> exports.Download:
    """The entries the list's filters select, newest first, as the CSV download."""
    return exports.download(audit_exports.audit_export(flt, with_domain=False), "crm_audit_log", "監査ログ")
