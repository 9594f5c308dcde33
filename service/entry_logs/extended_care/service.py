"""延長保育 from the scans (entry-logs.md FE-LT-002): per child and day, the minutes before opening and after closing by
the child's guardians' logs, rounded up to the nursery's unit. Computed in SQL over the month's live logs (so a 再登録
or a deleted scan corrects it); hours apply from their start date and never change for a past month. A day with 欠席
registered counts nothing (the times are a sibling's)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Date, Integer, Select, and_, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.entry_logs import labels
from service.entry_logs.lookups import door_days, local_today, local_zone, month_days, month_start
from service.entry_logs.models import ABSENT, Attendance, CareHours, Child, Nursery
from service.errors import ValidationFailed
from service.exports import ListExport, field

DOMAIN = "entry_logs"
HOURS_FIELDS = fields.audited(CareHours)


def hours_of(db: Session, *, nursery: Nursery) -> list[CareHours]:
    return list(
        db.scalars(
            select(CareHours).where(CareHours.nursery_id == nursery.id).order_by(CareHours.effective_from.desc())
        )
    )


def set_hours(
    db: Session,
    *,
    nursery: Nursery,
    effective_from: date,
    opening: time,
    closing: time,
    unit_minutes: int,
    actor: Actor,
    now: datetime,
) -> CareHours:
    """A past month is never recomputed; the same date's hours are replaced. Audited."""
    if effective_from < month_start(local_today(now)):
        raise ValidationFailed(labels.HOURS_IN_PAST_MONTH, details={"field": "effectiveFrom", "rule": "not_past_month"})
    if opening >= closing:
        raise ValidationFailed(labels.HOURS_REVERSED, details={"field": "closingTime", "rule": "after_opening"})
    hours = db.scalar(
        select(CareHours).where(CareHours.nursery_id == nursery.id, CareHours.effective_from == effective_from)
    )
    before = audit.snapshot(hours, HOURS_FIELDS) if hours else {}
    if hours is None:
        hours = CareHours(nursery_id=nursery.id, effective_from=effective_from)
        db.add(hours)
    hours.opening_time, hours.closing_time, hours.unit_minutes = opening, closing, unit_minutes
    db.flush()
    changes = audit.diff(before, audit.snapshot(hours, HOURS_FIELDS))
    if changes:
        audit.record(
            db,
            actor=actor,
            action="set_care_hours",
            domain=DOMAIN,
            target_type="nursery",
            target_id=nursery.id,
            changes=changes,
        )
    return hours


@dataclass(frozen=True)
class DayHours:
    day: date
    opens: datetime
    closes: datetime
    unit_minutes: int


def day_hours(db: Session, *, nursery: Nursery, month: date) -> list[DayHours]:
    """Days before the first hours have none."""
    hours = sorted(hours_of(db, nursery=nursery), key=lambda h: h.effective_from)
    zone, found = local_zone(), []
    for day in month_days(month):
        current = next((h for h in reversed(hours) if h.effective_from <= day), None)
        if current is not None:
            opens = datetime.combine(day, current.opening_time, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, current.closing_time, tzinfo=zone).astimezone(UTC)
            found.append(DayHours(day, opens, closes, current.unit_minutes))
    return found


@dataclass(frozen=True)
class CareFilter:
    nursery_id: int
    month: date


def _days_table(days: list[DayHours]) -> Any:
    """One SELECT per day."""
    rows = [
        select(
            literal(d.day.isoformat()).label("day"),
            literal(d.day, Date).label("day_date"),
            literal(d.opens.timestamp()).label("opens"),
            literal(d.closes.timestamp()).label("closes"),
            literal(d.unit_minutes).label("unit_minutes"),
        )
        for d in days
    ]
    return union_all(*rows).subquery("days")


def _minutes(seconds: Any) -> Any:
    """In integer arithmetic on both databases: PostgreSQL rounds a float it casts, SQLite truncates."""
    return (cast(func.round(seconds), Integer) + 59) // 60


