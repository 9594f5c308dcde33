"""投入依頼 (§2.3, §3.1, §3.2, §3.4)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from service import fields
from service.crm import auditing, labels, locking, periods, read_marks, statuses, timing
from service.crm.agencies import service as agencies
from service.crm.auditing import Actorship
from service.crm.comments import service as comments
from service.crm.corporations import service as corporations
from service.crm.images import service as images
from service.crm.images.schemas import ImageRead
from service.crm.models import (
    BACK_OFFICE,
    DEFICIENT,
    IN_PROGRESS,
    RESUBMISSION,
    SALES_SIDE,
    Agency,
    Comment,
    Corporation,
    Image,
    Request,
    Site,
)
from service.crm.requests.schemas import (
    QueueSummary,
    RequestActions,
    RequestCreate,
    RequestDetail,
    RequestItem,
    RequestUpdate,
    SiteSummary,
    TeamMember,
    TeamRead,
)
from service.crm.sites import service as sites
from service.crm.sites.workflow import ADMIN, REQUEST_EDIT_FIELDS
from service.crm.storage import CheckedUpload
from service.crm.users.service import user_names
from service.crm.visibility import CaseView
from service.database import utcnow
from service.errors import Conflict, ValidationFailed
from service.exports import ListExport, field
from service.identity.models import User
from service.search import contains
from service.sheets import Column
from service.tenancy import TenantScope, get_scoped, scoped

SALES = "sales"
ASSIGNEE = aliased(User, name="assignee")
NEWEST, ATTENTION = "newest", "attention"


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
    unread_first: bool = False
    assigned_to: int | None = None
    unassigned: bool = False
    order: str = NEWEST  # チームの依頼's order


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
    """All or nothing."""
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
        corporation = corporations.create_corporation(
            db, agency_id=agency.id, data=data.corporation, actor=by.actor, confirmed=data.confirm
        )
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
        status_since=now,
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
    """The sales side while the request is open, the back office at any time."""
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
    if flt.unassigned:
        stmt = stmt.where(Request.assigned_to.is_(None))
    for column, value in (
        (Request.agency_id, flt.agency_id),
        (Request.requested_by, flt.requested_by),
        (Request.corporation_id, flt.corporation_id),
        (Request.assigned_to, flt.assigned_to),
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


def _listed(stmt: Select, view: CaseView, flt: RequestFilter) -> Select:
    stmt = _filtered(view.requests(stmt), flt)
    return stmt.where(view.unread()) if flt.unread_only else stmt


# チームの依頼: 不備 first (what the agency must act on), then the open work, then the closed; the oldest first.
ATTENTION_ORDER = (
    case({status: rank for rank, status in enumerate(statuses.STATUS_ORDER)}, value=Request.status),
    Request.created_at,
    Request.id,
)


def _order(flt: RequestFilter, view: CaseView) -> tuple:
    order = ATTENTION_ORDER if flt.order == ATTENTION else LIST_ORDER
    return (case((view.unread(), 0), else_=1), *order) if flt.unread_first else order


def _resubmitted_at() -> Any:
    """Its latest 修正再提出 while it waits for the back office (対応中); None otherwise."""
    latest = (
        select(func.max(Comment.created_at))
        .where(Comment.request_id == Request.id, Comment.type == RESUBMISSION)
        .scalar_subquery()
    )
    return case((Request.status == IN_PROGRESS, latest))


def _item_select(view: CaseView) -> Select:
    sites_total = select(func.count(Site.id)).where(Site.request_id == Request.id).scalar_subquery()
    return (
        select(
            Request,
            Corporation.display_name,
            Agency.name,
            User.name,
            sites_total,
            view.unread(),
            _resubmitted_at(),
            ASSIGNEE.name,
        )
        .join(Corporation, Corporation.id == Request.corporation_id)
        .join(Agency, Agency.id == Request.agency_id)
        .join(User, User.id == Request.requested_by)
        .outerjoin(ASSIGNEE, ASSIGNEE.id == Request.assigned_to)
    )


def item_query(*, view: CaseView, flt: RequestFilter) -> Select:
    return _listed(_item_select(view), view, flt)


def list_item(row: Any, *, now: datetime) -> RequestItem:
    request, corporation, agency, user, count, unread, resubmitted_at, assignee = row[:8]
    names = Names(corporation, agency, user, assignee or "")
    return _item(request, names, count, bool(unread), now=now, resubmitted_at=resubmitted_at)


def read_item(db: Session, *, view: CaseView, request_id: int, now: datetime) -> RequestItem:
    row = db.execute(item_query(view=view, flt=RequestFilter()).where(Request.id == request_id)).one()
    return list_item(row, now=now)


def count_requests(db: Session, *, view: CaseView, flt: RequestFilter) -> int:
    base = _listed(select(Request.id), view, flt)
    return db.scalar(select(func.count()).select_from(base.subquery())) or 0


def list_requests(
    db: Session, *, view: CaseView, flt: RequestFilter, offset: int, limit: int, now: datetime
) -> tuple[list[RequestItem], int]:
    base = _listed(select(Request.id), view, flt)
    total = count_requests(db, view=view, flt=flt)
    order = _order(flt, view)
    page_ids = base.order_by(*order).offset(offset).limit(limit).subquery()
    rows = db.execute(_item_select(view).join(page_ids, page_ids.c.id == Request.id).order_by(*order))
    return [list_item(row, now=now) for row in rows], total


def queue_summary(db: Session, *, view: CaseView) -> QueueSummary:
    """The menu's badge."""
    unread_resubmission = Request.id.in_(view.comments(read_marks.unread(view.reader_id, BACK_OFFICE, RESUBMISSION)))
    counted = view.requests(
        select(
            func.count().filter(Request.status == IN_PROGRESS),
            func.count().filter(view.unread()),
            func.count().filter(and_(Request.status == IN_PROGRESS, unread_resubmission)),
            func.count().filter(and_(Request.status == IN_PROGRESS, Request.assigned_to.is_(None))),
        )
    )
    open_count, unread, resubmitted, unassigned = db.execute(counted).one()
    return QueueSummary(open=open_count, unread=unread, resubmitted_unread=resubmitted, unassigned=unassigned)


