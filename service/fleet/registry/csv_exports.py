"""The customer, terminal and terminal-event lists as CSV downloads (service/exports.py): the rows each list's
filters select within the caller's customer, with the columns the list shows."""

from operator import attrgetter
from typing import Any

from sqlalchemy import select

from service import fields
from service.exports import ListExport, declared, entities, field, labelled
from service.fleet import labels
from service.fleet.csv_columns import CUSTOMER
from service.fleet.models import Customer, Terminal
from service.fleet.registry import customers, store_ranking, terminals
from service.fleet.registry.schemas import TerminalFilter
from service.fleet.schedules import HOURS_FIELDS
from service.sheets import Column
from service.tenancy import TenantScope, scoped


def _percent(header: str, name: str) -> Column:
    return Column(header, lambda row: f"{getattr(row, name):.1f}%")


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
EVENT_COLUMNS = (
    field("発生日時", "occurred_at"),
    labelled("レベル", "level", labels.EVENT_LEVELS),
    labelled("種類", "kind", labels.EVENT_KINDS),
    field("メッセージ", "message"),
    field("受信日時", "received_at"),
)


STORE_COLUMNS = (
    CUSTOMER,
    *(field(header, name) for name, header in labels.STORE_COLUMNS.items()),
)


def store_export(scope: TenantScope, flt: store_ranking.StoreFilter) -> ListExport:
    """The worst store first, as the list."""
    stmt, order = store_ranking.ranked(scope, flt)
    return ListExport(stmt, order, STORE_COLUMNS, store_ranking.store_records)


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


def event_export(terminal: Terminal, level: str | None) -> ListExport:
    return ListExport(terminals.event_query(terminal, level), terminals.EVENT_ORDER, EVENT_COLUMNS, entities)
