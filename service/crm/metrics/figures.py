"""代理店別数値's and the admin home's named figures (service/figures.py), each defined once by the list filter that
shows its rows, so the card, the list it opens and its CSV agree. 初回完了率 and 投入済までの日数（中央値） are taken
over the 投入済 requests' list (OCR's: ocr/figures.py)."""

from dataclasses import replace
from datetime import date, datetime
from functools import partial

from sqlalchemy.orm import Session

from service.crm import labels, periods
from service.crm.acquired import service as acquired
from service.crm.acquired.service import AcquiredFilter
from service.crm.agencies import service as agencies
from service.crm.dependencies import SALES
from service.crm.metrics import service as metrics
from service.crm.models import CANCELLED, DEFICIENT, IN_PROGRESS, PARTLY_CANCELLED, SUBMITTED
from service.crm.requests import service as requests
from service.crm.requests.service import RequestFilter
from service.crm.shares import share
from service.crm.users import service as users
from service.crm.visibility import CaseView
from service.figures import MEDIAN_WORDS, Figure, FigureRead, query_of, serve

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
    counter="地点",
)
STATUS_COUNT = "投入依頼日がその期間の依頼のうち、現在「{word}」{note}のものの件数{rate}"
WORDS = labels.STATUS_LABELS


def status_count(status: str, *, note: str = "", rate: str = "") -> Figure:
    """§4.2."""
    word = WORDS[status]
    return Figure(
        f"crm.{status}", word, STATUS_COUNT.format(word=word, note=note, rate=rate), "days", "crm", REQUESTS_ROUTE
    )


SUBMITTED_REQUESTS = status_count(SUBMITTED)
DEFICIENT_REQUESTS = status_count(DEFICIENT, rate=f"（不備率 = {WORDS[DEFICIENT]} ÷ {REQUESTS.label}）")
IN_PROGRESS_REQUESTS = status_count(IN_PROGRESS)
PARTLY_CANCELLED_REQUESTS = status_count(PARTLY_CANCELLED, note=f"（地点は{WORDS[SUBMITTED]}と{WORDS[CANCELLED]}）")
CANCELLED_REQUESTS = status_count(CANCELLED)
UNREAD_REQUESTS = Figure(
    "crm.unread",
    "未読のある依頼",
    "あなたがまだ読んでいないコメントがある依頼と、投入担当の誰もまだ開いていない新しい依頼の件数（投入案件一覧の「未読」）",
    "now",
    "crm",
    REQUESTS_ROUTE,
)
ACTIVE_AGENCIES = Figure(
    "crm.active_agencies", "有効な代理店", "無効にされていない代理店の数", "now", "crm", "/crm/agencies", counter="社"
)
SALES_USERS = Figure(
    "crm.sales_users",
    "営業担当者",
    "代理店CRMで営業担当のロールを持つユーザーの人数（無効にされたユーザーも含みます）",
    "now",
    "crm",
    "/crm/users",
    counter="人",
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
    "投入依頼日がその期間の投入済の依頼の、依頼日から投入済までの日数の中央値" + MEDIAN_WORDS,
    "days",
    "crm",
    REQUESTS_ROUTE,
    unit="days",
    median_of=labels.DAYS_TO_SUBMITTED_COLUMN,
)
STATUS_OF = {
    SUBMITTED_REQUESTS: SUBMITTED,
    DEFICIENT_REQUESTS: DEFICIENT,
    IN_PROGRESS_REQUESTS: IN_PROGRESS,
    PARTLY_CANCELLED_REQUESTS: PARTLY_CANCELLED,
    CANCELLED_REQUESTS: CANCELLED,
    FIRST_TIME_RIGHT: SUBMITTED,
    DAYS_TO_SUBMITTED: SUBMITTED,
}
METRICS = (REQUESTS, ACQUIRED_SITES, SUBMITTED_REQUESTS, DEFICIENT_REQUESTS, FIRST_TIME_RIGHT, DAYS_TO_SUBMITTED)
BY_STATUS = (
    DEFICIENT_REQUESTS,
    IN_PROGRESS_REQUESTS,
    SUBMITTED_REQUESTS,
    PARTLY_CANCELLED_REQUESTS,
    CANCELLED_REQUESTS,
)


def request_query(flt: RequestFilter) -> dict[str, str]:
    query = query_of(replace(flt, statuses=(), unread_only=False))
    return (
        query | ({"status": flt.statuses[0]} if flt.statuses else {}) | ({"unread": "true"} if flt.unread_only else {})
    )


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
        return shown(share(first_time, submitted), basis=submitted)
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
    return [
        figure_of(db, figure, view=view, agency_id=agency_id, since=since, until=until, now=now) for figure in METRICS
    ]


def status_figures(db: Session, *, view: CaseView, now: datetime) -> list[FigureRead]:
    """全期間."""
    over = partial(figure_of, db, view=view, agency_id=None, since=None, until=None, now=now)
    return [over(figure) for figure in BY_STATUS]


def home_figures(db: Session, *, view: CaseView, now: datetime) -> list[FigureRead]:
    today = periods.local_today(now)
    month = today.replace(day=1)
    over = partial(figure_of, db, view=view, agency_id=None, now=now)
    unread = RequestFilter(unread_only=True)
    active, sales = {"active": True}, {"role": SALES}
    return [
        over(REQUESTS, since=today, until=today),
        over(REQUESTS, since=month, until=None),
        over(ACQUIRED_SITES, since=month, until=None),
        serve(
            UNREAD_REQUESTS,
            requests.count_requests(db, view=view, flt=unread),
            now=now,
            query=request_query(unread),
        ),
        serve(ACTIVE_AGENCIES, agencies.count_agencies(db, scope=view.scope, q=None, **active), now=now, flt=active),
        serve(SALES_USERS, users.count_users(db, agency_id=None, q=None, **sales), now=now, flt=sales),
    ]
