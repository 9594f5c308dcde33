"""The incident list as the CSV download (service/exports.py)."""

from datetime import datetime
from typing import Any

from service.exports import ListExport, declared_item, item
from service.reservations.incidents import incidents
from service.reservations.models import Incident
from service.sheets import Column

OVERDUE, LATE = "期限超過", "目標超過で対応"
UNREPORTED, UNREPORTED_LATE = "未報告", "未報告・期限超過"


def _response_flag(incident: dict) -> str:
    return OVERDUE if incident["overdue"] else LATE if incident["responded_late"] else ""


def _escalation(incident: dict) -> Any:
    """Low: the weekly report."""
    if incident["escalated_at"]:
        return incident["escalated_at"]
    if incident["escalation_due_at"] is None:
        return incident["escalation_label"]
    return UNREPORTED_LATE if incident["escalation_overdue"] else UNREPORTED


INCIDENT_COLUMNS = (
    item("ID", "id"),
    declared_item(Incident.occurred_at),
    declared_item(Incident.level, "level_label"),
    declared_item(Incident.title),
    item("対応時間目標", "target_label"),
    item("対応期限", "response_due_at"),
    declared_item(Incident.responded_at),
    Column("期限超過", _response_flag),
    Column("経営陣への報告", _escalation),
    declared_item(Incident.impact),
    declared_item(Incident.cause),
    declared_item(Incident.response),
    declared_item(Incident.recovered_at),
    declared_item(Incident.prevention),
    declared_item(Incident.created_by),
)


def incident_export(flt: incidents.IncidentFilter, now: datetime) -> ListExport:
    return ListExport(
        incidents.incident_query(flt, now),
        incidents.LIST_ORDER,
        INCIDENT_COLUMNS,
        lambda _db, rows: [incidents.incident_read(row[0], now) for row in rows],
    )
