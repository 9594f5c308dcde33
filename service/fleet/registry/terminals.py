"""Terminals: the register, the list page's filters, the detail page's series and events, and operator commands."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.errors import Conflict, NotFound, ValidationFailed, unknown_reference
from service.figures import day_start
from service.fleet import auditing, labels
from service.fleet.alerting.alerts import RESOLVED, resolve_all_for_terminal
from service.fleet.kinds import CommandType
from service.fleet.models import (
    Alert,
    Command,
    Customer,
    Diagnostic,
    MetricHourly,
    MetricSample,
    Terminal,
    TerminalEvent,
)
from service.fleet.registry.schemas import (
    MetricPoint,
    MetricSeries,
    TerminalCreate,
    TerminalFilter,
    TerminalRead,
    TerminalUpdate,
)
from service.fleet.wire import DiagnosticsIn, device_time
from service.search import contains
from service.tenancy import TenantScope, get_scoped, scoped

TERMINAL_FIELDS = fields.audited(Terminal)  # serial_number, customer_id, store_name, status, …
SORTS = {
    "serial_number": Terminal.serial_number,
    "store_name": Terminal.store_name,
    "status": Terminal.status,
    "last_heartbeat_at": Terminal.last_heartbeat_at,
    "company_name": Customer.company_name,
    "firmware_version": Terminal.firmware_version,
    "cpu_usage": Terminal.cpu_usage,
    "memory_usage": Terminal.memory_usage,
}
RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def filtered_terminals(stmt: Select, flt: TerminalFilter | None) -> Select:
    """Apply the list page's filters; a search matches serial, store or company name; registered_to keeps the
    terminals registered by the end of that day."""
    if flt is None:
        return stmt
    if flt.customer_id is not None:
        stmt = stmt.where(Terminal.customer_id == flt.customer_id)
    if flt.status:
        stmt = stmt.where(Terminal.status == flt.status)
    if flt.firmware_version:
        stmt = stmt.where(Terminal.firmware_version == flt.firmware_version)
    if flt.registered_to:
        stmt = stmt.where(Terminal.created_at < day_start(flt.registered_to + timedelta(days=1)))
    if flt.q:
        company = select(Customer.id).where(contains(flt.q, Customer.company_name))
        stmt = stmt.where(
            or_(contains(flt.q, Terminal.serial_number, Terminal.store_name), Terminal.customer_id.in_(company))
        )
    return stmt


def open_alert_count():
    """A terminal's unresolved alerts, as a column of a statement selecting terminals."""
    return (
        select(func.count())
        .where(Alert.terminal_id == Terminal.id, Alert.status != RESOLVED)
        .correlate(Terminal)
        .scalar_subquery()
    )


def _read(terminal: Terminal, company: str, open_alerts: int) -> TerminalRead:
    read = TerminalRead.model_validate(terminal)
    read.company_name, read.open_alerts, read.enrolled = company, open_alerts, terminal.token_hash is not None
    return read


def count_terminals(db: Session, *, scope: TenantScope, flt: TerminalFilter) -> int:
    """The list's total: the terminals in scope its filters select."""
    base = filtered_terminals(scoped(select(Terminal.id), scope, Terminal.customer_id), flt)
    return db.scalar(select(func.count()).select_from(base.subquery())) or 0


def list_terminals(
    db: Session, *, scope: TenantScope, flt: TerminalFilter, sort: str, offset: int, limit: int
) -> tuple[list[TerminalRead], int]:
    total = count_terminals(db, scope=scope, flt=flt)
    key = sort.lstrip("-")
    if key not in SORTS:
        raise ValidationFailed("並び替えの指定が正しくありません", details={"field": "sort", "allowed": sorted(SORTS)})
    order = SORTS[key].desc() if sort.startswith("-") else SORTS[key].asc()
    stmt = filtered_terminals(
        scoped(
            select(Terminal, Customer.company_name, open_alert_count()).join(
                Customer, Customer.id == Terminal.customer_id
            ),
            scope,
            Terminal.customer_id,
        ),
        flt,
    )
    rows = db.execute(stmt.order_by(order, Terminal.id).offset(offset).limit(limit)).all()
    return [_read(*row) for row in rows], total


def terminal_read(db: Session, terminal: Terminal) -> TerminalRead:
    company = db.scalar(select(Customer.company_name).where(Customer.id == terminal.customer_id)) or ""
    count = db.scalar(
        select(func.count()).select_from(Alert).where(Alert.terminal_id == terminal.id, Alert.status != RESOLVED)
    )
    return _read(terminal, company, count or 0)


