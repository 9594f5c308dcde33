"""The roster's bodies: nurseries and their stations, parents, children, card jobs, roster imports."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictInt, StringConstraints

from service.entry_logs.kinds import EntryMode, RosterImportStatus
from service.entry_logs.labels import PIN_RULE
from service.entry_logs.models import Nursery, StationName
from service.entry_logs.schemas import (
    PARENTS_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    STATION_PIN_MAX,
    STATION_PIN_MIN,
    STATION_PIN_PATTERN,
    CamelModel,
    ChildKana,
    ClassName,
    HourMinute,
    Name,
    ParentKana,
    Phone,
    UtcSeconds,
)
from service.fields import rules
from service.schemas import SingleLine, coded

NurseryCode = Annotated[str, rules(Nursery.code)]
EntryExitPassword = Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX), SingleLine]
StationPin = Annotated[str, coded(STATION_PIN_PATTERN, PIN_RULE.format(least=STATION_PIN_MIN, most=STATION_PIN_MAX))]


class NurseryCreate(CamelModel):
    code: NurseryCode
    name: Name
    entry_exit_password: EntryExitPassword | None = None


class NurseryUpdate(CamelModel):
    name: Name | None = None
    closing_time: HourMinute | None = Field(
        default=None, description="the nursery's closing time, local HH:MM; null clears it (left out: kept)"
    )
    entry_mode: EntryMode | None = Field(default=None, description="how the stations' scans get their 入/出")


class NurseryRead(CamelModel):
    id: int
    code: str
    name: str
    entry_exit_enabled: bool
    closing_time: HourMinute | None = Field(description="the nursery's closing time (local HH:MM), or null")
    entry_mode: EntryMode = Field(description="auto (自動, the default) or manual (手動)")
    station_pin_set: bool = Field(description="staff can unlock the stations' 「カードを忘れた方」 with the PIN")
    created_at: UtcSeconds


class PasswordIn(CamelModel):
    password: EntryExitPassword


class StationPinIn(CamelModel):
    pin: StationPin


class StationNameIn(CamelModel):
    name: Annotated[str, rules(StationName.name)]


class StationSessionRead(CamelModel):
    """A signed-in scan station of the nursery."""

    id: int
    station_id: str
    station_name: str | None = Field(default=None, description="the name staff gave the station (null: none yet)")
    client_address: str
    signed_in_at: UtcSeconds
    last_seen_at: UtcSeconds


class ChildBrief(CamelModel):
    id: int
    name: str
    class_name: str


class ParentBrief(CamelModel):
    id: int
    name: str


class ParentCreate(CamelModel):
    nursery_id: StrictInt
    name: Name
    name_kana: ParentKana = ""
    phone: Phone = ""


class ParentUpdate(CamelModel):
    name: Name | None = None
    name_kana: ParentKana | None = None
    phone: Phone | None = None


class ParentRead(CamelModel):
    id: int
    nursery_id: int
    name: str
    name_kana: str
    phone: str
    children: list[ChildBrief]
    photo_version: int = Field(0, description="0: no photo")


ParentIds = Annotated[list[StrictInt], Field(max_length=PARENTS_MAX)]


class ChildCreate(CamelModel):
    nursery_id: StrictInt
    name: Name
    name_kana: ChildKana = ""
    class_name: ClassName = ""
    parent_ids: ParentIds = Field(default_factory=list)


class ChildUpdate(CamelModel):
    name: Name | None = None
    name_kana: ChildKana | None = None
    class_name: ClassName | None = None
    parent_ids: ParentIds | None = None


class ChildRead(CamelModel):
    id: int
    nursery_id: int
    name: str
    name_kana: str
    class_name: str
    parents: list[ParentBrief]


class RejectedRow(CamelModel):
    row: int
    reason: str
    # Kept as [column, cell] pairs: JSONB does not keep key order
    values: Annotated[dict[str, str], BeforeValidator(dict)]


class RosterImportRead(CamelModel):
    """A roster CSV imported by a job in batches: how far it got (processedRows of totalRows), what it added."""

    id: int
    nursery_id: int
    filename: str
    status: RosterImportStatus
    status_label: str = ""
    total_rows: int
    processed_rows: int
    parents_created: int
    children_created: int
    links_created: int
    rejected_rows: int
    rejected: list[RejectedRow] = Field(description="the first 1,000 rejected rows, each with its reason")
    error: str
    created_at: datetime
    finished_at: datetime | None


class CardsIn(CamelModel):
    class_name: ClassName = Field("", description="one class's parents; empty: every parent of the nursery")


class CardJobRead(CamelModel):
    """A barcode card PDF the worker makes: how far it got, and its file once ready (kept until expiresAt)."""

    id: int
    status: Literal["queued", "running", "ready", "failed"]
    status_label: str = ""
    class_name: str = ""
    file_name: str
    pages_done: int
    pages_total: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime
