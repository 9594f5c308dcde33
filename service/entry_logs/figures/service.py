"""入退管理's named figures (service/figures.py), each defined once by the list that shows its rows, so a card and its
list (and the log list's CSV) cannot disagree."""

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from service.entry_logs import counts, insights
from service.entry_logs.attendance import service as attendance
from service.entry_logs.filters import LogFilter
from service.entry_logs.labels import ATTENDANCE_LABELS
from service.entry_logs.lookups import day_bounds
from service.entry_logs.models import Nursery
from service.figures import Figure, FigureRead, serve
from service.tenancy import TenantScope

LOGS_ROUTE = "/entry-exit-logs"
PRESENT_ROUTE = "/entry-logs/nurseries/{nursery_id}/present-parents"
ATTENDANCE_ROUTE = "/attendance"
PEOPLE = "人"

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
ATTENDED = Figure(
    "entry_logs.attended",
    ATTENDANCE_LABELS["present"],
    f"その日の出席状態が「{ATTENDANCE_LABELS['present']}」の園児の人数",
    "days",
    "entry_logs",
    ATTENDANCE_ROUTE,
    counter=PEOPLE,
    exported=False,
)
ABSENT = Figure(
    "entry_logs.absent",
    ATTENDANCE_LABELS["absent"],
    f"その日の出席状態が「{ATTENDANCE_LABELS['absent']}」の園児の人数",
    "days",
    "entry_logs",
    ATTENDANCE_ROUTE,
    counter=PEOPLE,
    exported=False,
)
UNRECORDED = Figure(
    "entry_logs.unrecorded",
    "未記録",
    "その日の出席状態をまだ記録していない園児の人数",
    "days",
    "entry_logs",
    ATTENDANCE_ROUTE,
    counter=PEOPLE,
    exported=False,
)
ENTRY_TYPE_OF = {ENTRIES: "Entry", EXITS: "Exit"}
STATUS_OF = {ATTENDED: "present", ABSENT: "absent", UNRECORDED: attendance.UNRECORDED}


def log_figure(
    db: Session, figure: Figure, *, nursery: Nursery, scope: TenantScope, since: date, until: date, now: datetime
) -> FigureRead:
    start, end = day_bounds(since, until)
    flt = LogFilter(start=start, end=end, entry_type=ENTRY_TYPE_OF[figure], nursery_id=nursery.id)
    query = {"from": since, "to": until, "entryType": flt.entry_type, "nurseryId": nursery.id}
    value = counts.count_logs(db, flt=flt, scope=scope)
    return serve(figure, value, now=now, flt=query, days=(since, until))


def attendance_figure(
    db: Session, figure: Figure, *, nursery: Nursery, day: date, class_name: str | None, now: datetime
) -> FigureRead:
    status = STATUS_OF[figure]
    value = attendance.count_children(db, nursery=nursery, day=day, class_name=class_name, status=status)
    query: dict[str, Any] = {"nurseryId": nursery.id, "date": day, "className": class_name or None, "status": status}
    return serve(figure, value, now=now, flt=query, days=(day, day))


def attendance_figures(
    db: Session, *, nursery: Nursery, day: date, class_name: str | None, now: datetime
) -> list[FigureRead]:
    return [
        attendance_figure(db, figure, nursery=nursery, day=day, class_name=class_name, now=now) for figure in STATUS_OF
    ]


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
