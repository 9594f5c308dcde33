"""出欠's named figures (service/figures.py): the children of each attendance status on a day, as the attendance list
shows them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from service.entry_logs.attendance import service as attendance
from service.entry_logs.kinds import AttendanceShown
from service.entry_logs.labels import ATTENDANCE_LABELS
from service.entry_logs.models import Nursery
from service.figures import Figure, FigureRead, serve

ATTENDANCE_ROUTE = "/attendance"
PEOPLE = "人"

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
    AttendanceShown.UNRECORDED.label,
    "その日の出席状態をまだ記録していない園児の人数",
    "days",
    "entry_logs",
    ATTENDANCE_ROUTE,
    counter=PEOPLE,
    exported=False,
)
STATUS_OF = {ATTENDED: "present", ABSENT: "absent", UNRECORDED: attendance.UNRECORDED}


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
