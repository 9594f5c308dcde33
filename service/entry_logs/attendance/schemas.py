"""The attendance page's bodies, 園内にいる保護者 and 退出を記録."""

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from service.audit.schemas import AuditEntryRead
from service.entry_logs.kinds import AttendanceStatus, EntryType
from service.entry_logs.models import Attendance
from service.entry_logs.schemas import NOTE_MAX, CamelModel, HourMinute, OccurredAt, UtcSeconds
from service.fields import rules
from service.figures import FigureRead
from service.schemas import SingleLine


class AttendanceRecord(CamelModel):
    date: date
    status: AttendanceStatus
    status_label: str
    note: str
    from_door: bool = Field(
        default=False, description="出席 because a parent's 入 was scanned that day, with no record by staff"
    )


class DayLog(CamelModel):
    log_id: int
    entry_type: EntryType
    timestamp: UtcSeconds
    parent_id: int
    parent_name: str
    recorded_by: str | None = Field(default=None, description="the staff member who recorded it by hand (手入力)")
    manual_reason: str | None = Field(default=None, description="why it was recorded by hand")


class ChildAttendance(CamelModel):
    child_id: int
    child_name: str
    class_name: str
    attendances: list[AttendanceRecord]
    entry_exit_logs: list[DayLog] = Field(description="up to 5 of the day's records, oldest first")
    entry_exit_log_count: int
    latest_entry: DayLog | None
    latest_exit: DayLog | None
    absent_with_logs: bool = Field(
        description="欠席 is registered, yet a parent of the child came or went that day (欠席登録あり by the times)"
    )


class AttendanceDay(CamelModel):
    date: date
    nursery_id: int
    nursery_name: str
    children: list[ChildAttendance]
    figures: list[FigureRead] = Field(
        description="the day's children by 出席状態 and those with none recorded (as GET /entry-logs/figures)"
    )


class AttendanceUpdate(CamelModel):
    status: AttendanceStatus
    note: Annotated[str, rules(Attendance.note)] = ""


class ExitIn(CamelModel):
    """退出を記録: when the parent left (today, not before their entry; default now) and, optionally, why."""

    occurred_at: OccurredAt | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX), SingleLine] = ""


class PresentParent(CamelModel):
    parent_id: int
    parent_name: str
    entered_at: UtcSeconds
    child_names: list[str]
    missing_exit: bool = Field(description="still inside after today's closing time (退出記録なし)")


class PresentParents(CamelModel):
    """園内にいる保護者, and the nursery's closing time for the page to say whether it has passed."""

    closing_time: HourMinute | None = Field(description="the nursery's closing time (local HH:MM), or null")
    closing_time_passed: bool = Field(description="today's closing time has passed (false without one)")
    parents: list[PresentParent]


class MonthDayRead(CamelModel):
    date: date
    status: AttendanceStatus | None = Field(description="as the day's attendance list shows it; null: 未記録")
    status_label: str | None
    from_door: bool = Field(description="出席 by a parent's 入 that day, with no record by staff")
    first_in: UtcSeconds | None = Field(description="the day's first 入 of those who may collect the child")
    last_out: UtcSeconds | None = Field(description="the day's last 出")
    minutes: int | None = Field(description="from the first 入 to the last 出, on a day attended with both")
    shown: str = Field(description="the day's cell in the 出欠表 and its Excel: h:mm, 出 or 欠")


class MonthChildRead(CamelModel):
    child_id: int
    child_name: str
    class_name: str
    present_days: int
    absent_days: int
    minutes: int = Field(description="the month's minutes from 入 to 出 on the days attended")
    hours: str = Field(description="the minutes as h:mm")
    days: list[MonthDayRead] = Field(description="the days with a record or a log, in order")


class AttendanceMonthRead(CamelModel):
    month: str = Field(description="YYYY-MM")
    nursery_id: int
    nursery_name: str
    days: list[date]
    headers: list[str] = Field(
        description="the 出欠表's columns as its Excel heads them: class, name, each day (1(月)), the totals"
    )
    legend: str = Field(description="what a day's cell says")
    children: list[MonthChildRead]


class CorrectionRead(CamelModel):
    """An audit entry of staff's attendance record for a child's day: who, when, and the record before and after."""

    child_id: int
    child_name: str
    date: date
    entry: AuditEntryRead
