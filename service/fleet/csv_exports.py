"""The fleet lists as CSV downloads (service/exports.py): the rows each list's filters select within the caller's
customer, with the columns the list shows."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service import fields
from service.exports import Column, ListExport, declared, entities, field, labelled
from service.fleet import alerts, customers, firmware, incidents, labels, terminals
from service.fleet.models import Customer, FirmwareRelease, Incident, Rollout, Terminal
from service.fleet.schemas import RolloutRead, TerminalFilter
from service.tenancy import TenantScope, scoped

SEVERAL_CUSTOMERS = "複数の顧客"
OVERDUE, IN_TIME = "超過", "期限内"


def _percent(header: str, name: str) -> Column:
    return Column(header, lambda row: f"{getattr(row, name):.1f}%")


def _wave_total(part: str) -> Any:
    return lambda rollout: sum(getattr(wave, part) for wave in rollout.waves)


CUSTOMER_COLUMNS = (
    field("ID", "id"),
    *(declared(column) for column in fields.exported(Customer)),  # 会社名, 担当者, …, 契約種別
)
TERMINAL_COLUMNS = (
    field("ID", "id"),
    declared(Terminal.serial_number),
    field("顧客企業", "company_name"),
    declared(Terminal.store_name),
    declared(Terminal.status),
    declared(Terminal.firmware_version),
    field("最終通信", "last_heartbeat_at"),
    _percent("店舗PC CPU", "cpu_usage"),
    _percent("店舗PCメモリ", "memory_usage"),
    _percent("店舗PCディスク", "disk_usage"),
    field("未解決アラート", "open_alerts"),
)
ALERT_COLUMNS = (
    field("ID", "id"),
    field("発生日時", "created_at"),
    field("顧客企業", "company_name"),
    field("設置店舗名", "store_name"),
    field("シリアル番号", "serial_number"),
    field("種別", "alert_type_label"),
    field("状態", "status_label"),
    Column("SLA", lambda alert: OVERDUE if alert.overdue else IN_TIME),
    field("担当者", "assignee_name"),
    field("詳細メッセージ", "message"),
)
INCIDENT_COLUMNS = (
    field("ID", "id"),
    field("発生日時", "created_at"),
    field("顧客企業", "company_name"),
    field("種別", "alert_type_label"),
    field("端末数", "terminal_count"),
    field("未解決", "open_alerts"),
    field("状態", "status_label"),
    Column("SLA", lambda incident: OVERDUE if incident.overdue else IN_TIME),
    field("担当者", "assignee_name"),
    field("解決日時", "resolved_at"),
    field("対応内容", "resolution"),
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
    field("バージョン", "version"),
    Column("顧客企業", lambda rollout: rollout.company_name or SEVERAL_CUSTOMERS),
    field("状態", "status_label"),
    Column("現在の波", lambda rollout: f"{rollout.current_wave} / {len(rollout.waves)}"),
    Column("成功", _wave_total("succeeded")),
    Column("失敗", _wave_total("failed")),
    Column("対象台数", _wave_total("total")),
    field("作成者", "created_by"),
    field("作成日時", "created_at"),
    field("完了日時", "finished_at"),
)
RELEASE_COLUMNS = (
    field("ID", "id"),
    field("バージョン", "version"),
    field("ファイル名", "filename"),
    field("サイズ（バイト）", "size"),
    field("SHA-256", "sha256"),
    field("リリースノート", "notes"),
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
        Terminal.status,
        Terminal.firmware_version,
        Terminal.last_heartbeat_at,
        Terminal.cpu_usage,
        Terminal.memory_usage,
        Terminal.disk_usage,
        terminals.open_alert_count().label("open_alerts"),
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