def get_terminal(db: Session, *, terminal_id: int, scope: TenantScope) -> Terminal:
    return get_scoped(db, Terminal, terminal_id, scope, Terminal.customer_id)


def _customer_in_scope(db: Session, customer_id: int, scope: TenantScope) -> Customer:
    try:
        return get_scoped(db, Customer, customer_id, scope, Customer.id)
    except NotFound as exc:
        raise unknown_reference("顧客企業が見つかりません", "customer_id") from exc


def create_terminal(db: Session, *, data: TerminalCreate, scope: TenantScope, actor: Actor) -> Terminal:
    _customer_in_scope(db, data.customer_id, scope)
    if db.scalar(select(Terminal.id).where(Terminal.serial_number == data.serial_number)):
        raise Conflict("このシリアル番号は既に登録されています", details={"field": "serial_number", "rule": "unique"})
    terminal = Terminal(**data.model_dump())
    db.add(terminal)
    db.flush()
    auditing.record(
        db, actor, "create", "terminal", terminal.id, audit.diff({}, audit.snapshot(terminal, TERMINAL_FIELDS))
    )
    return terminal


def update_terminal(
    db: Session, *, terminal: Terminal, data: TerminalUpdate, scope: TenantScope, actor: Actor
) -> Terminal:
    before = audit.snapshot(terminal, TERMINAL_FIELDS)
    fields = data.model_dump(exclude_unset=True)
    if fields.get("customer_id") is not None:
        _customer_in_scope(db, fields["customer_id"], scope)
    for name, value in fields.items():
        if value is not None or name == "installed_date":
            setattr(terminal, name, value)
    db.flush()
    changes = audit.diff(before, audit.snapshot(terminal, TERMINAL_FIELDS))
    if changes:
        db.execute(
            update(Alert)
            .where(Alert.terminal_id == terminal.id)
            .values(customer_id=terminal.customer_id)
            .execution_options(synchronize_session=False)
        )
        auditing.record(db, actor, "update", "terminal", terminal.id, changes)
    return terminal


def set_maintenance(db: Session, *, terminal: Terminal, enabled: bool, actor: Actor, now: datetime) -> Terminal:
    """Enter maintenance (open alerts resolve, no new ones) or leave it (back to the agent's last word, if recent)."""
    before = {"status": terminal.status}
    if enabled:
        terminal.status = "maintenance"
        resolve_all_for_terminal(db, terminal_id=terminal.id, now=now, by=actor.label)
    elif terminal.status == "maintenance":
        fresh = terminal.offline_deadline_at is not None and terminal.offline_deadline_at > now
        terminal.status = terminal.reported_status if fresh else "offline"
        terminal.usage_streaks = {}
    db.flush()
    changes = audit.diff(before, {"status": terminal.status})
    if changes:
        auditing.record(db, actor, "maintenance", "terminal", terminal.id, changes, at=now)
    return terminal


def _require_agent(terminal: Terminal) -> None:
    if terminal.token_hash is None:
        raise Conflict("この端末はエージェントが登録されていません", code="terminal_not_enrolled")


def queue_command(
    db: Session,
    *,
    terminal: Terminal,
    type: str,
    params: dict,
    actor: Actor,
    now: datetime,
    expires_at: datetime | None = None,
) -> Command:
    """Put a command where the terminal's next heartbeat will pick it up (until expires_at, when given)."""
    _require_agent(terminal)
    command = Command(
        terminal_id=terminal.id,
        type=type,
        params=params,
        created_by=actor.label,
        created_at=now,
        expires_at=expires_at,
    )
    db.add(command)
    db.flush()
    changes: dict[str, dict[str, Any]] = {"command_id": {"before": None, "after": command.id}}
    if params:
        changes["params"] = {"before": None, "after": params}
    auditing.record(db, actor, f"command_{type}", "terminal", terminal.id, changes, at=now)
    return command


def restart(db: Session, *, terminal: Terminal, actor: Actor, now: datetime) -> Command:
    """再起動 of the terminal's payment application. Only for a terminal heard from now (in maintenance too: it raises
    no alert there), and handed out only until that terminal's offline deadline, so a silent terminal never restarts
    when it comes back; a restart already waiting or under way is answered again, never queued twice."""
    _require_agent(terminal)
    deadline = terminal.offline_deadline_at
    if deadline is None or deadline <= now:
        raise Conflict(labels.RESTART_UNHEARD, code="terminal_unheard")
    db.execute(select(Terminal.id).where(Terminal.id == terminal.id).with_for_update())  # one restart at a time
    under_way = db.scalar(
        select(Command).where(
            Command.terminal_id == terminal.id,
            Command.type == CommandType.RESTART,
            Command.status.in_(("pending", "sent")),
            Command.expires_at > now,
        )
    )
    if under_way is not None:
        return under_way
    return queue_command(
        db, terminal=terminal, type=CommandType.RESTART, params={}, actor=actor, now=now, expires_at=deadline
    )


