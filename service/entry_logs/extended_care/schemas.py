"""延長保育's bodies: the nursery's hours and the month's extended care."""

from datetime import date
from typing import Annotated

from pydantic import Field

from service.entry_logs.schemas import CamelModel, HourMinute, UtcSeconds


class CareHoursIn(CamelModel):
    """Standard hours and the extended-care unit from a date (this month or later) on."""

    effective_from: date
    opening_time: HourMinute
    closing_time: HourMinute
    unit_minutes: Annotated[int, Field(ge=1, le=240)]


class CareHoursRead(CareHoursIn):
    id: int


class CareChild(CamelModel):
    """A child's extended care in the month: days, minutes and units."""

    month: str
    child_id: int
    child_name: str
    class_name: str
    days: int
    minutes: int
    units: int


class CarePage(CamelModel):
    items: list[CareChild]
    total: int
    page: int
    page_size: int
    has_hours: bool = Field(description="false: the nursery has no hours for the month, so no extended care")


class CareDay(CamelModel):
    child_id: int
    child_name: str
    class_name: str
    day: date
    first_entry: UtcSeconds | None
    last_exit: UtcSeconds | None
    minutes_before: int
    minutes_after: int
    minutes: int
    units: int
