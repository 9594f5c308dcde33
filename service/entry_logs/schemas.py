"""Request and response bodies; JSON names are camelCase as in the spec's appendix A."""

import math
import re
import time
import unicodedata
from datetime import date, datetime
from datetime import time as clock_time
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from service.entry_logs.labels import (
    ABSENT_WITH_LOGS_MARK,
    ATTENDANCE_LABELS,
    AUDIT,
    BAD_HOUR_MINUTE,
    DECIDED_BY,
    ENTRY_MODES,
    ENTRY_TYPE_LABELS,
    LATE_MARK,
    MANUAL_MARK,
    MISSING_EXIT_MARK,
    PERSON_KINDS,
    PIN_RULE,
    ROSTER_COLUMNS,
)
from service.entry_logs.models import Attendance, Child, Nursery, Parent, PickupRule
from service.fields import FieldWords, length, rules, vocabulary
from service.figures import FigureRead
from service.identity.schemas import DeviceToken
from service.schemas import SingleLine, coded, matching

EntryType = Literal["Entry", "Exit"]
EntryMode = Literal["auto", "manual"]
DecidedBy = Literal["presence", "toggle", "staff"]
AttendanceStatus = Literal["present", "absent"]
AttendanceShown = Literal["present", "absent", "unrecorded"]  # the attendance list's filter: a status, or none


def utc_seconds(moment: datetime) -> str:
    """UTC, whole seconds, "Z"."""
    return _utc_seconds_text(math.floor(moment.timestamp()))


@lru_cache(maxsize=256)
def _utc_seconds_text(epoch_seconds: int) -> str:
    """Formatted once per second: formatting costs more than the rest of a heartbeat's answer."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


UtcSeconds = Annotated[datetime, PlainSerializer(utc_seconds, return_type=str)]

# Also served to the dashboards by GET /entry-logs/vocabulary; lengths and patterns are the columns'.
NAME_MAX = length(Parent.name)
PHONE_MAX = length(Parent.phone)
CLASS_NAME_MAX = length(Child.class_name)
NURSERY_CODE_MAX = length(Nursery.code)
PASSWORD_MIN, PASSWORD_MAX = 8, 72
NOTE_MAX = length(Attendance.note)
PARENTS_MAX = 10  # parents named on one child
NO_CONTROL_CHARACTERS = matching(r"^[^\x00-\x1f\x7f]*$", "制御文字を含まない文字")
HOUR_MINUTE_PATTERN = matching(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "時刻（HH:MM、00:00〜23:59）")

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX, pattern=NO_CONTROL_CHARACTERS),
    SingleLine,
]
Phone = Annotated[str, rules(Parent.phone)]
ClassName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=CLASS_NAME_MAX, pattern=NO_CONTROL_CHARACTERS), SingleLine
]
NurseryCode = Annotated[
    str,
    rules(Nursery.code),
]
EntryExitPassword = Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX), SingleLine]
Token = Annotated[str, coded(r"^[\x21-\x7e]+$", "空白を含まない半角英数字・記号", min_length=1, max_length=64)]
STATION_PIN_MIN, STATION_PIN_MAX = 4, 8
STATION_PIN_PATTERN = rf"^[0-9]{{{STATION_PIN_MIN},{STATION_PIN_MAX}}}$"
StationPin = Annotated[str, coded(STATION_PIN_PATTERN, PIN_RULE.format(least=STATION_PIN_MIN, most=STATION_PIN_MAX))]
KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def hiragana(text: str) -> str:
    """NFKC (half-width kana), katakana as hiragana, blanks as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(KATAKANA_TO_HIRAGANA).split())


NameKana = Annotated[str, BeforeValidator(lambda value: hiragana(value) if isinstance(value, str) else value)]
ParentKana = Annotated[NameKana, rules(Parent.name_kana)]
ChildKana = Annotated[NameKana, rules(Child.name_kana)]


def _hour_minute(value: Any) -> Any:
    """HH:MM: no seconds, no zone, no number."""
    if isinstance(value, clock_time) or (isinstance(value, str) and re.fullmatch(HOUR_MINUTE_PATTERN, value)):
        return value
    raise PydanticCustomError("hour_minute", BAD_HOUR_MINUTE)


HourMinute = Annotated[
    clock_time,
    BeforeValidator(_hour_minute),
    PlainSerializer(lambda at: at.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": HOUR_MINUTE_PATTERN}),
]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


# Scan station ------------------------------------------------------------------------------------


class EntryExitLoginIn(CamelModel):
    nursery_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), SingleLine]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200), SingleLine]
    station_id: Token | None = Field(default=None, description="the station's own id, shown where it can be signed out")
    device_token: DeviceToken | None = None