def set_interval(db: Session, *, terminal: Terminal, interval_seconds: int, actor: Actor, now: datetime) -> Command:
    terminal.interval_seconds = interval_seconds
    return queue_command(
        db, terminal=terminal, type="set_interval", params={"interval_seconds": interval_seconds}, actor=actor, now=now
    )


def store_diagnostics(db: Session, *, terminal_id: int, body: DiagnosticsIn, now: datetime) -> Diagnostic:
    command = db.get(Command, body.command_id)
    if command is None or command.terminal_id != terminal_id or command.type != "collect_diagnostics":
        raise NotFound(
            "指定された診断コマンドは見つかりません", details={"resource": "fleet_command", "id": body.command_id}
        )
    if command.status in ("done", "cancelled"):
        raise Conflict("この診断コマンドは既に完了しています", code="command_finished")
    command.status, command.state, command.progress, command.finished_at = "done", "succeeded", 100, now
    max_lines = int(command.params.get("max_lines", len(body.lines)))
    diagnostic = Diagnostic(
        terminal_id=terminal_id,
        command_id=command.id,
        collected_at=device_time(body.collected_at, now),
        lines=body.lines[-max_lines:],
        received_at=now,
    )
    db.add(diagnostic)
    db.flush()
    return diagnostic


def list_commands(db: Session, *, terminal: Terminal) -> list[Command]:
    return list(
        db.scalars(select(Command).where(Command.terminal_id == terminal.id).order_by(Command.id.desc()).limit(50))
    )


def list_diagnostics(db: Session, *, terminal: Terminal) -> list[Diagnostic]:
    return list(
        db.scalars(
            select(Diagnostic).where(Diagnostic.terminal_id == terminal.id).order_by(Diagnostic.id.desc()).limit(20)
        )
    )


EVENT_ORDER = (TerminalEvent.occurred_at.desc(), TerminalEvent.id.desc())


def event_query(terminal: Terminal, level: str | None) -> Select:
    """The terminal's events of the list (of one level when given), shown newest first (`EVENT_ORDER`)."""
    stmt = select(TerminalEvent).where(TerminalEvent.terminal_id == terminal.id)
    return stmt.where(TerminalEvent.level == level) if level else stmt


def list_events(db: Session, *, terminal: Terminal, level: str | None, offset: int, limit: int):
    stmt = event_query(terminal, level)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(*EVENT_ORDER).offset(offset).limit(limit))
    return list(rows), total


def metric_series(db: Session, *, terminal: Terminal, range_key: str, now: datetime) -> MetricSeries:
    """24 h of raw samples; 7 d / 30 d of hourly rollups followed by the raw samples not rolled up yet."""
    if range_key not in RANGES:
        raise ValidationFailed("期間は24h・7d・30dのいずれかです", details={"field": "range", "allowed": list(RANGES)})
    since = now - RANGES[range_key]
    points: list[MetricPoint] = []
    if range_key != "24h":
        hourly = db.scalars(
            select(MetricHourly)
            .where(MetricHourly.terminal_id == terminal.id, MetricHourly.hour >= since)
            .order_by(MetricHourly.hour)
        ).all()
        points = [
            MetricPoint(
                at=h.hour,
                cpu=h.cpu_avg,
                memory=h.memory_avg,
                disk=h.disk_avg,
                cpu_max=h.cpu_max,
                memory_max=h.memory_max,
                disk_max=h.disk_max,
            )
            for h in hourly
        ]
        if hourly:
            since = hourly[-1].hour + timedelta(hours=1)
    raw = db.execute(
        select(MetricSample.recorded_at, MetricSample.cpu, MetricSample.memory, MetricSample.disk)
        .where(MetricSample.terminal_id == terminal.id, MetricSample.recorded_at >= since)
        .order_by(MetricSample.recorded_at)
    ).all()
    points += [MetricPoint(at=r.recorded_at, cpu=r.cpu, memory=r.memory, disk=r.disk) for r in raw]
    return MetricSeries(range=range_key, resolution="raw" if range_key == "24h" else "hour", points=points)
