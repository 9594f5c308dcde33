"""Request and response bodies of on call (§2.3.1)."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from service.fields import rules
from service.reservations.kinds import OnCallPeriod
from service.reservations.models import OnCallMember, OnCallOverride
from service.reservations.schemas import Phone, Strict
from service.schemas import IsoDate

ONCALL_MEMBERS_MAX = 50


class OnCallMemberIn(Strict):
    user_id: int
    phone: Phone
    slack_user_id: Annotated[str, rules(OnCallMember.slack_user_id)] = ""


class OnCallRotationIn(Strict):
    """The whole rotation: its unit, its first shift's day and its members in order (the first takes that shift)."""

    period: OnCallPeriod
    starts_on: IsoDate
    members: Annotated[list[OnCallMemberIn], Field(min_length=1, max_length=ONCALL_MEMBERS_MAX)]


class OnCallOverrideCreate(Strict):
    user_id: int
    start_date: IsoDate
    end_date: IsoDate
    note: Annotated[str, rules(OnCallOverride.note)] = ""


class OnCallMemberRead(BaseModel):
    user_id: int
    name: str
    phone: str
    slack_user_id: str


class OnCallRotationRead(BaseModel):
    period: str
    period_label: str
    starts_on: date
    updated_at: datetime
    members: list[OnCallMemberRead]


class OnCallOverrideRead(BaseModel):
    id: int
    user_id: int
    name: str
    start_date: date
    end_date: date
    note: str
    created_by: str
    created_at: datetime


class OnDutyRead(BaseModel):
    """Who is on duty at a moment (none without a rotation), and whether the team works then."""

    at: datetime
    shift_day: date
    business_hours: bool
    hours_label: str
    holiday_name: str | None
    user_id: int | None
    name: str | None
    phone: str | None
    source: str | None
    source_label: str | None


class OnCallShiftRead(BaseModel):
    shift_day: date
    working_day: bool
    holiday_name: str | None
    day_label: str  # 営業日, the holiday's name, or 休日
    user_id: int
    name: str
    phone: str
    source: str
    source_label: str


class OnCallHolidayRead(OnCallShiftRead):
    override_note: str  # the covering override's note; empty for the rotation's
    registered_by: str  # who registered the covering override, by name; empty for the rotation's


class OnCallSchedule(BaseModel):
    rotation: OnCallRotationRead | None
    overrides: list[OnCallOverrideRead]
    now: OnDutyRead
    upcoming: list[OnCallShiftRead]
    holidays: list[OnCallHolidayRead]  # the public holidays' shifts of the next 92 days
    business_hours: str
    handoff: str
