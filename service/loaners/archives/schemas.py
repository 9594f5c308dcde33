"""Response bodies of the rotation and its archives."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from service.loaners.schemas import ORM


class RotationRead(BaseModel):
    model_config = ORM

    id: int
    status: str
    status_label: str = ""
    cutoff: datetime
    archived_rows: int
    archive_folder: str
    error: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None


class RotationPreview(BaseModel):
    """What a rotation started now would do."""

    cutoff: datetime
    rows: int = Field(description="submissions older than the cutoff that are not their device's current one")
    oldest_at: datetime | None
    due: bool = Field(description="the 4-weekly run would start by itself today")
    running: bool


class ArchiveRead(BaseModel):
    name: str
    run_id: int
    files: int
    size_bytes: int
    written_at: datetime


class ArchivedSubmission(BaseModel):
    id: int
    device_id: int
    management_number: str
    submitted_at: datetime
    submitter_email: str
    status: str | None
    held_status: str | None
    source: str
    answers: dict[str, Any]


class ArchiveSearchRead(BaseModel):
    archive: str
    items: list[ArchivedSubmission]
    scanned_rows: int = Field(description="rows read before the search stopped")
    complete: bool = Field(description="false when the search stopped at its limit before the end of the archive")