class EntryExitLoginOut(CamelModel):
    token: str
    nursery_id: int
    nursery_name: str
    expires_at: UtcSeconds
    device_token: str = Field(description="kept by the station for its next login (a known station passes a lock)")
    entry_mode: EntryMode = Field(
        description="auto: each scan is recorded as the opposite of the person's state today; manual: as the button"
    )


class HeartbeatOut(CamelModel):
    token: str
    expires_at: UtcSeconds


class ScanIn(CamelModel):
    """A scan; parentId is the scanned text or a number, checked as 1-10 ASCII digits by the service."""

    parent_id: StrictInt | StrictStr
    entry_type: EntryType
    nursery_id: StrictInt | None = None
    client_scan_id: Token | None = None
    station_id: Token | None = None
    scanned_at: datetime | None = Field(
        default=None, description="when the scan happened, by the station's clock (queued offline scans); default now"
    )
    sent_at: datetime | None = Field(
        default=None,
        description="the station's clock when this request is sent: the scan is recorded (sentAt - scannedAt) before "
        "the service's now, so a station's clock that is off misfiles nothing",
    )


class ScanOut(CamelModel):
    id: int
    parent_id: int
    parent_name: str
    nursery_id: int
    entry_type: EntryType
    timestamp: UtcSeconds
    child_names: list[str] = Field(description="the parent's children expected on the scan's day (欠席 left out)")
    duplicate: bool = Field(description="true when nothing new was written: a replayed clientScanId or a double scan")
    client_scan_id: str | None = Field(
        default=None,
        description="the returned log's clientScanId: the request's own for its own (replayed) write; "
        "another scan's, or null, for a double scan",
    )
    decided_by: DecidedBy = Field(
        description="what decided the log's entryType: presence (自動: the opposite of the person's state today, "
        "whatever entryType was sent), toggle (the station's button), staff (recorded by hand)"
    )
    refused_children: list[str] = Field(
        default_factory=list,
        description="an exit by someone who may not collect these children, expected today (stored all the same)",
    )
    pickup_warning: str | None = Field(
        default=None, description="the red warning the station shows for refusedChildren (null: none)"
    )
    photo_version: int | None = Field(
        default=None, description="the adult has a photo: GET /entry-exit-logs/parents/{parentId}/photo (null: none)"
    )


# Log list ----------------------------------------------------------------------------------------


class LogRead(CamelModel):
    id: int
    parent_id: int
    parent_name: str
    nursery_id: int
    nursery_name: str
    entry_type: EntryType
    timestamp: UtcSeconds
    child_names: list[str]
    station_id: str | None
    received_at: UtcSeconds = Field(description="when the service stored it")
    station_time: UtcSeconds | None = Field(
        description="the station's own clock reading of the scan, where it was off by more than a minute"
    )
    recorded_by: str | None = Field(description="the staff member who recorded it by hand (no station)")
    manual_reason: str | None = Field(description="why it was recorded by hand (再登録)")
    late: bool = Field(description="stored well after it happened (a scan queued offline): APP_ENTRY_LOGS_LATE_MINUTES")


class LogPage(CamelModel):
    logs: list[LogRead]
    total_count: int
    page: int
    page_size: int


# Attendance --------------------------------------------------------------------------------------


class AttendanceRecord(CamelModel):
    date: date
    status: AttendanceStatus
    status_label: str
    note: str


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


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX), SingleLine]
OccurredAt = Annotated[datetime, Field(description="when it happened, with its zone (e.g. 2026-01-14T08:05:00+09:00)")]


class ManualLogIn(CamelModel):
    """再登録: an entry or exit a scan missed, at its real time, with the reason (required)."""

    entry_type: EntryType
    occurred_at: OccurredAt
    reason: Reason


class ExitIn(CamelModel):
    """退出を記録: when the parent left (today, not before their entry; default now) and, optionally, why."""

    occurred_at: OccurredAt | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX), SingleLine] = ""


# Pick-up safety ---------------------------------------------------------------------------------------------------

PickupKind = Literal["guardian", "restricted", "one_day"]


class Collector(CamelModel):
    """An adult in a child's pick-up list: a guardian (restricted or not) or a 「本日のみ」 person."""

    parent_id: int
    name: str
    relation: str
    kind: PickupKind
    kind_label: str = ""
    pass_date: date | None
    note: str
    has_photo: bool


class ChildPickup(CamelModel):
    child_id: int
    child_name: str
    collectors: list[Collector]


class RestrictionIn(CamelModel):
    note: Annotated[str, rules(PickupRule.note)] = Field("", description="why (a court order, the family's request)")