def team(db: Session, *, view: CaseView, flt: RequestFilter) -> TeamRead:
    """One GROUP BY, so each count is the request list's total under that person and status."""
    oldest_open = func.min(case((Request.status.in_(statuses.OPEN), Request.created_at)))
    grouped = _listed(select(Request.requested_by, Request.status, func.count(), oldest_open), view, flt)
    counts: dict[int, dict[str, int]] = {}
    oldest: dict[int, datetime] = {}
    for person, status, count, since in db.execute(grouped.group_by(Request.requested_by, Request.status)):
        counts.setdefault(person, dict.fromkeys(statuses.STATUS_ORDER, 0))[status] = count
        if since is not None:
            oldest[person] = min(since, oldest.get(person, since))
    names = user_names(db, set(counts))
    members = [
        TeamMember(
            user_id=person,
            name=names.get(person, ""),
            counts=by_status,
            total=sum(by_status.values()),
            oldest_open_at=oldest.get(person),
        )
        for person, by_status in counts.items()
    ]
    members.sort(key=lambda m: (-m.counts[DEFICIENT], m.oldest_open_at or datetime.max.replace(tzinfo=UTC), m.name))
    totals = {status: sum(m.counts[status] for m in members) for status in statuses.STATUS_ORDER}
    return TeamRead(members=members, totals=totals, total=sum(totals.values()))


class Names(NamedTuple):
    """ "" for none."""

    corporation: str
    agency: str
    requested_by: str
    assigned_to: str


