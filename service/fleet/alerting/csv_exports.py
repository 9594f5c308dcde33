"""The alert and incident lists as CSV downloads (service/exports.py): the rows each list's filters select within
the caller's customer, with the columns the list shows."""

from datetime import datetime

from service.exports import ListExport, declared, field
from service.fleet import labels
from service.fleet.alerting import alerts, incidents
from service.fleet.csv_columns import CUSTOMER, named
from service.fleet.models import Alert, Incident, Terminal
from service.sheets import Column
from service.tenancy import TenantScope

OVERDUE, IN_TIME = "超過", "期限内"
ALERT_COLUMNS = (
    field("ID", "id"),
    field("発生日時", "created_at"),
    CUSTOMER,
    field("設置店舗名", "place"),
    declared(Terminal.store),
    Column("シリアル番号", lambda alert: labels.alert_serial(alert.alert_type, alert.serial_number)),
    field("種別", "alert_type_label"),
    declared(Alert.status),
    Column("SLA", lambda alert: OVERDUE if alert.overdue else IN_TIME),
    named(Alert.assignee_id, "assignee_name"),
    field("詳細メッセージ", "message"),
)
INCIDENT_COLUMNS = (
    field("ID", "id"),
    field("発生日時", "created_at"),
    CUSTOMER,
    field("種別", "alert_type_label"),
    field("店舗数", "store_count"),
    field("端末数", "terminal_count"),
    field("未解決", "open_alerts"),
    declared(Incident.status),
    Column("SLA", lambda incident: OVERDUE if incident.overdue else IN_TIME),
    named(Incident.assignee_id, "assignee_name"),
    field("解決日時", "resolved_at"),
    declared(Incident.resolution),
)


def alert_export(scope: TenantScope, flt: alerts.AlertFilter, now: datetime) -> ListExport:
    """Newest first, as the list; SLA says whether a step owed is overdue."""
    return ListExport(
        alerts.alert_query(scope, flt, now),
        alerts.LIST_ORDER,
        ALERT_COLUMNS,
        lambda _db, rows: [alerts.to_read(row, now) for row in rows],
    )


def incident_export(scope: TenantScope, flt: incidents.IncidentFilter, now: datetime) -> ListExport:
    """Newest first (the list shows the unresolved first)."""
    return ListExport(
        incidents.incident_query(scope, flt),
        (Incident.created_at.desc(), Incident.id.desc()),
        INCIDENT_COLUMNS,
        lambda _db, rows: [incidents.to_read(row, now) for row in rows],
    )
