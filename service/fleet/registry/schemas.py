"""Bodies of the customer and terminal registers: customers, terminals, their commands, series, events and
imports."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints

from service.fields import facts, rules
from service.fleet import labels
from service.fleet.kinds import ContractType, TerminalStatus
from service.fleet.models import Customer, Terminal
from service.fleet.schemas import DiagnosticLines, Labelled, Serial, Version, required
from service.import_jobs import MAX_REPORTED
from service.schemas import IsoDate, JapanTime, SingleLine, Text

# A customer's contacts (§2.1: 担当者, 連絡先メール, 電話番号) are required; rows stored before that may hold blanks.
Person = Annotated[str, required(facts(Customer.contact_person).label), rules(Customer.contact_person)]
Phone = Annotated[str, required(facts(Customer.contact_phone).label), rules(Customer.contact_phone)]
Email = Annotated[EmailStr, required(facts(Customer.contact_email).label), rules(Customer.contact_email)]


class CustomerCreate(BaseModel):
    company_name: Annotated[str, rules(Customer.company_name)]
    contact_person: Person
    contact_email: Email
    contact_phone: Phone
    contract_type: ContractType = ContractType.BASIC


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


class TerminalFilter(BaseModel):
    customer_id: int | None = None
    status: TerminalStatus | None = None
    firmware_version: Text | None = None
    q: Annotated[str, StringConstraints(max_length=100), SingleLine] | None = None
    registered_to: date | None = None  # registered on or before this day (Japan time): a month's 端末数


class MaintenanceIn(BaseModel):
    enabled: StrictBool


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


class TerminalImportRead(Labelled):
    LABELS = {"status": labels.IMPORT_STATUSES}

    id: int
    filename: str
    status: str
    status_label: str = ""
    total_rows: int
    processed_rows: int
    accepted_rows: int
    rejected_rows: int
    rejected: list[dict[str, Any]] = Field(description=f"the first {MAX_REPORTED:,} refused rows (import_jobs.Report)")
    error: str = Field(description="why a failed import stopped (失敗), as the person reads it")
    created_at: datetime
    finished_at: datetime | None


class StoreAlerts(BaseModel):
    alert_type: str
    label: str
    count: int


class StoreRead(BaseModel):
    """A store of the 店舗別 list: its customer, its terminals by state, and its open alerts by kind."""

    customer_id: int
    company_name: str
    store: str
    terminals: int
    offline: int
    error: int
    maintenance: int
    alerting: int  # terminals with an open alert
    open_alerts: int
    alerts: list[StoreAlerts]
    alert_summary: str  # 「オフライン 3件・エラー 1件」
