"""Bodies of the quiet times: a customer's business hours and recurring maintenance windows."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from service.fields import bounds, facts, rules
from service.fleet import labels
from service.fleet.kinds import Recurrence
from service.fleet.models import MaintenanceWindow
from service.fleet.schemas import Labelled, required
from service.schemas import IsoDate, JapanTime, LocalTime

Weekday = Annotated[int, Field(ge=0, le=6)]  # 0 = Monday … 6 = Sunday


class BusinessHoursIn(BaseModel):
    """営業時間 (Japan time): both times or neither (open all day); closing before opening runs past midnight."""

    opens_at: LocalTime | None = None
    closes_at: LocalTime | None = None
    closed_weekdays: list[Weekday] = Field(default_factory=list, max_length=7)


class MaintenanceWindowIn(BaseModel):
    customer_id: int
    store_name: Annotated[str, rules(MaintenanceWindow.store_name)] = ""
    recurrence: Recurrence
    weekday: Weekday | None = None
    start_time: LocalTime
    duration_minutes: Annotated[int, bounds(MaintenanceWindow.duration_minutes)]
    until: IsoDate
    reason: Annotated[str, required(facts(MaintenanceWindow.reason).label), rules(MaintenanceWindow.reason)]


class MaintenanceWindowRead(Labelled):
    LABELS = {"recurrence": labels.RECURRENCES}

    id: int
    customer_id: int
    store_name: str
    recurrence: str
    recurrence_label: str = ""
    weekday: int | None
    start_time: JapanTime
    duration_minutes: int
    until: date
    reason: str
    created_by: str
    created_at: datetime
