"""店舗別: every store of the caller's customers, the worst first: most terminals offline, then most terminals with an
open alert, then most open alerts; each with its customer and its open alerts by kind. Counted in SQL."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, Select, case, func, or_, select, tuple_
from sqlalchemy.orm import Session

from service.fleet import labels
from service.fleet.alerting.alerts import RESOLVED
from service.fleet.kinds import AlertKind, TerminalStatus
from service.fleet.models import Alert, Customer, Terminal
from service.fleet.registry.schemas import StoreAlerts, StoreRead
from service.search import contains
from service.tenancy import TenantScope, scoped


@dataclass(frozen=True)
class StoreFilter:
    customer_id: int | None = None
    q: str | None = None  # a store or company name
    troubled_only: bool = False  # stores with a terminal offline or alerting


def _open_alerts_by_terminal() -> Select:
    return (
        select(Alert.terminal_id, func.count().label("alerts"))
        .where(Alert.status != RESOLVED)
        .group_by(Alert.terminal_id)
    )


def _counted(status: TerminalStatus):
    return func.sum(case((Terminal.status == status, 1), else_=0))


def store_rows(scope: TenantScope, flt: StoreFilter) -> Select:
    """One row per (customer, store) with its counts, as a subquery's select: ranked by `rank` columns."""
    alerts = _open_alerts_by_terminal().subquery()
    stmt = (
        select(
            Terminal.customer_id,
            Customer.company_name,
            Terminal.store,
            func.count().label("terminals"),
            _counted(TerminalStatus.OFFLINE).label("offline"),
            _counted(TerminalStatus.ERROR).label("error"),
            _counted(TerminalStatus.MAINTENANCE).label("maintenance"),
            func.sum(case((alerts.c.alerts > 0, 1), else_=0)).label("alerting"),
            func.coalesce(func.sum(alerts.c.alerts), 0).label("open_alerts"),
        )
        .join(Customer, Customer.id == Terminal.customer_id)
        .outerjoin(alerts, alerts.c.terminal_id == Terminal.id)
        .group_by(Terminal.customer_id, Customer.company_name, Terminal.store)
    )
    stmt = scoped(stmt, scope, Terminal.customer_id)
    if flt.customer_id is not None:
        stmt = stmt.where(Terminal.customer_id == flt.customer_id)
    if flt.q:
        stmt = stmt.where(contains(flt.q, Terminal.store, Customer.company_name))
    if flt.troubled_only:
        stmt = stmt.having(or_(_counted(TerminalStatus.OFFLINE) > 0, func.sum(alerts.c.alerts) > 0))
    return stmt


def ranked(scope: TenantScope, flt: StoreFilter) -> tuple[Select, tuple]:
    """The stores and their order, every term ascending (the CSV's keyset reads it so): the worst first."""
    rows = store_rows(scope, flt).subquery()
    order = (-rows.c.offline, -rows.c.alerting, -rows.c.open_alerts, rows.c.company_name, rows.c.store)
    return select(rows), order


def list_stores(db: Session, *, scope: TenantScope, flt: StoreFilter, offset: int, limit: int) -> tuple[list, int]:
    stmt, order = ranked(scope, flt)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
    kinds = _alert_kinds(db, [(row.customer_id, row.store) for row in rows])
    return [_read(row, kinds[(row.customer_id, row.store)]) for row in rows], total


def _alert_kinds(db: Session, stores: list[tuple[int, str]]) -> dict[tuple[int, str], list[StoreAlerts]]:
    """The open alerts of the page's stores by kind, in the kinds' order."""
    found: dict[tuple[int, str], list[StoreAlerts]] = defaultdict(list)
    if not stores:
        return found
    counts = db.execute(
        select(Terminal.customer_id, Terminal.store, Alert.alert_type, func.count())
        .join(Terminal, Terminal.id == Alert.terminal_id)
        .where(Alert.status != RESOLVED, tuple_(Terminal.customer_id, Terminal.store).in_(stores))
        .group_by(Terminal.customer_id, Terminal.store, Alert.alert_type)
    ).all()
    by_store = {(c, s, kind): n for c, s, kind, n in counts}
    for customer_id, store in stores:
        for kind in AlertKind:
            if count := by_store.get((customer_id, store, kind.value)):
                found[(customer_id, store)].append(StoreAlerts(alert_type=kind, label=kind.label, count=count))
    return found


def alert_summary(alerts: list[StoreAlerts]) -> str:
    """「オフライン 3件・エラー 1件」."""
    return labels.STORE_ALERTS_SEPARATOR.join(labels.STORE_ALERTS.format(label=a.label, count=a.count) for a in alerts)


def _read(row, alerts: list[StoreAlerts]) -> StoreRead:
    return StoreRead(**row._mapping, alerts=alerts, alert_summary=alert_summary(alerts))


def store_records(db: Session, rows: Sequence[Row]) -> list[StoreRead]:
    """A CSV batch's stores with their open alerts by kind (exports.ListExport.records)."""
    kinds = _alert_kinds(db, [(row.customer_id, row.store) for row in rows])
    return [_read(row, kinds[(row.customer_id, row.store)]) for row in rows]
