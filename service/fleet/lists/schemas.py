"""Bodies of the lists' bulk work and saved views."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from service.fields import rules
from service.fleet import labels
from service.fleet.alerting.schemas import ResolutionNote
from service.fleet.kinds import AlertBulkAction, TerminalBulkAction, ViewPage
from service.fleet.models import SavedView
from service.fleet.registry.schemas import TerminalFilter
from service.fleet.schemas import DiagnosticLines
from service.schemas import SingleLine

BulkIds = Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=labels.BULK_MAX)]


class TerminalBulkIn(BaseModel):
    """One action on many terminals (labels.TERMINAL_BULK_ACTIONS): the chosen `ids`, or every terminal the list's
    `filter` selects (「条件に合う全件」, at most labels.BULK_ALL_MAX), then `expected` is the count the person was
    shown and confirmed (another count is refused); max_lines for 診断ログ取得."""

    ids: BulkIds | None = None
    filter: TerminalFilter | None = None
    expected: Annotated[int, Field(ge=1)] | None = None
    action: TerminalBulkAction
    max_lines: DiagnosticLines = labels.DIAGNOSTIC_LINES["default"]

    @model_validator(mode="after")
    def _one_choice(self) -> "TerminalBulkIn":
        if (self.ids is None) == (self.filter is None):
            raise PydanticCustomError("bulk_choice", labels.BULK_CHOICE)
        return self


class AlertBulkIn(BaseModel):
    """One action on many alerts or incidents (labels.ALERT_BULK_ACTIONS): assignee_id for 担当者 (null: none), the
    same note (an incident's resolution) for each on 解決."""

    ids: BulkIds
    action: AlertBulkAction
    assignee_id: int | None = None
    note: ResolutionNote = ""  # an incident's resolution: the same length (models.NOTE_MAX)


IncidentBulkIn = AlertBulkIn


class BulkResult(BaseModel):
    action: str
    count: int
    ids: list[int]


ViewName = Annotated[str, rules(SavedView.name)]
FilterKey = Annotated[str, StringConstraints(min_length=1, max_length=40), SingleLine]
FilterText = Annotated[str, StringConstraints(max_length=200), SingleLine]


class SavedViewCreate(BaseModel):
    """A list's filters saved by name (保存したビュー): the page's own filter names and values."""

    page: ViewPage
    name: ViewName
    filters: Annotated[dict[FilterKey, StrictBool | int | FilterText | None], Field(max_length=20)]


class SavedViewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    page: str
    name: str
    filters: dict[str, Any]
    created_at: datetime
