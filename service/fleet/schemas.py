"""Request and response bodies of the fleet API, including the agent contract."""

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from service import fields
from service.fields import FieldWords, bounds, facts, rules
from service.figures import FigureRead
from service.fleet import labels
from service.fleet.models import (
    AlertNote,
    Customer,
    FirmwareRelease,
    Incident,
    IncidentNote,
    MaintenanceWindow,
    Rollout,
    SavedView,
    Terminal,
)
from service.schemas import (
    IsoDate,
    IsoDatetime,
    JapanTime,
    LocalTime,
    MultiLine,
    SingleLine,
    Text,
    plausible_client_time,
)

MAX_EVENTS = 500
MAX_DIAGNOSTIC_LINES = labels.DIAGNOSTIC_LINES["max"]
DiagnosticLines = Annotated[int, Field(ge=labels.DIAGNOSTIC_LINES["min"], le=MAX_DIAGNOSTIC_LINES)]

Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Version = Annotated[str, rules(Terminal.firmware_version)]
Serial = Annotated[str, rules(Terminal.serial_number)]
ContractType = Literal["basic", "standard", "premium"]


def required(label: str) -> BeforeValidator:
    """Blank or only spaces is a 422 naming it (rule `required`)."""

    def refuse_blank(value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticCustomError("required", "{label}を入力してください", {"label": label})
        return value

    return BeforeValidator(refuse_blank)


# A customer's contacts (§2.1: 担当者, 連絡先メール, 電話番号) are required; rows stored before that may hold blanks.
Person = Annotated[str, required(facts(Customer.contact_person).label), rules(Customer.contact_person)]
Phone = Annotated[str, required(facts(Customer.contact_phone).label), rules(Customer.contact_phone)]
Email = Annotated[EmailStr, required(facts(Customer.contact_email).label), rules(Customer.contact_email)]
TerminalStatus = Literal["online", "offline", "error", "maintenance"]
AlertType = Literal["offline", "error", "high_cpu", "high_memory", "update_failed"]


class Labelled(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    LABELS: ClassVar[dict[str, dict[str, str]]] = {}

    @model_validator(mode="after")
    def _fill_labels(self) -> "Labelled":
        for name, table in self.LABELS.items():
            value = getattr(self, name)
            setattr(self, f"{name}_label", table.get(value, value))
        return self


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("タイムゾーン付きの日時を指定してください")
    return value


# An agent's clock may be wrong (a store PC's battery): times outside the plausible range are stored as the moment the
# service received them (`device_time`), so a wrong clock never has heartbeats refused.
AgentTimestamp = Annotated[IsoDatetime, AfterValidator(_aware)]


def device_time(at: datetime, now: datetime) -> datetime:
    return at if plausible_client_time(at, now) else now


# --- agent contract -------------------------------------------------------------------------


class EnrollIn(BaseModel):
    enrollment_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), SingleLine]
    serial_number: Serial
    firmware_version: Version
    agent_version: Annotated[str, StringConstraints(max_length=20), SingleLine] = ""


class EnrollOut(BaseModel):
    terminal_id: int
    serial_number: str
    token: str
    interval_seconds: int


class EventIn(BaseModel):
    client_event_id: Annotated[str, StringConstraints(min_length=1, max_length=64), SingleLine]
    occurred_at: AgentTimestamp
    level: Literal["info", "warning", "error"]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=50), SingleLine]
    message: Annotated[str, StringConstraints(max_length=2000), MultiLine] = ""

    def stored(self, now: datetime) -> dict[str, Any]:
        """The device's time is kept in the message."""
        if plausible_client_time(self.occurred_at, now):
            return {"occurred_at": self.occurred_at, "message": self.message}
        note = labels.DEVICE_CLOCK_NOTE.format(device_time=self.occurred_at.isoformat())
        return {"occurred_at": now, "message": self.message + note}


class HeartbeatIn(BaseModel):
    sent_at: AgentTimestamp
    status: Literal["online", "error"]
    firmware_version: Version
    cpu: Annotated[Percent, Field(description="CPU use of the store PC the agent runs on (not of the TC-200)")]
    memory: Annotated[Percent, Field(description="memory use of the store PC the agent runs on (not of the TC-200)")]
    disk: Annotated[Percent, Field(description="disk use of the store PC the agent runs on (not of the TC-200)")]
    agent_version: Annotated[str, StringConstraints(max_length=20), SingleLine] = ""
    error_message: Annotated[str, StringConstraints(max_length=500), MultiLine] | None = None
    events: Annotated[list[EventIn], Field(max_length=MAX_EVENTS)] = []


class CommandOut(BaseModel):
    id: int
    type: Literal["firmware_update", "collect_diagnostics", "set_interval"]
    params: dict[str, Any]


class HeartbeatReply(BaseModel):
    interval_seconds: int
    commands: list[CommandOut] = []


class ProgressIn(BaseModel):
    state: Literal["downloading", "verifying", "installing", "succeeded", "failed"]
    progress: Annotated[int, Field(ge=0, le=100)] = 0
    message: Annotated[str, StringConstraints(max_length=500), SingleLine] = ""


class DiagnosticsIn(BaseModel):
    command_id: int
    collected_at: AgentTimestamp
    lines: Annotated[
        list[Annotated[str, StringConstraints(max_length=2000), SingleLine]], Field(max_length=MAX_DIAGNOSTIC_LINES)
    ]


class AgentTokenOut(BaseModel):
    token: str


# --- customers and terminals ------------------------------------------------------------------


class CustomerCreate(BaseModel):
    company_name: Annotated[str, rules(Customer.company_name)]
    contact_person: Person
    contact_email: Email
    contact_phone: Phone
    contract_type: ContractType = "basic"


class CustomerUpdate(BaseModel):
    """The customer fields to change (None = leave unchanged)."""

    company_name: Annotated[str, rules(Customer.company_name)] | None = None
    contact_person: Person | None = None
    contact_email: Email | None = None
    contact_phone: Phone | None = None
    contract_type: ContractType | None = None


class CustomerRead(Labelled):
    LABELS = {"contract_type": labels.CONTRACT_TYPES}

    id: int
    company_name: str
    contact_person: str
    contact_email: str
    contact_phone: str
    contract_type: str
    contract_type_label: str = ""
    opens_at: JapanTime | None = None
    closes_at: JapanTime | None = None
    closed_weekdays: list[int] = []
    created_at: datetime


class CustomerOption(BaseModel):
    id: int
    company_name: str


class TerminalCreate(BaseModel):
    serial_number: Serial
    customer_id: int
    store_name: Annotated[str, rules(Terminal.store_name)]
    firmware_version: Version = "1.0.0"
    installed_date: IsoDate | None = None


class TerminalUpdate(BaseModel):
    """The terminal fields to change (None = leave unchanged); the serial number and firmware are not edited here."""

    customer_id: int | None = None
    store_name: Annotated[str, rules(Terminal.store_name)] | None = None
    installed_date: IsoDate | None = None


class TerminalRead(Labelled):
    LABELS = {"status": labels.TERMINAL_STATUSES}

    id: int
    serial_number: str
    customer_id: int
    company_name: str = ""
    store_name: str
    store: str
    status: str
    status_label: str = ""
    firmware_version: str
    agent_version: str
    last_heartbeat_at: datetime | None
    installed_date: date | None
    cpu_usage: float
    memory_usage: float
    disk_usage: float
    error_message: str
    interval_seconds: int
    enrolled: bool = False
    open_alerts: int = 0


class MaintenanceIn(BaseModel):
    enabled: StrictBool


Weekday = Annotated[int, Field(ge=0, le=6)]  # 0 = Monday … 6 = Sunday


class BusinessHoursIn(BaseModel):
    """営業時間 (Japan time): both times or neither (open all day); closing before opening runs past midnight."""

    opens_at: LocalTime | None = None
    closes_at: LocalTime | None = None
    closed_weekdays: list[Weekday] = Field(default_factory=list, max_length=7)


class MaintenanceWindowIn(BaseModel):
    customer_id: int
    store_name: Annotated[str, rules(MaintenanceWindow.store_name)] = ""
    recurrence: Literal["daily", "weekly"]
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


class IntervalIn(BaseModel):
    interval_seconds: Annotated[int, Field(ge=labels.INTERVAL_SECONDS["min"], le=labels.INTERVAL_SECONDS["max"])]


class DiagnosticsRequest(BaseModel):
    max_lines: DiagnosticLines = labels.DIAGNOSTIC_LINES["default"]


class EnrollmentCodeOut(BaseModel):
    code: str
    expires_at: datetime