class PassCreate(CamelModel):
    """A 「本日のみ」 person: who, who they are to the child, the one date, and the children they may collect."""

    name: Name
    name_kana: ParentKana = ""
    relation: Annotated[str, rules(Parent.relation)] = ""
    date: date
    child_ids: Annotated[list[StrictInt], Field(min_length=1, max_length=10)]


class PassRead(CamelModel):
    parent_id: int
    nursery_id: int
    name: str
    name_kana: str
    relation: str
    pass_date: date | None = Field(description="the one day they may collect; null once revoked")
    child_names: list[str]
    url: str | None = Field(description="their phone barcode page")


class PickupAlertRead(CamelModel):
    id: int
    log_id: int
    parent_id: int
    parent_name: str
    child_names: str
    warning: str
    created_at: UtcSeconds


# 延長保育 ----------------------------------------------------------------------------------------------------------


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


# Nurseries, parents, children ------------------------------------------------------------------


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


# 「カードを忘れた方」 at the station --------------------------------------------------------------------------------


class UnlockIn(CamelModel):
    """The nursery's PIN, and who unlocks (named on the logs they record)."""

    pin: Annotated[str, StringConstraints(min_length=1, max_length=20), SingleLine]
    staff_name: Name


class UnlockOut(CamelModel):
    token: str = Field(description="the Bearer token of the lookup and its records, until expiresAt")
    expires_at: UtcSeconds


class ForgottenCardPerson(CamelModel):
    parent_id: int
    name: str
    name_kana: str
    kind: Literal["parent", "pass"]
    kind_label: str
    relation: str
    phone_last4: str = Field(description="the last 4 digits of the phone (empty: none)")
    child_names: list[str]
    inside: bool = Field(description="their latest log today is an entry")


class ForgottenCardPeople(CamelModel):
    people: list[ForgottenCardPerson] = Field(description="at most 10")
    more: bool = Field(description="more match: a longer search narrows them")


class ForgottenCardIn(CamelModel):
    """An entry or exit recorded by staff at the station, now, with why."""

    parent_id: StrictInt
    entry_type: EntryType
    reason: Reason


class StationSessionRead(CamelModel):
    """A signed-in scan station of the nursery."""

    id: int
    station_id: str
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
    status: Literal["queued", "running", "done", "failed"]
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


# Live views and aggregates -----------------------------------------------------------------------


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


class HeatmapCell(CamelModel):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday, in the service's time zone")
    hour: int
    count: int


class Heatmap(CamelModel):
    nursery_id: int
    timezone: str
    total: int
    cells: list[HeatmapCell]


# The dashboards' wording and form rules ----------------------------------------------------------


class FormRules(CamelModel):
    """The limits and patterns (Python regular expressions) the API checks, for the forms to check first.

    note_max bounds an attendance note and a deletion reason; parents_max the parents named on one child.
    """

    name_max: int = NAME_MAX
    phone_max: int = PHONE_MAX
    class_name_max: int = CLASS_NAME_MAX
    nursery_code_max: int = NURSERY_CODE_MAX
    password_min: int = PASSWORD_MIN
    password_max: int = PASSWORD_MAX
    note_max: int = NOTE_MAX
    parents_max: int = PARENTS_MAX
    no_control_characters: str = NO_CONTROL_CHARACTERS
    hour_minute_pattern: str = HOUR_MINUTE_PATTERN
    station_pin_min: int = STATION_PIN_MIN
    station_pin_max: int = STATION_PIN_MAX
    station_pin_pattern: str = STATION_PIN_PATTERN


class EntryLogsVocabulary(CamelModel):
    """The wording tables of labels.py (code -> Japanese label, in display order) and the form rules."""

    entry_types: dict[str, str] = ENTRY_TYPE_LABELS
    entry_modes: dict[str, str] = ENTRY_MODES
    decided_by: dict[str, str] = DECIDED_BY
    person_kinds: dict[str, str] = PERSON_KINDS
    attendance_statuses: dict[str, str] = ATTENDANCE_LABELS
    roster_columns: dict[str, str] = ROSTER_COLUMNS
    late_mark: str = Field(default=LATE_MARK, description="shown with a log stored well after it happened")
    missing_exit_mark: str = Field(
        default=MISSING_EXIT_MARK, description="shown with a parent still inside after the closing time"
    )
    manual_mark: str = Field(default=MANUAL_MARK, description="shown with a log staff recorded by hand")
    absent_with_logs_mark: str = Field(
        default=ABSENT_WITH_LOGS_MARK, description="shown by the times of a child registered 欠席 whose parent scanned"
    )
    rules: FormRules = Field(default_factory=FormRules)
    fields: dict[str, dict[str, FieldWords]] = Field(
        default_factory=lambda: vocabulary(AUDIT.tables),
        description="each table's fields as the forms show and check them: label, length, choices, pattern in words",
    )
