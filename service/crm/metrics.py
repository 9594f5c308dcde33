"""代理店別数値 (§3.6) and the admin dashboard: every number is one GROUP BY in SQL.

Requests count by the day they were made (依頼日); acquired sites by the day they became 投入済 (投入完了日).
不備率 is §3.6's: requests now 不備 / all requests; ever_deficient counts requests sent back at least once.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from service.crm import comments, periods
from service.crm.models import (
    BACK_OFFICE,
    CANCELLED,
    DEFICIENT,
    IN_PROGRESS,
    SUBMITTED,
    Agency,
    Request,
    Site,
)
from service.crm.schemas import AgencyMetrics, DashboardRead, MetricsRead, SeriesPoint, SeriesRead
from service.errors import ValidationFailed
from service.identity.models import Grant
from service.tenancy import TenantScope, scoped

COUNTED = (DEFICIENT, IN_PROGRESS, SUBMITTED, CANCELLED)
MAX_DAYS = 366
MONTHS_SHOWN = 12  # the month series by default: this month and the eleven before it


def _status_counts() -> list:
    return (
        [func.count()]
        + [func.sum(case((Request.status == s, 1), else_=0)) for s in COUNTED]
        + [func.sum(case((Request.ever_deficient, 1), else_=0))]
    )


def _in_period(stmt: Select, column, since: date | None, until: date | None) -> Select:
    start, end = periods.bounds(since, until)
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column < end)
    return stmt


def _row(agency_id: int, name: str, counts: tuple, acquired: int) -> AgencyMetrics:
    requests, deficient, in_progress, submitted, cancelled, ever = (int(v or 0) for v in counts)
    rate = round(deficient / requests, 4) if requests else 0.0
    ever_rate = round(ever / requests, 4) if requests else 0.0
    return AgencyMetrics(
        agency_id=agency_id,
        agency_name=name,
        requests=requests,
        deficient=deficient,
        in_progress=in_progress,
        submitted=submitted,
        cancelled=cancelled,
        acquired_sites=acquired,
        deficiency_rate=rate,
        ever_deficient=ever,
        ever_deficient_rate=ever_rate,
    )


def agency_metrics(
    db: Session, *, scope: TenantScope, agency_id: int | None, since: date | None, until: date | None
) -> MetricsRead:
    """One row per agency (all agencies the caller may see, or the one chosen) and the total."""
    requests = _in_period(
        scoped(select(Request.agency_id, *_status_counts()), scope, Request.agency_id), Request.created_at, since, until
    )
    acquired = _in_period(
        scoped(select(Site.agency_id, func.count()).where(Site.status == SUBMITTED), scope, Site.agency_id),
        Site.submitted_at,
        since,
        until,
    )
    agencies = scoped(select(Agency.id, Agency.name), scope, Agency.id)
    if agency_id is not None:
        requests, acquired, agencies = (
            requests.where(Request.agency_id == agency_id),
            acquired.where(Site.agency_id == agency_id),
            agencies.where(Agency.id == agency_id),
        )
    counts = {row[0]: tuple(row[1:]) for row in db.execute(requests.group_by(Request.agency_id))}
    sites = dict(db.execute(acquired.group_by(Site.agency_id)).tuples().all())
    zero = (0,) * (len(COUNTED) + 2)
    rows = [
        _row(aid, name, counts.get(aid, zero), sites.get(aid, 0))
        for aid, name in db.execute(agencies.order_by(Agency.code))
    ]
    totals = tuple(
        sum(getattr(r, f) for r in rows)
        for f in ("requests", "deficient", "in_progress", "submitted", "cancelled", "ever_deficient")
    )
    total = _row(0, "合計", totals, sum(r.acquired_sites for r in rows))
    return MetricsRead(since=since, until=until, agencies=rows, total=total)


def _default_range(granularity: str, since: date | None, until: date | None, today: date) -> tuple[date, date]:
    until = until or today
    if since is None:
        since = (
            _months_before(until.replace(day=1), MONTHS_SHOWN - 1)
            if granularity == "month"
            else until - timedelta(days=30)
        )
    if granularity == "day" and (until - since).days >= MAX_DAYS:
        raise ValidationFailed(
            f"日別は{MAX_DAYS}日以内の期間で指定してください", details={"field": "since", "rule": "max_days"}
        )
    return since, until


def _months_before(first: date, months: int) -> date:
    """The first day of the month `months` months before the month of `first`."""
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def series(
    db: Session,
    *,
    scope: TenantScope,
    agency_id: int | None,
    granularity: str,
    since: date | None,
    until: date | None,
    now: datetime,
) -> SeriesRead:
    """Requests by status and acquired sites per local month or day (for the chart)."""
    since, until = _default_range(granularity, since, until, periods.local_today(now))
    grid = periods.buckets(since, until, granularity)
    req_bucket, req_label = periods.bucket_of(db, Request.created_at, grid)
    site_bucket, site_label = periods.bucket_of(db, Site.submitted_at, grid)
    requests = _in_period(
        scoped(select(req_bucket, *_status_counts()), scope, Request.agency_id), Request.created_at, since, until
    )
    acquired = _in_period(
        scoped(select(site_bucket, func.count()).where(Site.status == SUBMITTED), scope, Site.agency_id),
        Site.submitted_at,
        since,
        until,
    )
    if agency_id is not None:
        requests, acquired = requests.where(Request.agency_id == agency_id), acquired.where(Site.agency_id == agency_id)
    counts = {
        req_label(row[0]): tuple(int(v or 0) for v in row[1:]) for row in db.execute(requests.group_by(req_bucket))
    }
    sites = {site_label(key): count for key, count in db.execute(acquired.group_by(site_bucket))}
    zero = (0,) * (len(COUNTED) + 2)
    points = []
    for period in grid.labels:
        requests_n, deficient, in_progress, submitted, cancelled, _ = counts.get(period, zero)
        points.append(
            SeriesPoint(
                period=period,
                requests=requests_n,
                deficient=deficient,
                in_progress=in_progress,
                submitted=submitted,
                cancelled=cancelled,
                acquired_sites=int(sites.get(period, 0)),
            )
        )
    return SeriesRead(granularity=granularity, agency_id=agency_id, points=points)


def _requests_since(db: Session, since: date) -> int:
    return db.scalar(_in_period(select(func.count()).select_from(Request), Request.created_at, since, None)) or 0


def dashboard(db: Session, *, scope: TenantScope, user_id: int, now: datetime) -> DashboardRead:
    """管理者ダッシュボード: status counts, today's and this month's numbers, the comments the admin has not read, top
    agencies."""
    today = periods.local_today(now)
    month_start = today.replace(day=1)
    by_status = dict(db.execute(select(Request.status, func.count()).group_by(Request.status)).tuples().all())
    acquired = db.scalar(
        _in_period(
            select(func.count()).select_from(Site).where(Site.status == SUBMITTED), Site.submitted_at, month_start, None
        )
    )
    metrics = agency_metrics(db, scope=scope, agency_id=None, since=month_start, until=None)
    return DashboardRead(
        requests_by_status={s: by_status.get(s, 0) for s in COUNTED},
        requests_today=_requests_since(db, today),
        requests_this_month=_requests_since(db, month_start),
        acquired_sites_this_month=acquired or 0,
        unread_comments=comments.unread_comments(db, user_id=user_id, side=BACK_OFFICE),
        active_agencies=db.scalar(select(func.count()).select_from(Agency).where(Agency.is_active)) or 0,
        sales_users=db.scalar(
            select(func.count()).select_from(Grant).where(Grant.domain == "crm", Grant.role == "sales")
        )
        or 0,
        top_agencies=sorted(metrics.agencies, key=lambda r: (-r.requests, r.agency_id))[:5],
    )
