"""The attendance page: each child's 出席/欠席 and the day's drop-off and pick-up times (送り迎え時刻), and the month's
出欠表.

A child's 出席状態 for a day is defined here once (`day_statuses`), in SQL: what staff recorded, else 出席 when one of
those who may collect the child scanned 入 that day (the door's record), else none (未記録). A scan never writes a
record, so a staff correction stays whatever is scanned later; 欠席 recorded wins over any scan."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.entry_logs.lookups import collectors, day_bounds, door_days
from service.entry_logs.models import ABSENT, PRESENT, Attendance, Child, EntryLog, Nursery, Parent

DOMAIN = "entry_logs"
TARGET = "attendance"  # the audit's target type of a child's day: target id "<child id>:<YYYY-MM-DD>"
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
    status: str | None = None  # day_statuses': the record's, else 出席 from the door, else None (未記録)
    from_door: bool = False
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


def _child_day(
    child: Child, attendance: Attendance | None, rows: list, *, status: str | None, from_door: bool
) -> ChildDay:
    day = ChildDay(child=child, attendance=attendance, logs=[], status=status, from_door=from_door)
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


def day_statuses(db: Session, *, nursery_id: int, first: date, last: date) -> Subquery:
    """(child_id, day, status, from_door, first_in, last_out, minutes) per child and local day (YYYY-MM-DD) with a
    record or a log: `status` is the record's, else 出席 with an 入 that day, else NULL; `from_door` when the door's
    logs decided it; `minutes` from the first 入 to the last 出 of a day attended (NULL without both)."""
    door = door_days(db, nursery_id=nursery_id, first=first, last=last)
    recorded_day = cast(Attendance.attendance_date, String)
    in_range = and_(
        Attendance.nursery_id == nursery_id, Attendance.attendance_date >= first, Attendance.attendance_date <= last
    )
    keys = union(
        select(door.c.child_id, door.c.day), select(Attendance.child_id, recorded_day.label("day")).where(in_range)
    ).subquery("keys")
    status = case((Attendance.status.is_not(None), Attendance.status), (door.c.first_in.is_not(None), literal(PRESENT)))
    stayed = door.c.last_out - door.c.first_in
    minutes = case((and_(status == PRESENT, stayed > 0), cast(func.round(stayed), Integer) // 60))
    return (
        select(
            keys.c.child_id,
            keys.c.day,
            status.label("status"),
            and_(Attendance.id.is_(None), door.c.first_in.is_not(None)).label("from_door"),
            door.c.first_in,
            door.c.last_out,
            minutes.label("minutes"),
        )
        .outerjoin(door, and_(door.c.child_id == keys.c.child_id, door.c.day == keys.c.day))
        .outerjoin(
            Attendance,
            and_(Attendance.child_id == keys.c.child_id, recorded_day == keys.c.day, in_range),
        )
        .subquery("day_statuses")
    )


def children_of_day(
    db: Session, *, nursery: Nursery, day: date, class_name: str | None, status: str | None
) -> tuple[Select, Subquery]:
    """The children with the day's status beside each (select(Child, statuses.c.status, statuses.c.from_door))."""
    statuses = day_statuses(db, nursery_id=nursery.id, first=day, last=day)
    stmt = (
        select(Child, statuses.c.status, statuses.c.from_door)
        .outerjoin(statuses, statuses.c.child_id == Child.id)
        .where(Child.nursery_id == nursery.id)
    )
    if class_name:
        stmt = stmt.where(Child.class_name == class_name)
    if status == UNRECORDED:
        stmt = stmt.where(statuses.c.status.is_(None))
    elif status is not None:
        stmt = stmt.where(statuses.c.status == status)
    return stmt, statuses


def count_children(db: Session, *, nursery: Nursery, day: date, class_name: str | None, status: str | None) -> int:
    children, _ = children_of_day(db, nursery=nursery, day=day, class_name=class_name, status=status)
    return db.scalar(select(func.count()).select_from(children.subquery())) or 0


def attendance_day(
    db: Session, *, nursery: Nursery, day: date, class_name: str | None, status: str | None = None
) -> list[ChildDay]:
    stmt, _ = children_of_day(db, nursery=nursery, day=day, class_name=class_name, status=status)
    children = db.execute(stmt.order_by(Child.class_name, Child.id)).all()
    records = {
        a.child_id: a
        for a in db.scalars(
            select(Attendance).where(Attendance.nursery_id == nursery.id, Attendance.attendance_date == day)
        )
    }
    logs = _day_logs(db, nursery_id=nursery.id, day=day)
    return [
        _child_day(child, records.get(child.id), logs.get(child.id, []), status=shown, from_door=bool(from_door))
        for child, shown, from_door in children
    ]


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
            target_type=TARGET,
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
            target_type=TARGET,
            target_id=f"{child.id}:{day}",
            changes=audit.diff(before, {}),
        )


def corrections_of(nursery: Nursery) -> ColumnElement[bool]:
    """The audit entries of staff's attendance records for the nursery's children (set or cleared)."""
    of_child = AuditEntry.target_id.startswith(cast(Child.id, String).concat(":"))
    return and_(
        AuditEntry.domain == DOMAIN,
        AuditEntry.target_type == TARGET,
        exists().where(Child.nursery_id == nursery.id, of_child),
    )


def corrections(db: Session, *, nursery: Nursery, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
    """Newest first."""
    return audit.list_entries(db, flt=audit.AuditFilter(where=corrections_of(nursery)), offset=offset, limit=limit)


def corrected_day(entry: AuditEntry) -> tuple[int, date]:
    child_id, day = (entry.target_id or "").split(":", 1)
    return int(child_id), date.fromisoformat(day)
