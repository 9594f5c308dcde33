"""The attendance page: each child's 出席/欠席 and the day's drop-off and pick-up times (送り迎え時刻)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.entry_logs.lookups import collectors, day_bounds
from service.entry_logs.models import ABSENT, Attendance, Child, EntryLog, Nursery, Parent

DOMAIN = "entry_logs"
TOOLTIP_LOGS = 5
UNRECORDED = "unrecorded"  # the attendance list's status filter for a day with no 出席/欠席 recorded
ATTENDANCE_FIELDS = fields.audited(Attendance)


@dataclass(frozen=True)
class DayLog:
    log_id: int
    entry_type: str
    timestamp: datetime
    parent_id: int
    parent_name: str
    recorded_by: str | None = None
    manual_reason: str | None = None


@dataclass
class ChildDay:
    child: Child
    attendance: Attendance | None
    logs: list[DayLog]
    log_count: int = 0
    latest_entry: DayLog | None = None
    latest_exit: DayLog | None = None

    @property
    def absent_with_logs(self) -> bool:
        """The times are another child's."""
        return self.attendance is not None and self.attendance.status == ABSENT and self.log_count > 0


def _day_logs(db: Session, *, nursery_id: int, day: date) -> dict[int, list]:
    """Ranked in SQL."""
    start, end = day_bounds(day)
    collector = collectors(nursery_id)
    newest_first = (EntryLog.occurred_at.desc(), EntryLog.id.desc())
    ranked = (
        select(
            collector.c.child_id.label("child_id"),
            EntryLog.id.label("log_id"),
            EntryLog.entry_type,
            EntryLog.occurred_at,
            Parent.id.label("parent_id"),
            Parent.name.label("parent_name"),
            EntryLog.recorded_by,
            EntryLog.manual_reason,
            func.row_number().over(partition_by=collector.c.child_id, order_by=newest_first).label("rank"),
            func.row_number()
            .over(partition_by=(collector.c.child_id, EntryLog.entry_type), order_by=newest_first)
            .label("type_rank"),
            func.count().over(partition_by=collector.c.child_id).label("total"),
        )
        .join(collector, collector.c.parent_id == EntryLog.parent_id)
        .join(Parent, Parent.id == EntryLog.parent_id)
        .where(
            EntryLog.nursery_id == nursery_id,
            EntryLog.deleted_at.is_(None),
            EntryLog.occurred_at >= start,
            EntryLog.occurred_at < end,
            or_(collector.c.pass_date.is_(None), collector.c.pass_date == day),
        )
        .subquery()
    )
    rows = db.execute(
        select(ranked)
        .where(or_(ranked.c.rank <= TOOLTIP_LOGS, ranked.c.type_rank == 1))
        .order_by(ranked.c.child_id, ranked.c.occurred_at, ranked.c.log_id)
    )
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.child_id].append(row)
    return grouped


def _child_day(child: Child, attendance: Attendance | None, rows: list) -> ChildDay:
    day = ChildDay(child=child, attendance=attendance, logs=[])
    for row in rows:
        log = DayLog(
            row.log_id,
            row.entry_type,
            row.occurred_at,
            row.parent_id,
            row.parent_name,
            row.recorded_by,
            row.manual_reason,
        )
        day.log_count = row.total
        if row.rank <= TOOLTIP_LOGS:
            day.logs.append(log)
        if row.type_rank == 1:
            if row.entry_type == "Entry":
                day.latest_entry = log
            else:
                day.latest_exit = log
    return day


def children_of_day(*, nursery: Nursery, day: date, class_name: str | None, status: str | None) -> Select:
    stmt = select(Child).where(Child.nursery_id == nursery.id)
    if class_name:
        stmt = stmt.where(Child.class_name == class_name)
    if status is None:
        return stmt
    recorded = select(Attendance.child_id).where(Attendance.nursery_id == nursery.id, Attendance.attendance_date == day)
    if status == UNRECORDED:
        return stmt.where(Child.id.not_in(recorded))
    return stmt.where(Child.id.in_(recorded.where(Attendance.status == status)))


def count_children(db: Session, *, nursery: Nursery, day: date, class_name: str | None, status: str | None) -> int:
    children = children_of_day(nursery=nursery, day=day, class_name=class_name, status=status)
    return db.scalar(select(func.count()).select_from(children.subquery())) or 0


def attendance_day(
    db: Session, *, nursery: Nursery, day: date, class_name: str | None, status: str | None = None
) -> list[ChildDay]:
    stmt = children_of_day(nursery=nursery, day=day, class_name=class_name, status=status)
    children = list(db.scalars(stmt.order_by(Child.class_name, Child.id)))
    records = {
        a.child_id: a
        for a in db.scalars(
            select(Attendance).where(Attendance.nursery_id == nursery.id, Attendance.attendance_date == day)
        )
    }
    logs = _day_logs(db, nursery_id=nursery.id, day=day)
    return [_child_day(child, records.get(child.id), logs.get(child.id, [])) for child in children]


def _snapshot(record: Attendance | None) -> dict:
    return audit.snapshot(record, ATTENDANCE_FIELDS) if record else {}


def _record(db: Session, child: Child, day: date) -> Attendance | None:
    return db.scalar(select(Attendance).where(Attendance.child_id == child.id, Attendance.attendance_date == day))


def set_attendance(db: Session, *, child: Child, day: date, status: str, note: str, actor: Actor) -> Attendance:
    """Replacing what was there."""
    record = _record(db, child, day)
    before = _snapshot(record)
    if record is None:
        record = Attendance(
            child_id=child.id, nursery_id=child.nursery_id, attendance_date=day, status=status, note=note
        )
        db.add(record)
    record.status, record.note = status, note
    db.flush()
    changes = audit.diff(before, _snapshot(record))
    if changes:
        audit.record(
            db,
            actor=actor,
            action="set_attendance",
            domain=DOMAIN,
            target_type="attendance",
            target_id=f"{child.id}:{day}",
            changes=changes,
        )
    return record


def clear_attendance(db: Session, *, child: Child, day: date, actor: Actor) -> None:
    before = _snapshot(_record(db, child, day))
    db.execute(delete(Attendance).where(Attendance.child_id == child.id, Attendance.attendance_date == day))
    if before:
        audit.record(
            db,
            actor=actor,
            action="clear_attendance",
            domain=DOMAIN,
            target_type="attendance",
            target_id=f"{child.id}:{day}",
            changes=audit.diff(before, {}),
        )
