"""投入依頼 (§2.3, §3.1, §3.2, §3.4): create (new or existing corporation, with images), list, detail, edit."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from service.crm import agencies, auditing, comments, corporations, images, labels, locking, periods, sites, statuses
from service.crm.models import (
    BACK_OFFICE,
    DEFICIENT,
    IN_PROGRESS,
    RESUBMISSION,
    Agency,
    Comment,
    Corporation,
    Image,
    Request,
    Site,
)
from service.crm.schemas import (
    ImageRead,
    QueueSummary,
    RequestActions,
    RequestCreate,
    RequestDetail,
    RequestItem,
    RequestUpdate,
    SiteSummary,
)
from service.crm.storage import CheckedUpload
from service.crm.visibility import CaseView
from service.crm.workflow import ADMIN, REQUEST_EDIT_FIELDS, Actorship
from service.errors import Conflict, ValidationFailed
from service.identity.models import User
from service.search import contains
from service.tenancy import TenantScope, get_scoped, scoped

SALES = "sales"


@dataclass(frozen=True)
class RequestFilter:
    statuses: tuple[str, ...] = ()
    agency_id: int | None = None
    requested_by: int | None = None
    corporation_id: int | None = None
    corporation: str | None = None
    since: date | None = None
    until: date | None = None
    unread_only: bool = False
    unread_first: bool = False  # 投入案件一覧: the requests with news for the caller's side on top


def _agency_for_new_corporation(db: Session, *, scope: TenantScope, data: RequestCreate) -> Agency:
    if scope.unrestricted and data.agency_id is None:
        raise ValidationFailed(
            "新規法人の代理店を指定してください", details={"field": "agency_id", "rule": "required_for_admin"}
        )
    agency_id = data.agency_id if data.agency_id is not None else scope.value
    return get_scoped(db, Agency, agency_id, scope, Agency.id)


def create_request(
    db: Session, *, data: RequestCreate, uploads: list[CheckedUpload], scope: TenantScope, by: Actorship, now: datetime
) -> Request:
    """新規投入依頼 (corporation) or 既存法人に地点追加 (corporation_id), with the statement images, all or nothing."""
    if (data.corporation is None) == (data.corporation_id is None):
        raise ValidationFailed(
            "新規法人の情報か既存法人のIDのどちらか一方を指定してください",
            details={"field": "corporation", "rule": "exactly_one_of_corporation_or_corporation_id"},
        )
    if data.corporation_id is not None:
        corporation = get_scoped(db, Corporation, data.corporation_id, scope, Corporation.agency_id)
        agency = db.get_one(Agency, corporation.agency_id)
    else:
        agency = _agency_for_new_corporation(db, scope=scope, data=data)
    if not agency.is_active:
        raise Conflict(labels.INACTIVE_AGENCY, code="agency_inactive", details={"agency_id": agency.id})
    if data.corporation is not None:
        if data.credit_card_security_code:
            raise ValidationFailed(
                labels.SECURITY_CODE_NEW_CORPORATION,
                details={"field": "credit_card_security_code", "rule": "only_with_corporation_id"},
            )
        corporation = corporations.create_corporation(db, agency_id=agency.id, data=data.corporation, actor=by.actor)
    else:
        corporations.supply_security_code(
            db, corporation=corporation, code=data.credit_card_security_code, actor=by.actor
        )
    request = Request(
        agency_id=agency.id,
        corporation_id=corporation.id,
        requested_by=by.user_id,
        remarks=data.remarks,
        site_count=data.site_count,
        created_at=now,
        updated_at=now,
    )
    db.add(request)
    db.flush()
    after = auditing.snapshot(request, ("agency_id", "corporation_id", "requested_by", "status", *REQUEST_EDIT_FIELDS))
    auditing.record_change(db, by.actor, "create", "request", request.id, {}, after)
    images.add_images(db, request=request, uploads=uploads, by=by, now=now)
    return request


def update_request(db: Session, *, request: Request, data: RequestUpdate, by: Actorship) -> Request:
    """備考・地点数: the sales side while the request is open, the back office at any time."""
    if by.role == SALES and request.status in statuses.CLOSED:
        raise Conflict(labels.CLOSED_REQUEST, code="request_closed", details={"status": request.status})
    request, changes = locking.lock_edit(db, request, data)
    before = auditing.snapshot(request, REQUEST_EDIT_FIELDS)
    for name, value in changes.items():
        if value is not None:
            setattr(request, name, value)
    db.flush()
    auditing.record_change(
        db, by.actor, "update", "request", request.id, before, auditing.snapshot(request, REQUEST_EDIT_FIELDS)
    )
    return request


def _filtered(stmt: Select, flt: RequestFilter) -> Select:
    if flt.statuses:
        stmt = stmt.where(Request.status.in_(flt.statuses))
    for column, value in (
        (Request.agency_id, flt.agency_id),
        (Request.requested_by, flt.requested_by),
        (Request.corporation_id, flt.corporation_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    start, end = periods.bounds(flt.since, flt.until)
    if start is not None:
        stmt = stmt.where(Request.created_at >= start)
    if end is not None:
        stmt = stmt.where(Request.created_at < end)
    if flt.corporation:
        matching = select(Corporation.id).where(
            contains(flt.corporation, Corporation.display_name, Corporation.last_name_kana)
        )
        stmt = stmt.where(Request.corporation_id.in_(matching))
    return stmt


LIST_ORDER = (Request.created_at.desc(), Request.id.desc())


def _listed(stmt: Select, view: CaseView, flt: RequestFilter, role: str) -> Select:
    """The requests the caller sees that match the filters (unread: with a comment unread by the caller's side)."""
    stmt = _filtered(view.requests(stmt), flt)
    return stmt.where(comments.unread_clause(role)) if flt.unread_only else stmt


def _order(flt: RequestFilter, role: str) -> tuple:
    """Newest first; with unread_first, the requests with news for the caller's side before the others."""
    if not flt.unread_first:
        return LIST_ORDER
    return (case((comments.unread_clause(role), 0), else_=1), *LIST_ORDER)


def _resubmitted_at() -> Any:
    """When the request came back from the sales side, while it waits for the back office (対応中): its latest
    修正再提出; None otherwise."""
    latest = (
        select(func.max(Comment.created_at))
        .where(Comment.request_id == Request.id, Comment.type == RESUBMISSION)
        .scalar_subquery()
    )
    return case((Request.status == IN_PROGRESS, latest))


def _item_select(role: str) -> Select:
    """Requests with what `list_item` reads: names, the sites counted, the unread mark of the caller's side, the
    resubmission they wait with."""
    sites_total = select(func.count(Site.id)).where(Site.request_id == Request.id).scalar_subquery()
    return (
        select(
            Request,
            Corporation.display_name,
            Agency.name,
            User.name,
            sites_total,
            comments.unread_clause(role),
            _resubmitted_at(),
        )
        .join(Corporation, Corporation.id == Request.corporation_id)
        .join(Agency, Agency.id == Request.agency_id)
        .join(User, User.id == Request.requested_by)
    )


def item_query(*, view: CaseView, flt: RequestFilter, role: str) -> Select:
    """The listed requests as rows of `list_item`, shown newest first (`LIST_ORDER`)."""
    return _listed(_item_select(role), view, flt, role)


def list_item(row: Any) -> RequestItem:
    request, corporation, agency, user, count, unread, resubmitted_at = row[:7]
    return _item(request, corporation, agency, user, count, bool(unread), resubmitted_at)


def count_requests(db: Session, *, view: CaseView, flt: RequestFilter, role: str) -> int:
    """The list's total: the requests the caller sees that its filters select."""
    base = _listed(select(Request.id), view, flt, role)
    return db.scalar(select(func.count()).select_from(base.subquery())) or 0


def list_requests(
    db: Session, *, view: CaseView, flt: RequestFilter, role: str, offset: int, limit: int
) -> tuple[list[RequestItem], int]:
    """マイ依頼一覧 and 投入案件一覧: newest first (or unread first), with the unread mark of the caller's side."""
    base = _listed(select(Request.id), view, flt, role)
    total = count_requests(db, view=view, flt=flt, role=role)
    order = _order(flt, role)
    page_ids = base.order_by(*order).offset(offset).limit(limit).subquery()
    rows = db.execute(_item_select(role).join(page_ids, page_ids.c.id == Request.id).order_by(*order))
    return [list_item(row) for row in rows], total


def queue_summary(db: Session, *, view: CaseView, role: str) -> QueueSummary:
    """The back office's to-do counts (the menu's badge): open requests (対応中), those with news for the back office,
    and those sent back by sales (修正再提出) not yet opened."""
    unread_resubmission = (
        select(Comment.id)
        .where(
            Comment.request_id == Request.id,
            Comment.type == RESUBMISSION,
            Comment.audience == BACK_OFFICE,
            Comment.is_read.is_(False),
        )
        .exists()
    )
    counted = view.requests(
        select(
            func.count().filter(Request.status == IN_PROGRESS),
            func.count().filter(comments.unread_clause(role)),
            func.count().filter(and_(Request.status == IN_PROGRESS, unread_resubmission)),
        )
    )
    open_count, unread, resubmitted = db.execute(counted).one()
    return QueueSummary(open=open_count, unread=unread, resubmitted_unread=resubmitted)


def _item(
    request: Request,
    corporation_name: str,
    agency_name: str,
    user_name: str,
    sites_total: int,
    unread: bool,
    resubmitted_at: datetime | None = None,
) -> RequestItem:
    return RequestItem(
        id=request.id,
        agency_id=request.agency_id,
        agency_name=agency_name,
        corporation_id=request.corporation_id,
        corporation_name=corporation_name,
        requested_by=request.requested_by,
        requested_by_name=user_name,
        status=request.status,
        status_label=labels.STATUS_LABELS[request.status],
        site_count=request.site_count,
        sites_total=sites_total,
        unread=unread,
        resubmitted_at=resubmitted_at,
        created_at=request.created_at,
        updated_at=request.updated_at,
        version=request.version,
    )


def actions(request: Request, by: Actorship) -> RequestActions:
    is_open = request.status in statuses.OPEN
    sales_side = by.role in (SALES, ADMIN)
    return RequestActions(
        edit=is_open or by.role != SALES,
        cancel=request.status in statuses.CANCELLABLE and (by.role == ADMIN or request.requested_by == by.user_id),
        resubmit=sales_side and request.status == DEFICIENT,
        add_images=is_open or by.role != SALES,
        back_office=by.role != SALES,
    )


def _site_views(db: Session, request: Request, *, back_office: bool) -> list[dict[str, Any]]:
    rows = list(db.scalars(select(Site).where(Site.request_id == request.id).order_by(Site.id)))
    if not back_office:
        return [
            SiteSummary.model_validate(s)
            .model_copy(update={"status_label": labels.STATUS_LABELS[s.status]})
            .model_dump()
            for s in rows
        ]
    linked = sites.image_ids_by_site(db, [s.id for s in rows])
    return [sites.read(s, linked.get(s.id, [])).model_dump() for s in rows]


def detail(db: Session, *, request: Request, by: Actorship) -> RequestDetail:
    """案件詳細: the request, its corporation (card masked), images, sites and the comment timeline."""
    corporation = db.get_one(Corporation, request.corporation_id)
    unread = db.scalar(select(comments.unread_clause(by.role).where(Request.id == request.id).select_from(Request)))
    item = _item(
        request,
        corporation.display_name,
        agencies.agency_names(db, {request.agency_id})[request.agency_id],
        db.get_one(User, request.requested_by).name,
        db.execute(select(func.count(Site.id)).where(Site.request_id == request.id)).scalar_one(),
        bool(unread),
    )
    image_rows = db.scalars(select(Image).where(Image.request_id == request.id).order_by(Image.id))
    return RequestDetail(
        request=item,
        remarks=request.remarks,
        whole_deficiency=request.whole_deficiency,
        corporation=corporations.read(corporation),
        images=[ImageRead.model_validate(i) for i in image_rows],
        sites=_site_views(db, request, back_office=by.role != SALES),
        comments=comments.comments_of(db, request.id),
        actions=actions(request, by),
        security_code_needed=request.status not in statuses.CLOSED and corporations.security_code_needed(corporation),
    )


def my_summary(db: Session, *, scope: TenantScope, user_id: int) -> dict[str, int]:
    """The sales person's own requests by status, and how many have unread news for the sales side."""
    counts = dict(
        db.execute(
            scoped(select(Request.status, func.count()), scope, Request.agency_id)
            .where(Request.requested_by == user_id)
            .group_by(Request.status)
        )
        .tuples()
        .all()
    )
    unread = (
        db.scalar(
            scoped(select(func.count()).select_from(Request), scope, Request.agency_id).where(
                and_(Request.requested_by == user_id, comments.unread_clause(SALES))
            )
        )
        or 0
    )
    return {status: counts.get(status, 0) for status in statuses.STATUS_ORDER} | {"unread": unread}
