import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    String,
    Subquery,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from service.config import get_settings
from service.dialect import epoch, local_text
from service.entry_logs import labels
from service.entry_logs.models import (
    ABSENT,
    ENTRY,
    EXIT,
    ONE_DAY,
    Attendance,
    Child,
    EntryLog,
    Guardian,
    Parent,
    PickupRule,
)
from service.errors import ValidationFailed


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_today(now: datetime) -> date:
    return now.astimezone(local_zone()).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def parse_month(text: str | None, now: datetime) -> date:
    """Default: this month, Japan time."""
    if not text:
        return month_start(local_today(now))
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise ValidationFailed(labels.BAD_MONTH, details={"field": "month", "rule": "year_month"}) from exc


def month_days(month: date) -> list[date]:
    return [month.replace(day=d) for d in range(1, calendar.monthrange(month.year, month.month)[1] + 1)]


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """Both local days, `last` inclusive."""
    zone = local_zone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine((last or first) + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def closing_passed(closing_time: time | None, now: datetime) -> bool:
    """Never, for a nursery without one."""
    return closing_time is not None and now >= datetime.combine(local_today(now), closing_time, tzinfo=local_zone())


def collectors(nursery_id: int) -> Subquery:
    """(child_id, parent_id, pass_date): guardians (pass_date NULL: every day) and 「本日のみ」 people on their pass's
    date only."""
    guardians = select(Guardian.child_id, Guardian.parent_id, literal(None, Date).label("pass_date"))
    one_day = (
        select(PickupRule.child_id, PickupRule.parent_id, Parent.pass_date)
        .join(Parent, Parent.id == PickupRule.parent_id)
        .where(PickupRule.nursery_id == nursery_id, PickupRule.kind == ONE_DAY)
    )
    return union_all(guardians, one_day).subquery("collectors")


def door_days(db: Session, *, nursery_id: int, first: date, last: date) -> Subquery:
    """(child_id, day, first_in, last_out) per child and local day (`day` as YYYY-MM-DD) from `first` to `last`: the
    first 入 and the last 出 (epoch seconds, NULL for none) of the live logs of those who may collect the child."""
    start, end = day_bounds(first, last)
    day_text = local_text(db, EntryLog.occurred_at, "%Y-%m-%d", at=start)
    moment = epoch(EntryLog.occurred_at)
    collector = collectors(nursery_id)
    return (
        select(
            collector.c.child_id.label("child_id"),
            day_text.label("day"),
            func.min(case((EntryLog.entry_type == ENTRY, moment))).label("first_in"),
            func.max(case((EntryLog.entry_type == EXIT, moment))).label("last_out"),
        )
        .join(collector, collector.c.parent_id == EntryLog.parent_id)
        .where(
            EntryLog.nursery_id == nursery_id,
            EntryLog.deleted_at.is_(None),
            EntryLog.occurred_at >= start,
            EntryLog.occurred_at < end,
            or_(collector.c.pass_date.is_(None), cast(collector.c.pass_date, String) == day_text),
        )
        .group_by(collector.c.child_id, day_text)
        .subquery("door_days")
    )


def children_of() -> Subquery:
    one_day = select(PickupRule.parent_id, PickupRule.child_id).where(PickupRule.kind == ONE_DAY)
    return union_all(select(Guardian.parent_id, Guardian.child_id), one_day).subquery("children_of")


def absent_on(child_id: QueryableAttribute[int], day: date | ColumnElement[date]) -> ColumnElement[bool]:
    """欠席 is registered for the child on `day`: the door neither greets nor expects the child that day."""
    return and_(Attendance.child_id == child_id, Attendance.attendance_date == day, Attendance.status == ABSENT)


def child_names_for(db: Session, parent_ids: Iterable[int], *, expected_on: date | None = None) -> dict[int, list[str]]:
    """In the order the children were registered; with `expected_on`, those absent that day left out (the children a
    scan greets)."""
    ids = sorted(set(parent_ids))
    names: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return names
    linked = children_of()
    stmt = (
        select(linked.c.parent_id, Child.name)
        .join(Child, Child.id == linked.c.child_id)
        .where(linked.c.parent_id.in_(ids))
        .order_by(linked.c.parent_id, Child.id)
    )
    if expected_on is not None:
        stmt = stmt.where(~exists().where(absent_on(Child.id, expected_on)))
    rows = db.execute(stmt)
    for parent_id, name in rows:
        names[parent_id].append(name)
    return names