def day_select(db: Session, flt: CareFilter, days: list[DayHours]) -> Select:
    """Only days with extended care."""
    per_day = door_days(db, nursery_id=flt.nursery_id, first=flt.month, last=month_days(flt.month)[-1])
    hours = _days_table(days)
    before = _minutes(case((per_day.c.first_in < hours.c.opens, hours.c.opens - per_day.c.first_in), else_=0))
    after = _minutes(case((per_day.c.last_out > hours.c.closes, per_day.c.last_out - hours.c.closes), else_=0))
    computed = (
        select(
            per_day.c.child_id,
            per_day.c.day,
            per_day.c.first_in,
            per_day.c.last_out,
            before.label("minutes_before"),
            after.label("minutes_after"),
            hours.c.unit_minutes,
        )
        .join(hours, hours.c.day == per_day.c.day)
        .outerjoin(
            Attendance,
            and_(
                Attendance.child_id == per_day.c.child_id,
                Attendance.attendance_date == hours.c.day_date,
                Attendance.status == ABSENT,
            ),
        )
        .where(Attendance.id.is_(None))
        .subquery("computed")
    )
    minutes = computed.c.minutes_before + computed.c.minutes_after
    return (
        select(
            computed.c.child_id,
            Child.name.label("child_name"),
            Child.class_name,
            computed.c.day,
            computed.c.first_in,
            computed.c.last_out,
            computed.c.minutes_before,
            computed.c.minutes_after,
            minutes.label("minutes"),
            ((minutes + computed.c.unit_minutes - 1) // computed.c.unit_minutes).label("units"),
        )
        .join(Child, Child.id == computed.c.child_id)
        .where(minutes > 0)
    )


def month_rows(db: Session, flt: CareFilter, days: list[DayHours]) -> Any:
    daily = day_select(db, flt, days).subquery("daily")
    return (
        select(
            literal(flt.month.strftime("%Y-%m")).label("month"),
            daily.c.child_id,
            daily.c.child_name,
            daily.c.class_name,
            func.count().label("days"),
            func.sum(daily.c.minutes).label("minutes"),
            func.sum(daily.c.units).label("units"),
        )
        .group_by(daily.c.child_id, daily.c.child_name, daily.c.class_name)
        .subquery("monthly")
    )


@dataclass(frozen=True)
class CareMonth:
    rows: list[Any]
    total: int
    minutes: int
    units: int
    has_hours: bool


def care_month(db: Session, flt: CareFilter, *, offset: int, limit: int) -> CareMonth:
    days = day_hours(db, nursery=db.get_one(Nursery, flt.nursery_id), month=flt.month)
    if not days:
        return CareMonth([], 0, 0, 0, False)
    monthly = month_rows(db, flt, days)
    total, minutes, units = db.execute(
        select(func.count(), func.coalesce(func.sum(monthly.c.minutes), 0), func.coalesce(func.sum(monthly.c.units), 0))
    ).one()
    rows = db.execute(select(monthly).order_by(monthly.c.child_id).offset(offset).limit(limit)).all()
    return CareMonth(list(rows), int(total), int(minutes), int(units), True)


def care_days(db: Session, flt: CareFilter, *, child_id: int | None) -> list[Any]:
    days = day_hours(db, nursery=db.get_one(Nursery, flt.nursery_id), month=flt.month)
    if not days:
        return []
    daily = day_select(db, flt, days).subquery("daily")
    stmt = select(daily)
    if child_id is not None:
        stmt = stmt.where(daily.c.child_id == child_id)
    return list(db.execute(stmt.order_by(daily.c.day, daily.c.child_id)).all())


def moment_of(epoch_seconds: float | None) -> datetime | None:
    """To the second: SQLite's are floats."""
    return None if epoch_seconds is None else datetime.fromtimestamp(round(float(epoch_seconds)), UTC)


CSV_COLUMNS = (
    field("対象月", "month"),
    field("園児ID", "child_id"),
    field("園児名", "child_name"),
    field("クラス", "class_name"),
    field("延長保育日数", "days"),
    field(labels.CARE_MINUTES_COLUMN, "minutes"),
    field(labels.CARE_UNITS_COLUMN, "units"),
)


def care_export(db: Session, flt: CareFilter) -> ListExport:
    """For accounting."""
    days = day_hours(db, nursery=db.get_one(Nursery, flt.nursery_id), month=flt.month)
    if not days:
        days = [DayHours(flt.month, datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC), 1)]
    monthly = month_rows(db, flt, days)
    return ListExport(select(monthly), (monthly.c.child_id,), CSV_COLUMNS)
