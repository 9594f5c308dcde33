"""Response bodies of the executive view."""

from datetime import datetime

from pydantic import BaseModel

from service.figures import FigureRead


class MonthRow(BaseModel):
    month: str
    reservations: int
    confirmed: int
    cancelled: int
    cancel_pct: float | None
    revenue: int


class ShareRow(BaseModel):
    id: int
    name: str
    reservations: int
    confirmed: int
    share_pct: float


class MonthToDate(BaseModel):
    """This month's figures up to today (its first `days` days; reservations/figures.py) and the previous month's
    first `previous_days` days (the same figures, by key)."""

    days: int
    previous_days: int
    figures: list[FigureRead]
    previous: dict[str, int]
    cancel_pct: float | None
    previous_cancel_pct: float | None


class ExecutiveSummary(BaseModel):
    months: list[MonthRow]
    services: list[ShareRow]
    shops: list[ShareRow]
    computed_at: datetime | None
    months_label: str  # the charts' period in words: 過去12か月
    month_to_date: MonthToDate
