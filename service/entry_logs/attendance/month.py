"""The month's 出欠表: each child's days (出席 by staff's record or the door's 入; 欠席) and hours (first 入 to last
出), read from `day_statuses` in SQL, and its Excel for the office and the city (A4 landscape, the header on every
page)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from service import fields
from service.entry_logs import labels
from service.entry_logs.attendance.service import day_statuses
from service.entry_logs.lookups import month_days
from service.entry_logs.models import ABSENT, PRESENT, Child, Nursery
from service.exports import row_getters
from service.sheets import Column, Printed, Sheet

WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class MonthDay:
    day: date
    status: str | None
    from_door: bool
    first_in: datetime | None
    last_out: datetime | None
    minutes: int | None


@dataclass
class MonthChild:
    child_id: int
    child_name: str
    class_name: str
    present_days: int = 0
    absent_days: int = 0
    minutes: int = 0
    days: dict[date, MonthDay] = field(default_factory=dict)


@dataclass(frozen=True)
class AttendanceMonth:
    nursery: Nursery
    month: date
    days: list[date]
    children: list[MonthChild]


def _moment(epoch_seconds: float | None) -> datetime | None:
    """To the second: SQLite's are floats."""
    return None if epoch_seconds is None else datetime.fromtimestamp(round(float(epoch_seconds)), UTC)


def attendance_month(db: Session, *, nursery: Nursery, month: date, class_name: str | None) -> AttendanceMonth:
    """Every child of the nursery (of the class), by class and id, with the month's days and their totals."""
    days = month_days(month)
    statuses = day_statuses(db, nursery_id=nursery.id, first=days[0], last=days[-1])
    children = select(Child.id, Child.name, Child.class_name).where(Child.nursery_id == nursery.id)
    if class_name:
        children = children.where(Child.class_name == class_name)
    shown = children.subquery("shown")
    totals = db.execute(
        select(
            shown.c.id,
            shown.c.name,
            shown.c.class_name,
            func.count(case((statuses.c.status == PRESENT, 1))),
            func.count(case((statuses.c.status == ABSENT, 1))),
            func.coalesce(func.sum(statuses.c.minutes), 0),
        )
        .outerjoin(statuses, statuses.c.child_id == shown.c.id)
        .group_by(shown.c.id, shown.c.name, shown.c.class_name)
        .order_by(shown.c.class_name, shown.c.id)
    ).all()
    by_child: dict[int, dict[date, MonthDay]] = defaultdict(dict)
    for row in db.execute(select(statuses).where(statuses.c.child_id.in_(select(shown.c.id)))):
        day = date.fromisoformat(row.day)
        by_child[row.child_id][day] = MonthDay(
            day, row.status, bool(row.from_door), _moment(row.first_in), _moment(row.last_out), row.minutes
        )
    rows = [
        MonthChild(child_id, name, klass, int(present), int(absent), int(minutes), by_child.get(child_id, {}))
        for child_id, name, klass, present, absent, minutes in totals
    ]
    return AttendanceMonth(nursery, month, days, rows)


def hours_text(minutes: int) -> str:
    """h:mm (in Excel as text, so 25:30 stays 25:30)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def day_cell(shown: MonthDay | None) -> str:
    """The day's hours for a day attended with 入 and 出, else its mark (出 / 欠), else blank."""
    if shown is None or shown.status is None:
        return ""
    if shown.status == ABSENT:
        return labels.MONTH_ABSENT_MARK
    return labels.MONTH_PRESENT_MARK if shown.minutes is None else hours_text(shown.minutes)


def day_header(day: date) -> str:
    return f"{day.day}({WEEKDAYS[day.weekday()]})"


def _day_column(day: date) -> Column:
    return Column(day_header(day), lambda child: day_cell(child.days.get(day)))


def month_columns(days: list[date]) -> tuple[Column, ...]:
    return (
        Column(fields.facts(Child.class_name).label, attrgetter("class_name")),
        Column(fields.facts(Child.name).label, attrgetter("child_name")),
        *(_day_column(day) for day in days),
        Column(labels.MONTH_PRESENT_DAYS, attrgetter("present_days")),
        Column(labels.MONTH_ABSENT_DAYS, attrgetter("absent_days")),
        Column(labels.MONTH_HOURS, lambda child: hours_text(child.minutes)),
    )


def month_sheet(found: AttendanceMonth) -> Sheet:
    """Printed on A4 landscape, fitted to the page's width, its title and header on every page."""
    columns = month_columns(found.days)
    getters = row_getters(columns)
    rows: list[list[Any]] = [[get(child) for get in getters] for child in found.children]
    title = labels.MONTH_TITLE.format(nursery=found.nursery.name, year=found.month.year, month=found.month.month)
    return Sheet(columns, [rows] if rows else [], Printed(title=title, note=labels.MONTH_LEGEND))