class MetricPoint(BaseModel):
    at: datetime
    cpu: float
    memory: float
    disk: float
    cpu_max: float | None = None
    memory_max: float | None = None
    disk_max: float | None = None


class MetricSeries(BaseModel):
    range: str
    resolution: Literal["raw", "hour"]
    points: list[MetricPoint]


class TerminalEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    received_at: datetime
    level: str
    kind: str
    message: str


class CommandRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    terminal_id: int
    type: str
    params: dict[str, Any]
    status: str
    state: str
    progress: int
    message: str
    created_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None


class DiagnosticRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    command_id: int | None
    collected_at: datetime
    received_at: datetime
    lines: list[str]


# --- alerts -------------------------------------------------------------------------------


class SlaStep(BaseModel):
    step: str
    label: str
    due_at: datetime
    done_at: datetime | None
    overdue: bool
    required: bool = True


class SlaWorkRead(Labelled):
    """Who works an alert or an incident and its §4.2 steps: who recorded each, when, and which are late."""

    company_name: str
    contact_person: str
    contact_phone: str
    contact_email: str
    assignee_id: int | None
    assignee_name: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    diagnosed_at: datetime | None
    diagnosed_by: str
    customer_contacted_at: datetime | None
    customer_contacted_by: str
    resolved_at: datetime | None
    resolved_by: str
    reported_at: datetime | None
    reported_by: str
    sla: list[SlaStep]
    overdue: bool
    offline_now: int = 0  # its terminals offline at this moment (an outage alert's or an incident's)
    outage_warning: str = ""  # what resolving it now means while they are


class AlertRead(SlaWorkRead):
    LABELS = {"alert_type": labels.ALERT_TYPES, "status": labels.ALERT_STATUSES}

    id: int
    terminal_id: int
    serial_number: str
    store_name: str
    store: str
    customer_id: int
    incident_id: int | None
    alert_type: str
    alert_type_label: str = ""
    message: str
    status: str
    status_label: str = ""
    created_at: datetime


# What a person writes of the work done: a note, the note given when resolving (optional), an incident's resolution.
Note = Annotated[str, rules(AlertNote.body)]
ResolutionNote = Annotated[str, rules(AlertNote.body, min_length=0)]


class FleetNoteIn(BaseModel):
    body: Note


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    body: str
    created_at: datetime


class FleetAssigneeOption(BaseModel):
    id: int
    name: str


class AssignIn(BaseModel):
    assignee_id: int | None


class ResolveIn(BaseModel):
    note: ResolutionNote = ""


class IncidentStore(BaseModel):
    store: str
    terminals: int  # the incident's terminals in it


class FleetIncidentRead(SlaWorkRead):
    """A customer incident with its alerts' span (first/last seen, how many still open), who works it and §4.2."""

    LABELS = {"alert_type": labels.ALERT_TYPES, "status": labels.ALERT_STATUSES}

    id: int
    customer_id: int
    alert_type: str
    alert_type_label: str = ""
    status: str
    status_label: str = ""
    terminal_count: int
    store_count: int
    places: str  # 「12店舗・24台」
    stores: list[IncidentStore] = []  # one incident's (GET /incidents/{id}); the list leaves them out
    open_alerts: int
    message: str
    created_at: datetime
    first_seen: datetime | None
    last_seen: datetime | None
    resolution: str
    awaiting_report: bool  # resolved (by a person or the system), its 完了報告 still to be written
    state_label: str  # where its work stands: its status's words, or 完了報告待ち while awaiting_report


# What support writes of an incident's work: its timeline's entries, each a text as an alert's note.
IncidentText = Annotated[str, rules(IncidentNote.body)]


class IncidentContactIn(BaseModel):
    customer_message: IncidentText  # what the customer was told


class IncidentReportIn(BaseModel):
    cause: IncidentText
    report: IncidentText  # what the customer was told of the fix


class IncidentNoteRead(Labelled):
    LABELS = {"kind": labels.INCIDENT_NOTE_KINDS}

    id: int
    kind: str
    kind_label: str = ""
    author: str
    body: str
    created_at: datetime


class IncidentResolveIn(BaseModel):
    resolution: Annotated[str, rules(Incident.resolution)] = ""


# --- bulk work and saved views ------------------------------------------------------------


BulkIds = Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=labels.BULK_MAX)]