def _item(
    request: Request,
    names: Names,
    sites_total: int,
    unread: bool,
    *,
    now: datetime,
    resubmitted_at: datetime | None = None,
) -> RequestItem:
    return RequestItem(
        id=request.id,
        agency_id=request.agency_id,
        agency_name=names.agency,
        corporation_id=request.corporation_id,
        corporation_name=names.corporation,
        requested_by=request.requested_by,
        requested_by_name=names.requested_by,
        status=request.status,
        status_label=labels.STATUS_LABELS[request.status],
        site_count=request.site_count,
        sites_total=sites_total,
        unread=unread,
        resubmitted_at=resubmitted_at,
        assigned_to=request.assigned_to,
        assigned_to_name=names.assigned_to,
        assigned_at=request.assigned_at,
        times=timing.times_of(request, now=now),
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


def detail(db: Session, *, request: Request, by: Actorship, now: datetime) -> RequestDetail:
    """Card masked."""
    corporation = db.get_one(Corporation, request.corporation_id)
    side = read_marks.side_of(by.role)
    unread = db.scalar(select(read_marks.unread(by.user_id, side).where(Comment.request_id == request.id).exists()))
    people = user_names(db, {i for i in (request.requested_by, request.assigned_to) if i is not None})
    names = Names(
        corporation.display_name,
        agencies.agency_names(db, {request.agency_id})[request.agency_id],
        people[request.requested_by],
        people.get(request.assigned_to, "") if request.assigned_to else "",
    )
    sites_total = db.execute(select(func.count(Site.id)).where(Site.request_id == request.id)).scalar_one()
    item = _item(request, names, sites_total, bool(unread) or read_marks.is_never_opened(request, side), now=now)
    image_rows = db.scalars(select(Image).where(Image.request_id == request.id).order_by(Image.id))
    return RequestDetail(
        request=item,
        remarks=request.remarks,
        whole_deficiency=request.whole_deficiency,
        corporation=corporations.read(corporation),
        images=[ImageRead.model_validate(i) for i in image_rows],
        sites=_site_views(db, request, back_office=by.role != SALES),
        comments=comments.comments_of(db, request.id, user_id=by.user_id),
        actions=actions(request, by),
        security_code_needed=request.status not in statuses.CLOSED and corporations.security_code_needed(corporation),
    )


def my_summary(db: Session, *, scope: TenantScope, user_id: int) -> dict[str, int]:
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
                and_(
                    Request.requested_by == user_id,
                    Request.id.in_(scoped(read_marks.unread(user_id, SALES_SIDE), scope, Comment.agency_id)),
                )
            )
        )
        or 0
    )
    return {status: counts.get(status, 0) for status in statuses.STATUS_ORDER} | {"unread": unread}


# --- 投入案件一覧 and マイ依頼一覧 as CSV downloads (service/exports.py) ---

NEWS_MARK, UNREAD_MARK = "未読", "未読あり"

COUNTS = (
    field("依頼ID", "id"),
    field("法人名", "corporation_name"),
    field("地点数", "sites_total"),
    field(fields.facts(Request.site_count).label, "site_count"),
)
STATUS = field("ステータス", "status_label")
REQUESTED_ON = field("投入依頼日", "created_at")


def days_of(name: str) -> Column:
    return Column(f"{labels.TIME_LABELS[name]}（日）", lambda request: timing.days(getattr(request.times, name)))


# 投入案件一覧 (§3.2, the back office's, with the assignee and the times its statuses took) and マイ依頼一覧 (§3.4,
# the sales person's own)
QUEUE_COLUMNS = (
    STATUS,
    *COUNTS,
    field("営業担当者", "requested_by_name"),
    field("代理店", "agency_name"),
    REQUESTED_ON,
    Column("未読通知", lambda request: NEWS_MARK if request.unread else ""),
    field("担当者", "assigned_to_name"),
    *(days_of(name) for name in labels.TIME_LABELS),
    Column(labels.FIRST_TIME_RIGHT_COLUMN, lambda request: fields.said(fields.YES_NO, request.times.first_time_right)),
    Column(labels.DAYS_TO_SUBMITTED_COLUMN, lambda request: request.times.days_to_submitted),
)
MINE_COLUMNS = (
    *COUNTS,
    STATUS,
    Column("不備通知", lambda request: UNREAD_MARK if request.unread else ""),
    REQUESTED_ON,
)


def request_export(*, view: CaseView, flt: RequestFilter, mine: bool) -> ListExport:
    now = utcnow()
    return ListExport(
        item_query(view=view, flt=flt),
        LIST_ORDER,
        MINE_COLUMNS if mine else QUEUE_COLUMNS,
        lambda _db, rows: [list_item(row, now=now) for row in rows],
    )
