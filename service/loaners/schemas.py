"""Request and response bodies of the loaners API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints

from service.figures import FigureRead
from service.schemas import MultiLine, Rules, SingleLine, Text, coded

Status = Literal["active", "inactive"]
Kind = Literal["terminal", "printer", "other"]
Category = Literal["Desktop", "Laptop", "Server", "Tablet", "Printer", "Router", "Hub", "Other"]
QuestionType = Literal["text", "textarea", "date", "number", "choice"]
# The patterns the dashboards' forms mirror (served by GET /loaners/vocabulary).
PATTERNS = {
    "location_id": r"^[a-z0-9]{1,20}$",
    "location_code": r"^[A-Z]{1,20}$",
    "model_name": r"^[^\s_\u3000]{1,100}$",  # §2.2.2: no spaces (half or full width), no underscore
    "status_prefix": r"^\d{1,3}$",
}
PATTERN_WORDS = {
    "location_id": "英小文字と数字の1〜20文字",
    "location_code": "英大文字1〜20文字",
    "model_name": "空白と「_」を含まない1〜100文字（語は「-」でつなぎます）",
    "status_prefix": "数字1〜3桁",
}


def pattern_rule(name: str, **constraints: Any) -> Rules:
    """The rules of the vocabulary's pattern `name`, with its words."""
    return coded(PATTERNS[name], PATTERN_WORDS[name], **constraints)


LocationId = Annotated[str, pattern_rule("location_id", strip_whitespace=True)]
LocationCode = Annotated[str, pattern_rule("location_code", strip_whitespace=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Jurisdiction = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), SingleLine]
# §2.2.2: hyphens join the words.
ModelName = Annotated[str, pattern_rule("model_name", strip_whitespace=True)]
Serial = Annotated[str, coded(r"^[A-Za-z0-9-]{1,20}$", "英数字と「-」の1〜20文字", strip_whitespace=True)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), SingleLine]
DataTypeId = Annotated[
    str, coded(r"^[A-Z][A-Z_]{0,29}$", "英大文字で始まる、英大文字と「_」の1〜30文字", strip_whitespace=True)
]
QuestionKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Choice = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Choices = Annotated[list[Choice], Field(max_length=50)]
Position = Annotated[int, Field(ge=0, le=100_000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), SingleLine]
AssetNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), SingleLine]
AnswerValue = Annotated[str, StringConstraints(max_length=2000), MultiLine] | int | float | None

ORM = ConfigDict(from_attributes=True)


# --- masters -------------------------------------------------------------------------------------


class LocationCreate(BaseModel):
    id: LocationId
    code: LocationCode
    name: Name
    jurisdiction: Jurisdiction
    group_email: EmailStr
    notify_status_change: StrictBool = False
    status: Status = "active"


class LocationUpdate(BaseModel):
    code: LocationCode | None = None
    name: Name | None = None
    jurisdiction: Jurisdiction | None = None
    group_email: EmailStr | None = None
    notify_status_change: StrictBool | None = None
    status: Status | None = None


class LocationRead(BaseModel):
    model_config = ORM

    id: str
    code: str
    name: str
    jurisdiction: str
    group_email: str
    notify_status_change: bool
    status: str
    created_at: datetime
    updated_at: datetime


class ModelCreate(BaseModel):
    name: ModelName
    maker: Name
    category: Category
    note: Note = ""


class ModelUpdate(BaseModel):
    name: ModelName | None = None
    maker: Name | None = None
    category: Category | None = None
    note: Note | None = None


class ModelRead(BaseModel):
    model_config = ORM

    id: str
    name: str
    maker: str
    category: str
    category_label: str = ""
    kind: str = ""
    number_section: str
    note: str
    created_at: datetime
    updated_at: datetime


class CategoryRead(BaseModel):
    category: str
    label: str
    number_section: str
    kind: str
    kind_label: str
    device_type: str


class VocabularyRead(BaseModel):
    """The words and rules the pages mirror: labels (code -> Japanese, display order), form keys, messages."""

    kinds: dict[str, str]
    location_statuses: dict[str, str]
    question_types: dict[str, str]
    held_statuses: dict[str, str]
    status_key: str
    held_key: str
    number_column: str
    archived_column: str = Field(description="a history's column marking the rows read back from an archive")
    archived: str = Field(description="its words for such a row")
    return_statuses: list[str] = Field(description="the held statuses 返却待ち follows (返却可能 first)")
    return_due_days: int = Field(description="the weekly 返却待ち digest lists devices this many days in them")
    patterns: dict[str, str]
    messages: dict[str, str]


DataTypeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), SingleLine]
DisplayOrder = Annotated[int, Field(ge=1, le=10_000)]
FilterCondition = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), SingleLine]


class DataTypeCreate(BaseModel):
    id: DataTypeId
    name: DataTypeName
    description: Note = ""
    display_order: DisplayOrder
    filter_condition: FilterCondition = ""
    source_settings: dict[Text, Any] = {}
    display_settings: dict[Text, Any] = {}
    status: Status = "active"


class DataTypeUpdate(BaseModel):
    name: DataTypeName | None = None
    description: Note | None = None
    display_order: DisplayOrder | None = None
    filter_condition: FilterCondition | None = None
    source_settings: dict[Text, Any] | None = None
    display_settings: dict[Text, Any] | None = None
    status: Status | None = None


class DataTypeRead(BaseModel):
    model_config = ORM

    id: str
    name: str
    description: str
    display_order: int
    filter_condition: str
    source_settings: dict[str, Any]
    display_settings: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime


