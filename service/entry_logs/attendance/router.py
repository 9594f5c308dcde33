"""Attendance (§3.5): the day's children with their 出席状態 and their parents' times; 園内にいる保護者 and the
staff's 退出を記録 after the closing time."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from service import exports
from service.audit import vocabulary as audit_words
from service.database import utcnow
from service.deps import DbSession
from service.entry_logs import insights, labels
from service.entry_logs.attendance import closing
from service.entry_logs.attendance import month as monthly
from service.entry_logs.attendance import service as attendance
from service.entry_logs.attendance.figures import attendance_figures
from service.entry_logs.attendance.schemas import (
    AttendanceDay,
    AttendanceMonthRead,
    AttendanceRecord,
    AttendanceUpdate,
    ChildAttendance,
    CorrectionRead,
    DayLog,
    ExitIn,
    MonthChildRead,
    MonthDayRead,
    PresentParent,
    PresentParents,
)
from service.entry_logs.dependencies import NurseryParent, PathChild, PathNursery, QueryNursery, StaffCaller
from service.entry_logs.kinds import AttendanceShown
from service.entry_logs.lookups import closing_passed, local_today, parse_month
from service.entry_logs.models import Child
from service.openapi import declares
from service.pagination import Page, Paging, page_of
from service.schemas import IsoDate, SingleLine

router = APIRouter(tags=["entry_logs"])
ClassName = Annotated[str | None, Query(alias="className", max_length=50), SingleLine]
Month = Annotated[str | None, Query(description="YYYY-MM (default: this month, Japan time)", max_length=7), SingleLine]


def _day_log(log: attendance.DayLog | None) -> DayLog | None:
    return None if log is None else DayLog.model_validate(log)


def _child_attendance(day: attendance.ChildDay, on: date) -> ChildAttendance:
    record = day.attendance
    records = (
        []
        if day.status is None
        else [
            AttendanceRecord(
                date=on,
                status=day.status,
                status_label=labels.ATTENDANCE_LABELS[day.status],
                note=record.note if record else "",
                from_door=day.from_door,
            )
        ]
    )
    return ChildAttendance(
        child_id=day.child.id,
        child_name=day.child.name,
        class_name=day.child.class_name,
        attendances=records,
        entry_exit_logs=[DayLog.model_validate(log) for log in day.logs],
        entry_exit_log_count=day.log_count,
        latest_entry=_day_log(day.latest_entry),
        latest_exit=_day_log(day.latest_exit),
        absent_with_logs=day.absent_with_logs,
    )


@router.get("/attendance", response_model=AttendanceDay)
def attendance_page(
    nursery: QueryNursery,
    db: DbSession,
    day: Annotated[IsoDate | None, Query(alias="date")] = None,
    class_name: ClassName = None,
    status: Annotated[AttendanceShown | None, Query(description="the day's 出席, 欠席 or 未記録 only")] = None,
) -> AttendanceDay:
    """Children with their attendance and the day's entry/exit logs (spec §3.5.3), and the day's figures by 出席状態
    (the cards over the table)."""
    now = utcnow()
    day = day or local_today(now)
    rows = attendance.attendance_day(db, nursery=nursery, day=day, class_name=class_name, status=status)
    return AttendanceDay(
        date=day,
        nursery_id=nursery.id,
        nursery_name=nursery.name,
        children=[_child_attendance(r, day) for r in rows],
        figures=attendance_figures(db, nursery=nursery, day=day, class_name=class_name or None, now=now),
    )


def month_of(
    nursery: QueryNursery, db: DbSession, month: Month = None, class_name: ClassName = None
) -> monthly.AttendanceMonth:
    chosen = parse_month(month, utcnow())
    return monthly.attendance_month(db, nursery=nursery, month=chosen, class_name=class_name or None)


MonthShown = Annotated[monthly.AttendanceMonth, Depends(month_of)]


def _month_day(day: monthly.MonthDay) -> MonthDayRead:
    return MonthDayRead(
        date=day.day,
        status=day.status,
        status_label=labels.ATTENDANCE_LABELS.get(day.status or ""),
        from_door=day.from_door,
        first_in=day.first_in,
        last_out=day.last_out,
        minutes=day.minutes,
        shown=monthly.day_cell(day),
    )


def _month_child(child: monthly.MonthChild) -> MonthChildRead:
    return MonthChildRead(
        child_id=child.child_id,
        child_name=child.child_name,
        class_name=child.class_name,
        present_days=child.present_days,
        absent_days=child.absent_days,
        minutes=child.minutes,
        hours=monthly.hours_text(child.minutes),
        days=[_month_day(child.days[day]) for day in sorted(child.days)],
    )


@router.get("/entry-logs/attendance-month", response_model=AttendanceMonthRead)
def attendance_month(found: MonthShown) -> AttendanceMonthRead:
    """出欠表 for a month: each child's days (as the day's list shows them) and hours from 入 to 出, with the month's
    totals."""
    return AttendanceMonthRead(
        month=f"{found.month:%Y-%m}",
        nursery_id=found.nursery.id,
        nursery_name=found.nursery.name,
        days=found.days,
        headers=[column.header for column in monthly.month_columns(found.days)],
        legend=labels.MONTH_LEGEND,
        children=[_month_child(child) for child in found.children],
    )


@router.get("/entry-logs/attendance-month/export", **exports.DOWNLOAD)
def export_attendance_month(found: MonthShown) -> exports.Download:
    """The month's 出欠表 for the office and the city: Excel (`format=xlsx`) printed on A4 landscape, one page wide,
    its title and header on every page; or the CSV."""
    name = f"attendance_{found.nursery.id}_{found.month:%Y%m}"
    return exports.download(monthly.month_sheet(found), name, "出欠表")


@router.put("/attendance/{child_id}/{day}", response_model=AttendanceRecord)
def set_attendance(
    child: PathChild, day: IsoDate, body: AttendanceUpdate, caller: StaffCaller, db: DbSession
) -> AttendanceRecord:
    record = attendance.set_attendance(db, child=child, day=day, status=body.status, note=body.note, actor=caller.actor)
    return AttendanceRecord(
        date=day, status=record.status, status_label=labels.ATTENDANCE_LABELS[record.status], note=record.note
    )


@router.delete("/attendance/{child_id}/{day}", status_code=204)
def clear_attendance(child: PathChild, day: IsoDate, caller: StaffCaller, db: DbSession) -> None:
    attendance.clear_attendance(db, child=child, day=day, actor=caller.actor)


@router.get("/entry-logs/nurseries/{nursery_id}/attendance-corrections", response_model=Page[CorrectionRead])
def attendance_corrections(nursery: PathNursery, db: DbSession, paging: Paging) -> Page[CorrectionRead]:
    """監査ログ of the nursery's attendance records by staff (出席状態の記録・消去), newest first, with who made each
    and the record before and after: for its staff and admins (another nursery's is a 404)."""
    entries, total = attendance.corrections(db, nursery=nursery, offset=paging.offset, limit=paging.page_size)
    days = [attendance.corrected_day(entry) for entry in entries]
    names = dict(db.execute(select(Child.id, Child.name).where(Child.id.in_({child for child, _ in days}))).all())
    items = [
        CorrectionRead(child_id=child, child_name=names.get(child, ""), date=day, entry=read)
        for (child, day), read in zip(days, audit_words.entry_reads(db, entries), strict=True)
    ]
    return page_of(items, total, paging)


@router.get("/entry-logs/nurseries/{nursery_id}/present-parents", response_model=PresentParents)
def present_parents(nursery: PathNursery, db: DbSession) -> PresentParents:
    """園内にいる保護者: entered today and not left yet; after the closing time each is missingExit (退出記録なし)."""
    now = utcnow()
    return PresentParents(
        closing_time=nursery.closing_time,
        closing_time_passed=closing_passed(nursery.closing_time, now),
        parents=[PresentParent.model_validate(p) for p in insights.present_parents(db, nursery=nursery, now=now)],
    )


@router.post("/entry-logs/nurseries/{nursery_id}/parents/{parent_id}/exit", response_model=DayLog, status_code=201)
@declares(409)  # the parent is not inside
def record_exit(
    nursery: PathNursery, parent: NurseryParent, caller: StaffCaller, db: DbSession, body: ExitIn | None = None
) -> DayLog:
    """Record by hand that a parent inside left (a forgotten scan), now or at `occurredAt` earlier today (not before
    their entry): an Exit log naming the staff member."""
    given = body or ExitIn()
    log = closing.record_exit(
        db,
        nursery=nursery,
        parent=parent,
        actor=caller.actor,
        now=utcnow(),
        at=given.occurred_at,
        reason=given.reason,
    )
    return DayLog(
        log_id=log.id,
        entry_type=log.entry_type,
        timestamp=log.occurred_at,
        parent_id=parent.id,
        parent_name=parent.name,
        recorded_by=log.recorded_by,
        manual_reason=log.manual_reason,
    )
