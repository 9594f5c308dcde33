"""入退管理's named figures (service/figures.py), each defined once by the list that shows its rows, so a card and its
list (and the log list's CSV) cannot disagree."""

from datetime import date, datetime

from sqlalchemy.orm import Session

from service.entry_logs import counts, insights
from service.entry_logs.attendance.figures import PEOPLE, attendance_figures
from service.entry_logs.filters import LogFilter
from service.entry_logs.lookups import day_bounds
from service.entry_logs.models import Nursery
from service.figures import Figure, FigureRead, serve
from service.tenancy import TenantScope

LOGS_ROUTE = "/entry-exit-logs"
PRESENT_ROUTE = "/entry-logs/nurseries/{nursery_id}/present-parents"

ENTRIES = Figure(
    "entry_logs.entries",
    "入（登園）",
    "期間中の「入」のログの件数（削除したログは数えません）",
    "days",
    "entry_logs",
    LOGS_ROUTE,
    exported=False,  # the log list's download has a row per child, not per log
)
EXITS = Figure(
    "entry_logs.exits",
    "出（降園）",
    "期間中の「出」のログの件数（削除したログは数えません）",
    "days",
    "entry_logs",
    LOGS_ROUTE,
    exported=False,  # the log list's download has a row per child, not per log
)
PRESENT = Figure(
    "entry_logs.present",
    "園内にいる保護者",
    "今日「入」を記録し、まだ「出」を記録していない保護者の人数",
    "now",
    "entry_logs",
    PRESENT_ROUTE,
    counter=PEOPLE,
    exported=False,
)
ENTRY_TYPE_OF = {ENTRIES: "Entry", EXITS: "Exit"}


def log_figure(
    db: Session, figure: Figure, *, nursery: Nursery, scope: TenantScope, since: date, until: date, now: datetime
) -> FigureRead:
    start, end = day_bounds(since, until)
    flt = LogFilter(start=start, end=end, entry_type=ENTRY_TYPE_OF[figure], nursery_id=nursery.id)
    query = {"from": since, "to": until, "entryType": flt.entry_type, "nurseryId": nursery.id}
    value = counts.count_logs(db, flt=flt, scope=scope)
    return serve(figure, value, now=now, flt=query, days=(since, until))


def present_figure(db: Session, *, nursery: Nursery, now: datetime) -> FigureRead:
    value = len(insights.present_parents(db, nursery=nursery, now=now))
    return serve(PRESENT, value, now=now, path={"nursery_id": nursery.id})


def nursery_figures(
    db: Session,
    *,
    nursery: Nursery,
    scope: TenantScope,
    since: date,
    until: date,
    day: date,
    class_name: str | None,
    now: datetime,
) -> list[FigureRead]:
    return [
        *(
            log_figure(db, figure, nursery=nursery, scope=scope, since=since, until=until, now=now)
            for figure in ENTRY_TYPE_OF
        ),
        present_figure(db, nursery=nursery, now=now),
        *attendance_figures(db, nursery=nursery, day=day, class_name=class_name, now=now),
    ]
