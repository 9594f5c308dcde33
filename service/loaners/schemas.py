"""Request and response bodies of the loaners API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints

from service.fields import FieldWords, bounds, rules
from service.figures import FigureRead
from service.loaners.models import DataType, Device, Location, Model, Question
from service.schemas import MultiLine, SingleLine, Text

Status = Literal["active", "inactive"]
Kind = Literal["terminal", "printer", "other"]
Category = Literal["Desktop", "Laptop", "Server", "Tablet", "Printer", "Router", "Hub", "Other"]
QuestionType = Literal["text", "textarea", "date", "number", "choice"]
Choice = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Choices = Annotated[list[Choice], Field(max_length=50)]
Position = Annotated[int, Field(ge=0, le=100_000)]
QuestionKey = Annotated[str, rules(Question.key)]
GroupEmail = Annotated[EmailStr, rules(Location.group_email)]  # email-validator's rule, then the column's shape
AnswerValue = Annotated[str, StringConstraints(max_length=2000), MultiLine] | int | float | None

ORM = ConfigDict(from_attributes=True)


# --- masters -------------------------------------------------------------------------------------


class LocationCreate(BaseModel):
    id: Annotated[str, rules(Location.id)]
    code: Annotated[str, rules(Location.code)]
    name: Annotated[str, rules(Location.name)]
    jurisdiction: Annotated[str, rules(Location.jurisdiction)]
    group_email: GroupEmail
    notify_status_change: StrictBool = False
    status: Status = "active"


class LocationUpdate(BaseModel):
    code: Annotated[str, rules(Location.code)] | None = None
    name: Annotated[str, rules(Location.name)] | None = None
    jurisdiction: Annotated[str, rules(Location.jurisdiction)] | None = None
    group_email: GroupEmail | None = None
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
    name: Annotated[str, rules(Model.name)]
    maker: Annotated[str, rules(Model.maker)]
    category: Category
    note: Annotated[str, rules(Model.note)] = ""


class ModelUpdate(BaseModel):
    name: Annotated[str, rules(Model.name)] | None = None
    maker: Annotated[str, rules(Model.maker)] | None = None
    category: Category | None = None
    note: Annotated[str, rules(Model.note)] | None = None


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


class LoanerVocabulary(BaseModel):
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
    messages: dict[str, str]
    fields: dict[str, dict[str, FieldWords]] = Field(
        description="each table's fields as the forms show and check them: label, length, choices, pattern in words"
    )


DataTypeName = Annotated[str, rules(DataType.name)]
DataTypeDescription = Annotated[str, rules(DataType.description)]
DisplayOrder = Annotated[int, bounds(DataType.display_order)]
FilterCondition = Annotated[str, rules(DataType.filter_condition)]


class DataTypeCreate(BaseModel):
    id: Annotated[str, rules(DataType.id)]
    name: DataTypeName
    description: DataTypeDescription = ""
    display_order: DisplayOrder
    filter_condition: FilterCondition = ""
    source_settings: dict[Text, Any] = {}
    display_settings: dict[Text, Any] = {}
    status: Status = "active"


class DataTypeUpdate(BaseModel):
    name: DataTypeName | None = None
    description: DataTypeDescription | None = None
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
    location_id: Annotated[str, rules(Device.location_id)]
    model_id: Annotated[str, rules(Device.model_id)]
    serial_number: Annotated[str, rules(Device.serial_number)]
    asset_number: Annotated[str, rules(Device.asset_number)] = ""
    software: Annotated[str, rules(Device.software)] = ""
    os: Annotated[str, rules(Device.os)] = ""
    management_number: Annotated[str, rules(Device.management_number)] | None = Field(
        None, description="Keep an existing label's number (checked against §4); generated when left out"
    )
    confirm: bool = Field(False, description="Register although a device with this serial number exists (else 409)")


class DeviceUpdate(BaseModel):
    asset_number: Annotated[str, rules(Device.asset_number)] | None = None
    software: Annotated[str, rules(Device.software)] | None = None
    os: Annotated[str, rules(Device.os)] | None = None


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
    status_prefix: Annotated[str, rules(Question.status_prefix, strip=False)] | None = Field(
        None, description="only for an un-numbered key: the status whose number shows it"
    )
    condition: dict[QuestionKey, Choice] = {}
    help_text: Annotated[str, rules(Question.help_text)] = ""
    position: Position | None = None


class QuestionUpdate(BaseModel):
    choices: Choices | None = None
    required: StrictBool | None = None
    condition: dict[QuestionKey, Choice] | None = None
    help_text: Annotated[str, rules(Question.help_text)] | None = None
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
    cards: list[SummaryCard] = Field(description="§3.1's four categories; `total` is theirs (預かり機の合計)")
    total: int
    unclassified: SummaryCard = Field(description="未分類: held devices with a blank held status, counted apart")
    unclassified_note: str
    figures: list[FigureRead]


# --- jobs -------------------------------------------------------------------------------------------


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
    jurisdiction: str | None = Field(description="the 管轄 whose locations' devices it imports (None: every 管轄)")
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
