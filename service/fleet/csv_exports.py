"""The fleet lists as CSV downloads (service/exports.py): the rows each list's filters select within the caller's
customer, with the columns the list shows."""

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service import fields
from service.exports import ListExport, declared, entities, field, labelled
from service.fleet import alerts, customers, firmware, incidents, labels, terminals
from service.fleet.models import Alert, Customer, FirmwareRelease, Incident, Rollout, Terminal
from service.fleet.schedules import HOURS_FIELDS
from service.fleet.schemas import RolloutRead, TerminalFilter
from service.sheets import Column
from service.tenancy import TenantScope, scoped

SEVERAL_CUSTOMERS = "複数の顧客"
OVERDUE, IN_TIME = "超過", "期限内"


def _percent(header: str, name: str) -> Column:
    return Column(header, lambda row: f"{getattr(row, name):.1f}%")


def _wave_total(part: str) -> Any:
    return lambda rollout: sum(getattr(wave, part) for wave in rollout.waves)


def _named(reference: Any, name: str) -> Column:
    """A column headed by a reference's declared words (担当者), showing the record it names by name."""
    return field(fields.facts(reference).label, name)


def _waves(rollout: RolloutRead) -> str:
    """The waves' cumulative percentages as chosen: 1, 10, 100."""
    return ", ".join(f"{wave.percent:g}" for wave in rollout.waves)


CUSTOMER = _named(Terminal.customer_id, "company_name")  # 顧客企業: the customer of a terminal and of its work


def _clock(attribute: Any) -> Column:
    """A time of day as the support team reads it (09:00); blank for none (営業時間: open all day)."""
    time_of = attrgetter(attribute.key)
    return Column(fields.facts(attribute).label, lambda row: f"{time_of(row):%H:%M}" if time_of(row) else "")


def _weekdays(attribute: Any) -> Column:
    """Days of the week (0 = Monday) in words: 土・日."""
    days_of = attrgetter(attribute.key)
    return Column(
        fields.facts(attribute).label, lambda row: WEEKDAY_SEPARATOR.join(labels.WEEKDAYS[d] for d in days_of(row))
    )


WEEKDAY_SEPARATOR = "・"
CUSTOMER_COLUMNS = (
    field("ID", "id"),
    *(declared(column) for column in fields.exported(Customer) if column.name not in HOURS_FIELDS),  # 会社名, …
    _clock(Customer.opens_at),  # 営業時間 (schedules.py)
    _clock(Customer.closes_at),
    _weekdays(Customer.closed_weekdays),
)
TERMINAL_COLUMNS = (
    field("ID", "id"),
    declared(Terminal.serial_number),
    CUSTOMER,
    declared(Terminal.store_name),
    declared(Terminal.store),
    declared(Terminal.status),
    declared(Terminal.firmware_version),
    field("最終通信", "last_heartbeat_at"),
    _percent("店舗PC CPU", "cpu_usage"),
    _percent("店舗PCメモリ", "memory_usage"),
    _percent("店舗PCディスク", "disk_usage"),
    field("未解決アラート", "open_alerts"),
    declared(Terminal.installed_date),  # as the terminal import takes it
)
ALERT_COLUMNS = (
    field("ID", "id"),
    field("発生日時", "created_at"),
    CUSTOMER,
    field("設置店舗名", "store_name"),
    declared(Terminal.store),
    field("シリアル番号", "serial_number"),
    field("種別", "alert_type_label"),
    declared(Alert.status),
    Column("SLA", lambda alert: OVERDUE if alert.overdue else IN_TIME),
    _named(Alert.assignee_id, "assignee_name"),
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
    _named(Incident.assignee_id, "assignee_name"),
    field("解決日時", "resolved_at"),
    declared(Incident.resolution),
)
EVENT_COLUMNS = (
    field("発生日時", "occurred_at"),
    labelled("レベル", "level", labels.EVENT_LEVELS),
    labelled("種類", "kind", labels.EVENT_KINDS),
    field("メッセージ", "message"),
    field("受信日時", "received_at"),
)
ROLLOUT_COLUMNS = (
    field("ID", "id"),
    field(fields.facts(FirmwareRelease.version).label, "version"),  # its release's
    Column(CUSTOMER.header, lambda rollout: rollout.company_name or SEVERAL_CUSTOMERS),
    declared(Rollout.status),
    Column("現在の波", lambda rollout: f"{rollout.current_wave} / {len(rollout.waves)}"),
    Column("成功", _wave_total("succeeded")),
    Column("失敗", _wave_total("failed")),
    Column("対象台数", _wave_total("total")),
    field("作成者", "created_by"),
    field("作成日時", "created_at"),
    field("完了日時", "finished_at"),
    Column(fields.facts(Rollout.waves).label, _waves),
    declared(Rollout.failure_threshold_pct),
    declared(Rollout.timeout_minutes),
)
RELEASE_COLUMNS = (
    field("ID", "id"),
    declared(FirmwareRelease.version),
    declared(FirmwareRelease.filename),
    declared(FirmwareRelease.size),
    declared(FirmwareRelease.sha256),
    declared(FirmwareRelease.notes),
    field("登録者", "created_by"),
    field("登録日時", "created_at"),
)


def customer_export(scope: TenantScope, q: str | None) -> ListExport:
    """By company name, as the list."""
    return ListExport(
        customers.customer_query(scope, q), (Customer.company_name, Customer.id), CUSTOMER_COLUMNS, entities
    )


def terminal_export(scope: TenantScope, flt: TerminalFilter) -> ListExport:
    """By terminal ID (the order a keyset reads cheaply whatever the list is sorted by)."""
    stmt = select(
        Terminal.id,
        Terminal.serial_number,
        Customer.company_name,
        Terminal.store_name,
        Terminal.store,
        Terminal.status,
        Terminal.firmware_version,
        Terminal.last_heartbeat_at,
        Terminal.cpu_usage,
        Terminal.memory_usage,
        Terminal.disk_usage,
        terminals.open_alert_count().label("open_alerts"),
        Terminal.installed_date,
    ).join(Customer, Customer.id == Terminal.customer_id)
    return ListExport(
        terminals.filtered_terminals(scoped(stmt, scope, Terminal.customer_id), flt), (Terminal.id,), TERMINAL_COLUMNS
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


def event_export(terminal: Terminal, level: str | None) -> ListExport:
    return ListExport(terminals.event_query(terminal, level), terminals.EVENT_ORDER, EVENT_COLUMNS, entities)


def _rollout_reads(db: Session, rows: Sequence[Row]) -> list[RolloutRead]:
    return [firmware.rollout_read(db, row[0]) for row in rows]


def rollout_export(scope: TenantScope) -> ListExport:
    """Newest first, as the list, with each rollout's progress summed over its waves."""
    return ListExport(
        scoped(select(Rollout), scope, Rollout.customer_id), (Rollout.id.desc(),), ROLLOUT_COLUMNS, _rollout_reads
    )


def release_export() -> ListExport:
    return ListExport(select(FirmwareRelease), (FirmwareRelease.id.desc(),), RELEASE_COLUMNS, entities)