class TerminalBulkIn(BaseModel):
    """One action on many terminals (labels.TERMINAL_BULK_ACTIONS); max_lines for 診断ログ取得."""

    ids: BulkIds
    action: Literal["maintenance_on", "maintenance_off", "diagnostics"]
    max_lines: DiagnosticLines = labels.DIAGNOSTIC_LINES["default"]


class AlertBulkIn(BaseModel):
    """One action on many alerts or incidents (labels.ALERT_BULK_ACTIONS): assignee_id for 担当者 (null: none), the
    same note (an incident's resolution) for each on 解決."""

    ids: BulkIds
    action: Literal["acknowledge", "assign", "resolve"]
    assignee_id: int | None = None
    note: ResolutionNote = ""  # an incident's resolution: the same length (models.NOTE_MAX)


IncidentBulkIn = AlertBulkIn


class BulkResult(BaseModel):
    action: str
    count: int
    ids: list[int]


ViewPage = Literal["terminals", "alerts", "incidents"]
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


# --- firmware ------------------------------------------------------------------------------


# A release's upload (a multipart form: POST /firmware/releases).
ReleaseVersion = Annotated[str, rules(FirmwareRelease.version)]
Sha256 = Annotated[str, rules(FirmwareRelease.sha256)]
ReleaseNotes = Annotated[str, rules(FirmwareRelease.notes)]


class ReleaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: str
    sha256: str
    size: int
    filename: str
    notes: str
    created_by: str
    created_at: datetime


class TerminalFilter(BaseModel):
    customer_id: int | None = None
    status: TerminalStatus | None = None
    firmware_version: Text | None = None
    q: Annotated[str, StringConstraints(max_length=100), SingleLine] | None = None
    registered_to: date | None = None  # registered on or before this day (Japan time): a month's 端末数


def _cumulative_waves(waves: list[float]) -> list[float]:
    if not waves or any(b <= a for a, b in zip(waves, waves[1:], strict=False)) or waves[-1] != 100:
        raise ValueError("波は増加する累積パーセント（最後は100）で指定してください")
    return waves


class RolloutTarget(BaseModel):
    customer_id: int | None = None
    terminal_ids: Annotated[list[int], Field(max_length=labels.ROLLOUT_TERMINALS_MAX)] | None = None
    filter: TerminalFilter | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "RolloutTarget":
        given = [x for x in (self.customer_id, self.terminal_ids, self.filter) if x is not None]
        if len(given) != 1:
            raise ValueError("対象は顧客・端末リスト・条件のいずれか1つを指定してください")
        return self


class RolloutCreate(BaseModel):
    release_id: int
    target: RolloutTarget
    waves: Annotated[list[Annotated[float, Field(gt=0, le=100)]], AfterValidator(_cumulative_waves)] = [1, 10, 100]
    failure_threshold_pct: Annotated[float, bounds(Rollout.failure_threshold_pct)] | None = None
    timeout_minutes: Annotated[int, bounds(Rollout.timeout_minutes)] | None = None


class WaveProgress(BaseModel):
    wave: int
    percent: float
    total: int
    succeeded: int
    failed: int
    active: int
    queued: int
    cancelled: int


class RolloutRead(Labelled):
    LABELS = {"status": labels.ROLLOUT_STATUSES}

    id: int
    release_id: int
    version: str
    customer_id: int | None  # None: its terminals belong to several customers
    company_name: str | None  # the customer's name, as customer_id
    target: dict[str, Any]
    status: str
    status_label: str = ""
    paused_reason: str
    current_wave: int
    failure_threshold_pct: float
    timeout_minutes: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    waves: list[WaveProgress]


class UpdateTaskRead(Labelled):
    LABELS = {"status": labels.TASK_STATUSES}

    id: int
    rollout_id: int
    version: str
    wave: int
    status: str
    status_label: str = ""
    progress: int
    message: str
    started_at: datetime | None
    deadline_at: datetime | None
    finished_at: datetime | None


# --- dashboard, reports, imports --------------------------------------------------------------


