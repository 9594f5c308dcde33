"""Response bodies of the imports."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from service.loaners import labels
from service.loaners.schemas import ORM


class HeldResolution(StrEnum):
    """What a row held as 確認待ち is: a new device (its number registered) or the known device it was near."""

    NEW = "new"
    EXISTING = "existing"

    @property
    def words(self) -> str:
        return labels.HELD_RESOLUTIONS[self]


class HeldRowResolve(BaseModel):
    resolution: HeldResolution = Field(description="new: 新規として登録; existing: 既存を更新 (the device it was near)")


class LoanerImportRead(BaseModel):
    model_config = ORM

    id: int
    form_kind: str
    filename: str
    status: str
    status_label: str = ""
    total_rows: int
    processed_rows: int
    accepted_rows: int
    rejected_rows: int
    created_devices: int
    rejected: list[dict[str, Any]] = Field(
        description="the import's refused rows, each outcome's first 1,000 and every held one: row, management_number, "
        "outcome (+ label), errors; a held one also known_number (the device it was near) and, once a person said, "
        "resolution (+ label)"
    )
    ignored_columns: list[str]
    checked_rows: int = 0
    planned_rows: int = 0
    duplicate_rows: int = 0
    unreadable_rows: int = 0
    outside_rows: int = Field(default=0, description="rows of another 管轄's location (管轄外), not taken")
    held_rows: int = Field(default=0, description="rows whose serial is one edit from a known device's (確認待ち)")
    planned_devices: int = 0
    plan: list[dict[str, Any]] = Field(
        default=[],
        description="the dry run's rows: row, management_number, timestamp, outcome (+ label), new_device, reasons",
    )
    error: str
    jurisdiction: str | None = Field(description="the 管轄 whose locations' devices it imports (None: every 管轄)")
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class ImportListed(BaseModel):
    """A row of the import list: who, when, which file, its rows taken (planned while it is checked), duplicate,
    unreadable, 管轄外 and 確認待ち, its state."""

    id: int
    form_kind: str
    form_label: str
    filename: str
    status: str
    status_label: str
    total_rows: int
    taken_rows: int
    duplicate_rows: int
    unreadable_rows: int
    outside_rows: int
    held_rows: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None
