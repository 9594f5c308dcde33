"""Response bodies of NORMAL, AUDIT and SUMMARY."""

from datetime import datetime

from pydantic import BaseModel, Field

from service.figures import FigureRead
from service.loaners.returns.schemas import HeldDevice


class NormalRow(BaseModel):
    device_id: int
    location_id: str
    status: str | None
    held_status: str | None
    columns: list[str] = Field(description="the columns this row shows (base + its status's prefix, §2.3.4)")
    values: dict[str, str | None]


class NormalPage(BaseModel):
    columns: list[str] = Field(description="every column a row may show, in order")
    items: list[NormalRow]
    total: int
    page: int
    page_size: int


class AuditRow(BaseModel):
    """One submission of the history: who reported what, when (its device's page is one click away)."""

    submission_id: int
    device_id: int
    submitted_at: datetime
    values: dict[str, str | None]


class AuditPage(BaseModel):
    columns: list[str]
    items: list[AuditRow]
    total: int = Field(description="the submissions the filters choose, counted up to 10,000")
    more: bool = Field(description="more submissions than `total` match (the CSV has them all)")
    page: int
    page_size: int


class SummaryLocationRow(BaseModel):
    location_id: str
    location_name: str
    counts: dict[str, int]
    total: int
    longest_held_days: int | None


class SummaryCard(BaseModel):
    category: str
    held_status: str
    icon: str
    color: str
    rows: list[SummaryLocationRow]
    totals: dict[str, int]
    total: int
    longest: list[HeldDevice]


class SummaryRead(BaseModel):
    jurisdiction: str | None
    device_types: list[str]
    cards: list[SummaryCard] = Field(description="§3.1's four categories; `total` is theirs (預かり機の合計)")
    total: int
    unclassified: SummaryCard = Field(description="未分類: held devices with a blank held status, counted apart")
    unclassified_note: str
    figures: list[FigureRead]