class CriticalAlert(Labelled):
    """One row of 重要アラート: an alert, or a customer incident standing for its alerts (kind "incident", its id,
    terminal_count of them still open)."""

    LABELS = {"alert_type": labels.ALERT_TYPES}

    kind: Literal["alert", "incident"] = "alert"
    id: int
    terminal_id: int | None = None
    terminal_count: int | None = None
    store_count: int | None = None  # an incident's stores (of those still open)
    company_name: str
    store_name: str
    serial_number: str
    alert_type: str
    alert_type_label: str = ""
    summary: str  # what the dashboard says, with the value for usage alerts: CPU使用率95%
    created_at: datetime
    status: str
    sla: list[SlaStep]  # §4.2, as the alert list's: the dashboard shows the next step's state
    assignee_name: str | None
    minutes_ago: int


class CustomerStatus(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: int
    company_name: str
    terminals: int
    online: int
    offline: int
    error: int
    maintenance: int


class FleetDashboardRead(BaseModel):
    total: int
    online: int
    offline: int
    error: int
    maintenance: int
    figures: list[FigureRead]  # the cards (fleet/figures.py DASHBOARD): each its list's total under its filter
    open_incidents: int
    availability_pct: float
    critical_alerts: list[CriticalAlert]
    customers: list[CustomerStatus]


class IngestRead(BaseModel):
    """Whether heartbeats are arriving: a stall (offline detection paused) comes with the dashboards' banner."""

    last_heartbeat_at: datetime | None
    silence_seconds: float | None
    stalled: bool
    heartbeats_expected: bool  # false while `make run`'s demo agents are off: the banner then says so
    banner: str


class AlertTypeCount(BaseModel):
    alert_type: str
    label: str
    count: int


class ReportLine(BaseModel):
    """One figure of the monthly report as the page, the CSV and the PDF all show it (reports.report_lines)."""

    key: str
    label: str
    value: str


class MonthlyReport(BaseModel):
    customer_id: int | None  # None: the fleet-wide report, every customer in the caller's scope
    company_name: str  # 全顧客 for the fleet-wide report
    customers: int
    month: str
    period_label: str = ""  # the month in words, 「2026年11月（25日まで）」 while it is still running
    partial: bool = False  # the month is not over: its figures run up to as_of
    as_of_label: str = ""  # 「2026/11/25 14:03 時点」: when the figures were computed
    terminals: int  # 端末数: the value of `figures`' fleet.registered
    figures: list[FigureRead] = []  # the report's named figures (端末数), each opening the list of its rows
    availability_pct: float  # one decimal, as shown
    alerts_total: int
    alerts_by_type: list[AlertTypeCount]
    resolved: int
    mean_time_to_resolve_minutes: float | None
    sla_met: int  # alerts of the month none of whose §4.2 steps missed its target
    sla_compliance_pct: float | None  # sla_met of alerts_total, one decimal; None without alerts
    lines: list[ReportLine] = []


class TerminalImportRead(Labelled):
    LABELS = {"status": labels.IMPORT_STATUSES}

    id: int
    filename: str
    status: str
    status_label: str = ""
    total_rows: int
    processed_rows: int
    accepted_rows: int
    rejected: list[dict[str, Any]]
    created_at: datetime
    finished_at: datetime | None


def columns_of(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


class FleetVocabulary(BaseModel):
    """The wording tables the dashboards show, taken from labels.py (code -> Japanese label, in display order)."""

    contract_types: dict[str, str]
    terminal_statuses: dict[str, str]
    alert_types: dict[str, str]
    alert_statuses: dict[str, str]
    import_statuses: dict[str, str]
    pause_reasons: dict[str, str]
    event_levels: dict[str, str]
    event_kinds: dict[str, str]
    command_types: dict[str, str]
    command_statuses: dict[str, str]
    rollout_statuses: dict[str, str]
    task_statuses: dict[str, str]
    terminal_bulk_actions: dict[str, str]
    alert_bulk_actions: dict[str, str]
    incident_bulk_actions: dict[str, str]
    bulk_max: int
    rollout_terminals_max: int
    diagnostic_lines: dict[str, int]
    interval_seconds: dict[str, int]
    report_title: str
    report_labels: dict[str, str]
    fields: dict[str, dict[str, FieldWords]]  # each table's fields as the forms show and check them (models.py)

    @classmethod
    def current(cls) -> "FleetVocabulary":
        """Each field is the labels.py constant of the same name in capitals."""
        words = {name: getattr(labels, name.upper()) for name in cls.model_fields if name != "fields"}
        return cls(**words, fields=fields.vocabulary(labels.AUDIT.tables))
