"""Bodies of the dashboard and the monthly report."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from service.figures import FigureRead
from service.fleet import labels
from service.fleet.alerting.schemas import SlaStep
from service.fleet.kinds import Record
from service.fleet.schemas import Labelled


class CustomerOption(BaseModel):
    id: int
    company_name: str


class CriticalAlert(Labelled):
    """One row of 重要アラート: an alert, or a customer incident standing for its alerts (kind "incident", its id,
    terminal_count of them still open)."""

    LABELS = {"alert_type": labels.ALERT_TYPES}

    kind: Record = Record.ALERT
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
    figures: list[FigureRead]  # the cards (reporting/figures.py DASHBOARD): each its list's total under its filter
    open_incidents: int
    availability_pct: float
    critical_alerts: list[CriticalAlert]
    customers: list[CustomerStatus]


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
