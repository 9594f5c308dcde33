"""代理店別数値's named figures (service/figures.py): over a period of 依頼日 (or, for sites, 投入完了日) and for one
agency or all, each defined once by the list filter that shows its rows (投入案件一覧, 獲得案件一覧), its value that
filter's count as the caller sees the list, so the card, the list it opens and its CSV agree. 初回完了率 and
投入済までの日数（中央値） are taken over the 投入済 requests' list: the share of its CSV's 初回完了 column
reading はい, and the lower median of its 投入済までの日数 column (metrics.first_time_right, metrics.median_days: the
agency table's own figures)."""

from dataclasses import replace
from datetime import date, datetime
from functools import partial

from sqlalchemy.orm import Session

from service.crm import acquired, labels, metrics, requests
from service.crm.acquired import AcquiredFilter
from service.crm.models import DEFICIENT, SUBMITTED
from service.crm.requests import RequestFilter
from service.crm.visibility import CaseView
from service.figures import Figure, FigureRead, query_of, serve

REQUESTS_ROUTE = "/crm/requests"

REQUESTS = Figure("crm.requests", "投入依頼件数", "投入依頼日がその期間の依頼の件数", "days", "crm", REQUESTS_ROUTE)
ACQUIRED_SITES = Figure(
    "crm.acquired_sites",
    "獲得地点数",
    "投入完了日がその期間の投入済の地点の数（獲得案件一覧は法人ごとにまとめて表示し、CSVは地点ごとの行です）",
    "days",
    "crm",
    "/crm/acquired",
    export="/crm/acquired.csv",
    grouped_by="法人",
)
SUBMITTED_REQUESTS = Figure(
    "crm.submitted",
    "投入済",
    "投入依頼日がその期間の依頼のうち、現在「投入済」のものの件数",
    "days",
    "crm",
    REQUESTS_ROUTE,
)
DEFICIENT_REQUESTS = Figure(
    "crm.deficient",
    "不備",
    "投入依頼日がその期間の依頼のうち、現在「不備」のものの件数（不備率 = 不備 ÷ 投入依頼件数）",
    "days",
    "crm",
    REQUESTS_ROUTE,
)
FIRST_TIME_RIGHT = Figure(
    "crm.first_time_right",
    "初回完了率",
    "投入依頼日がその期間の投入済の依頼のうち、一度も不備にならずに投入済になったものの割合",
    "days",
    "crm",
    REQUESTS_ROUTE,
    unit="percent",
    share_of=labels.FIRST_TIME_RIGHT_COLUMN,
)
DAYS_TO_SUBMITTED = Figure(
    "crm.days_to_submitted",
    "投入済までの日数（中央値）",
    "投入依頼日がその期間の投入済の依頼の、依頼日から投入済までの日数の中央値（件数が偶数のときは中央の2件の短い方）",
    "days",
    "crm",
    REQUESTS_ROUTE,
    unit="days",
    median_of=labels.DAYS_TO_SUBMITTED_COLUMN,
)
STATUS_OF = {
    SUBMITTED_REQUESTS: SUBMITTED,
    DEFICIENT_REQUESTS: DEFICIENT,
    FIRST_TIME_RIGHT: SUBMITTED,
    DAYS_TO_SUBMITTED: SUBMITTED,
}
METRICS = (REQUESTS, ACQUIRED_SITES, SUBMITTED_REQUESTS, DEFICIENT_REQUESTS, FIRST_TIME_RIGHT, DAYS_TO_SUBMITTED)


def request_query(flt: RequestFilter) -> dict[str, str]:
    """The request list's query for a filter (its statuses are the list's `status`)."""
    query = query_of(replace(flt, statuses=()))
    return query | ({"status": flt.statuses[0]} if flt.statuses else {})


def figure_of(
    db: Session,
    figure: Figure,
    *,
    view: CaseView,
    agency_id: int | None,
    since: date | None,
    until: date | None,
    now: datetime,
) -> FigureRead:
    period = (since, until)
    if figure is ACQUIRED_SITES:
        sites = AcquiredFilter(agency_id=agency_id, since=since, until=until)
        return serve(figure, acquired.count_sites(db, view=view, flt=sites), now=now, flt=sites, days=period)
    statuses = (STATUS_OF[figure],) if figure in STATUS_OF else ()
    made = RequestFilter(statuses=statuses, agency_id=agency_id, since=since, until=until)
    shown = partial(serve, figure, now=now, query=request_query(made), days=period)
    selection = metrics.Selection(view, None if agency_id is None else [agency_id], since, until, by_agency=False)
    if figure is FIRST_TIME_RIGHT:
        first_time, submitted = metrics.first_time_right(db, selection)
        return shown(metrics.share(first_time, submitted), basis=submitted)
    count = requests.count_requests(db, view=view, flt=made)
    if figure is DAYS_TO_SUBMITTED:
        return shown(metrics.median_days(db, selection).get(None, 0.0), basis=count)
    return shown(count)


def metrics_figures(
    db: Session,
    *,
    view: CaseView,
    agency_id: int | None,
    since: date | None,
    until: date | None,
    now: datetime,
) -> list[FigureRead]:
    """代理店別数値's cards over the period, for one agency or all the caller sees."""
    return [
        figure_of(db, figure, view=view, agency_id=agency_id, since=since, until=until, now=now) for figure in METRICS
    ]