# --- devices -----------------------------------------------------------------------------------


class DeviceCreate(BaseModel):
    location_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), SingleLine]
    model_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), SingleLine]
    serial_number: Serial
    asset_number: AssetNumber = ""
    software: Short = ""
    os: Short = ""
    management_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), SingleLine] | None = (
        Field(None, description="Keep an existing label's number (checked against §4); generated when left out")
    )
    confirm: bool = Field(False, description="Register although a device with this serial number exists (else 409)")


class DeviceUpdate(BaseModel):
    asset_number: AssetNumber | None = None
    software: Short | None = None
    os: Short | None = None


class DeviceRead(BaseModel):
    id: int
    management_number: str
    location_id: str
    location_name: str
    jurisdiction: str
    model_id: str
    model_name: str
    maker: str
    category: str
    kind: str
    kind_label: str
    device_type: str
    serial_number: str
    asset_number: str
    software: str
    os: str
    status: str | None
    held_status: str | None
    held_since: datetime | None
    held_days: int | None
    last_submitted_at: datetime | None
    form_url: str
    created_at: datetime
    updated_at: datetime


class CurrentState(BaseModel):
    submission_id: int
    submitted_at: datetime
    submitter_email: str
    answers: dict[str, str]


class DeviceDetail(DeviceRead):
    current: CurrentState | None
    held_status_since: datetime | None = Field(None, description="when its current 預かり機のステータス began")
    held_status_days: int | None = Field(None, description="whole days in that status (返却可能 for how long)")


# --- forms and submissions ----------------------------------------------------------------------


class QuestionRead(BaseModel):
    model_config = ORM

    id: int
    key: str
    type: str
    choices: list[str]
    required: bool
    status_prefix: str | None
    nested_prefix: str | None
    condition: dict[str, str]
    help_text: str
    position: int
    active: bool


class FormRead(BaseModel):
    kind: str
    kind_label: str
    title: str
    description: str
    status_key: str
    person_key: str = Field(description="the 担当者 question, which the page prefills with the signed-in user")
    nested_keys: dict[str, str] = Field(
        description="status prefix -> the N-0 question whose answer picks the N-X-* ones"
    )
    questions: list[QuestionRead]


class QuestionCreate(BaseModel):
    key: QuestionKey = Field(description='numbered like the spec ("1-6.返却予定日", "3-4-1.…"); the prefix is derived')
    type: QuestionType
    choices: Choices = []
    required: StrictBool = False
    status_prefix: Annotated[str, pattern_rule("status_prefix")] | None = Field(
        None, description="only for an un-numbered key: the status whose number shows it"
    )
    condition: dict[QuestionKey, Choice] = {}
    help_text: Note = ""
    position: Position | None = None


class QuestionUpdate(BaseModel):
    choices: Choices | None = None
    required: StrictBool | None = None
    condition: dict[QuestionKey, Choice] | None = None
    help_text: Note | None = None
    position: Position | None = None
    active: StrictBool | None = None


class DeviceForm(BaseModel):
    """What the status-form page needs: the device chosen, its form, and its current answers to prefill."""

    device: DeviceRead
    form: FormRead
    current: CurrentState | None
    prefill: dict[str, str]
    visible_keys: list[str]


class SubmissionIn(BaseModel):
    answers: Annotated[dict[QuestionKey, AnswerValue], Field(max_length=200)]


class BulkSubmissionIn(SubmissionIn):
    """一括ステータス変更: the same answers for every device chosen (each gets its own submission)."""

    device_ids: Annotated[list[Annotated[int, Field(ge=1, le=2_147_483_647)]], Field(min_length=1, max_length=200)]


class SubmissionRead(BaseModel):
    model_config = ORM

    id: int
    device_id: int
    submitted_at: datetime
    submitter_email: str
    status: str | None
    held_status: str | None
    answers: dict[str, str]
    source: str
    archived: bool = Field(default=False, description="moved to an archive by the rotation (read back from it)")
    status_changed: bool = False


# --- views -----------------------------------------------------------------------------------------


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


class HeldDevice(BaseModel):
    device_id: int
    management_number: str
    location_id: str
    location_name: str
    model_name: str
    device_type: str
    held_status: str
    category: str
    held_since: datetime | None
    held_days: int | None


class ReturnDevice(HeldDevice):
    """A row of 返却待ち: a device in custody followed until it comes back, with its status age."""

    status_since: datetime = Field(description="when its current 預かり機のステータス began")
    status_days: int = Field(description="whole days in that status")
    customer: str = Field(description="1-1.貸出先 of its current answers")
    person: str = Field(description="0-1.担当者 of its current answers")


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
    cards: list[SummaryCard]
    total: int
    figures: list[FigureRead]


# --- jobs -------------------------------------------------------------------------------------------


class ImportRead(BaseModel):
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
    rejected: list[dict[str, Any]]
    ignored_columns: list[str]
    checked_rows: int = 0
    planned_rows: int = 0
    duplicate_rows: int = 0
    unreadable_rows: int = 0
    planned_devices: int = 0
    plan: list[dict[str, Any]] = Field(
        default=[],
        description="the dry run's rows: row, management_number, timestamp, outcome (+ label), new_device, reasons",
    )
    error: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class ImportListed(BaseModel):
    """A row of the import list: who, when, which file, its rows taken (planned while it is checked), duplicate and
    unreadable, its state."""

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
    created_by: str
    created_at: datetime
    finished_at: datetime | None


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


# --- rotation archives --------------------------------------------------------------------------------


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
