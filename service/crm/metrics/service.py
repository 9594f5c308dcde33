"""代理店別数値 (§3.6) and the admin dashboard's busiest agencies: every number is one GROUP BY in SQL.

Requests count by 依頼日; acquired sites by 投入完了日. 不備率 is §3.6's: requests now 不備 / all requests;
ever_deficient counts requests sent back at least once."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from service.crm import labels, periods, timing
from service.crm.metrics.schemas import AgencyMetrics, MetricsRead, ReasonCount, SeriesPoint, SeriesRead
from service.crm.models import (
    CANCELLED,
    DEFICIENCY,
    DEFICIENT,
    IN_PROGRESS,
    PARTLY_CANCELLED,
    SUBMITTED,
    Agency,
    Comment,
    Request,
    Site,
)
from service.crm.shares import TOTAL, share
from service.crm.visibility import CaseView
from service.dialect import of
from service.errors import ValidationFailed
from service.exports import ListExport, field
from service.figures import median
from service.sheets import Column
from service.tenancy import TenantScope, scoped

COUNTED = (DEFICIENT, IN_PROGRESS, SUBMITTED, PARTLY_CANCELLED, CANCELLED)
MAX_DAYS = 366
MONTHS_SHOWN = 12


FIRST_TIME_RIGHT = and_(Request.status == SUBMITTED, Request.ever_deficient.is_(False))
TOP_REASONS = 3  # the most frequent 不備 reasons shown per agency
REASONS_LISTED = 10  # the most frequent 不備 reasons listed over the period
AgencyIds = Sequence[int] | None


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


@dataclass(frozen=True)
class Selection:
    """None: all agencies the caller sees."""

    view: CaseView
    agency_ids: AgencyIds
    since: date | None
    until: date | None
    by_agency: bool = True

    def requests(self, stmt: Select) -> Select:
        stmt = _in_period(self.view.requests(stmt), Request.created_at, self.since, self.until)
        return stmt if self.agency_ids is None else stmt.where(Request.agency_id.in_(self.agency_ids))

    def key(self, row: Any) -> int | None:
        return row.agency_id if self.by_agency else None


def first_time_right(db: Session, selection: Selection) -> tuple[int, int]:
    counted = select(func.count().filter(FIRST_TIME_RIGHT), func.count()).where(Request.status == SUBMITTED)
    first_time, submitted = db.execute(selection.requests(counted)).one()
    return first_time, submitted


def median_days(db: Session, selection: Selection) -> dict[int | None, float]:
    """The spreadsheet's MEDIAN (figures.median) of the spans from 依頼日 to 投入済, each in days as its list row
    counts it (timing.span_days)."""
    key = Request.agency_id if selection.by_agency else literal(0)
    spans = selection.requests(
        select(
            key.label("key"),
            Request.created_at.label("start"),
            Request.closed_at.label("end"),
            Request.id.label("id"),
        ).where(Request.status == SUBMITTED)
    )
    middle, spans_of = of(db).middle_spans(spans)
    return {
        (row.key if selection.by_agency else None): median(*map(timing.span_days, spans_of(row)))
        for row in db.execute(middle)
    }


def top_reasons(db: Session, selection: Selection, *, limit: int) -> dict[int | None, list[ReasonCount]]:
    """Ranked in SQL, ties by the words."""
    grouping = [Comment.agency_id] if selection.by_agency else []
    counted = _in_period(
        selection.view.comments(
            select(*grouping, Comment.message.label("reason"), func.count().label("times")).where(
                Comment.type == DEFICIENCY
            )
        ),
        Comment.created_at,
        selection.since,
        selection.until,
    )
    if selection.agency_ids is not None:
        counted = counted.where(Comment.agency_id.in_(selection.agency_ids))
    ranked = (
        counted.group_by(*grouping, Comment.message)
        .add_columns(
            func.row_number()
            .over(partition_by=grouping or None, order_by=(func.count().desc(), Comment.message))
            .label("position")
        )
        .subquery()
    )
    found: dict[int | None, list[ReasonCount]] = {}
    for row in db.execute(select(ranked).where(ranked.c.position <= limit).order_by(ranked.c.position)):
        found.setdefault(selection.key(row), []).append(ReasonCount(reason=row.reason, count=row.times))
    return found


@dataclass(frozen=True)
class Extras:
    acquired: int = 0
    median_days: float | None = None
    reasons: tuple[ReasonCount, ...] = ()


def _row(agency_id: int, name: str, counts: tuple, extras: Extras) -> AgencyMetrics:
    requests, deficient, in_progress, submitted, partly, cancelled, ever, first_time = (int(v or 0) for v in counts)
    return AgencyMetrics(
        agency_id=agency_id,
        agency_name=name,
        requests=requests,
        deficient=deficient,
        in_progress=in_progress,
        submitted=submitted,
        partly_cancelled=partly,
        cancelled=cancelled,
        acquired_sites=extras.acquired,
        deficiency_rate=share(deficient, requests),
        ever_deficient=ever,
        ever_deficient_rate=share(ever, requests),
        first_time_right=first_time,
        first_time_right_rate=share(first_time, submitted),
        median_days_to_submitted=extras.median_days,
        top_reasons=list(extras.reasons),
    )


def agency_rows(db: Session, selection: Selection, names: Sequence[tuple[int, str]]) -> list[AgencyMetrics]:
    """Each a GROUP BY or a window in SQL."""
    first_time = func.sum(case((FIRST_TIME_RIGHT, 1), else_=0))
    counted = selection.requests(select(Request.agency_id, *_status_counts(), first_time)).group_by(Request.agency_id)
    acquired = _in_period(
        selection.view.sites(select(Site.agency_id, func.count()).where(Site.status == SUBMITTED)),
        Site.submitted_at,
        selection.since,
        selection.until,
    )
    if selection.agency_ids is not None:
        acquired = acquired.where(Site.agency_id.in_(selection.agency_ids))
    counts = {row[0]: tuple(row[1:]) for row in db.execute(counted)}
    sites = dict(db.execute(acquired.group_by(Site.agency_id)).tuples().all())
    medians = median_days(db, selection)
    reasons = top_reasons(db, selection, limit=TOP_REASONS)
    zero = (0,) * (len(COUNTED) + 3)
    return [
        _row(
            agency_id,
            name,
            counts.get(agency_id, zero),
            Extras(sites.get(agency_id, 0), medians.get(agency_id), tuple(reasons.get(agency_id, ()))),
        )
        for agency_id, name in names
    ]


SUMMED = (
    "requests",
    "deficient",
    "in_progress",
    "submitted",
    "partly_cancelled",
    "cancelled",
    "ever_deficient",
    "first_time_right",
)


def total_row(db: Session, selection: Selection, rows: Sequence[AgencyMetrics]) -> AgencyMetrics:
    """The median days and the top reasons are taken over them all, not summed."""
    over_all = replace(selection, by_agency=False)
    counts = tuple(sum(getattr(row, name) for row in rows) for name in SUMMED)
    extras = Extras(
        sum(row.acquired_sites for row in rows),
        median_days(db, over_all).get(None),
        tuple(top_reasons(db, over_all, limit=TOP_REASONS).get(None, ())),
    )
    return _row(0, TOTAL, counts, extras)


def period_reasons(
    db: Session, *, view: CaseView, agency_id: int | None, since: date | None, until: date | None, limit: int
) -> list[ReasonCount]:
    """The most frequent 不備 reasons of the deficiencies raised in the period (one agency's or all the caller sees)."""
    selection = Selection(view, None if agency_id is None else [agency_id], since, until, by_agency=False)
    return top_reasons(db, selection, limit=limit).get(None, [])


def agency_metrics(
    db: Session, *, view: CaseView, agency_id: int | None, since: date | None, until: date | None
) -> MetricsRead:
    names = list(db.execute(agency_query(view=view, agency_id=agency_id).order_by(*AGENCY_ORDER)).tuples())
    selection = Selection(view, [agency_id for agency_id, _ in names], since, until)
    rows = agency_rows(db, selection, names)
    return MetricsRead(since=since, until=until, agencies=rows, total=total_row(db, selection, rows))


AGENCY_ORDER = (Agency.code, Agency.id)


def agency_query(*, view: CaseView, agency_id: int | None) -> Select:
    stmt = scoped(select(Agency.id, Agency.name), view.scope, Agency.id)
    return stmt if agency_id is None else stmt.where(Agency.id == agency_id)


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
        requests_n, deficient, in_progress, submitted, partly, cancelled, _ = counts.get(period, zero)
        points.append(
            SeriesPoint(
                period=period,
                requests=requests_n,
                deficient=deficient,
                in_progress=in_progress,
                submitted=submitted,
                partly_cancelled=partly,
                cancelled=cancelled,
                acquired_sites=int(sites.get(period, 0)),
            )
        )
    return SeriesRead(granularity=granularity, agency_id=agency_id, points=points)


def top_agencies(db: Session, *, view: CaseView, now: datetime, limit: int = 5) -> list[AgencyMetrics]:
    month_start = periods.local_today(now).replace(day=1)
    metrics = agency_metrics(db, view=view, agency_id=None, since=month_start, until=None)
    return sorted(metrics.agencies, key=lambda r: (-r.requests, r.agency_id))[:limit]


def percent(name: str) -> Callable[[Any], float]:
    return lambda row: round(getattr(row, name) * 100, 1)


# 代理店別サマリ (§3.6) with first-time-right, the median days to 投入済 and the top 不備 reasons
METRICS_COLUMNS = (
    field("代理店名", "agency_name"),
    field("依頼件数", "requests"),
    *(field(word, status) for status, word in labels.STATUS_LABELS.items()),  # each status's count, §4.1's order
    field("獲得地点", "acquired_sites"),
    Column("不備率（%）", percent("deficiency_rate")),
    Column("差し戻し率（%）", percent("ever_deficient_rate")),
    field("初回完了件数", "first_time_right"),
    Column("初回完了率（%）", percent("first_time_right_rate")),
    field("投入済までの日数（中央値）", "median_days_to_submitted"),
    Column("主な不備理由", lambda row: "／".join(f"{r.reason}（{r.count}件）" for r in row.top_reasons)),
)


def metrics_export(*, view: CaseView, agency_id: int | None, since: date | None, until: date | None) -> ListExport:
    """Each batch's rows computed for its agencies."""

    def rows_of(db: Session, rows: Sequence[Row]) -> list[AgencyMetrics]:
        names = [(row.id, row.name) for row in rows]
        selection = Selection(view, [agency_id for agency_id, _ in names], since, until)
        return agency_rows(db, selection, names)

    return ListExport(agency_query(view=view, agency_id=agency_id), AGENCY_ORDER, METRICS_COLUMNS, rows_of)
