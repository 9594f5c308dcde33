"""The heartbeat hot path: alert rules for one beat, and a group commit writing many beats per transaction.

A request is answered only after the transaction holding its heartbeat committed, so nothing acknowledged is lost. A
batch's terminals are locked and read in one statement and their states and samples written in one more
(`dialect.UpdateThenInsert`), then what only some beats bring."""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Row, Select, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from service.config import get_settings
from service.database import session_scope, utcnow
from service.dialect import Dialect, UpdateThenInsert, current, insert_rows
from service.fleet import credentials, labels
from service.fleet.alerting import monitoring
from service.fleet.alerting.alerts import RESOLVED, NewAlert, open_alerts, resolve_alerts
from service.fleet.kinds import AlertKind
from service.fleet.models import Alert, Command, FleetState, MetricSample, Terminal, TerminalEvent
from service.fleet.wire import CommandOut, HeartbeatIn, HeartbeatReply
from service.group_commit import GroupCommit

if TYPE_CHECKING:
    from tenacity import RetryCallState, Retrying

log = logging.getLogger("daicho.fleet.heartbeats")
CONDITION_ALERTS = frozenset(kind for kind in AlertKind if kind.cleared_by_beat)


@dataclass
class TerminalState:
    terminal_id: int
    customer_id: int
    status: str
    usage_streaks: dict[str, int]
    interval_seconds: int
    open_types: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Verdict:
    status: str
    usage_streaks: dict[str, int]
    to_open: dict[str, str]
    to_resolve: set[str]


def evaluate(state: TerminalState, beat: HeartbeatIn) -> Verdict:
    """Error status, cpu/memory at the threshold on N consecutive beats, recovery."""
    settings = get_settings()
    threshold, needed = settings.fleet_high_usage_percent, settings.fleet_high_usage_consecutive
    streaks: dict[str, int] = {}
    wanted: dict[str, str] = {}
    kept: set[str] = set()
    if beat.status == "error":
        wanted[AlertKind.ERROR] = labels.ERROR_MESSAGE.format(detail=beat.error_message or "-")
    for kind, usage in AlertKind.usages():
        value = getattr(beat, usage.metric)
        streak = _streak(state.usage_streaks.get(kind, 0), value >= threshold, kind in state.open_types)
        if streak:
            streaks[kind.value] = streak
        if streak >= needed:
            wanted[kind] = labels.HIGH_USAGE_MESSAGE.format(
                label=usage.label, value=value, count=streak, threshold=threshold
            )
        elif kind in state.open_types and streak > -needed:
            kept.add(kind)  # an open alert resolves only after as many beats below as it took to open
    in_maintenance = state.status == "maintenance"
    return Verdict(
        status="maintenance" if in_maintenance else beat.status,
        usage_streaks=streaks,
        to_open={} if in_maintenance else {k: m for k, m in wanted.items() if k not in state.open_types},
        to_resolve=(state.open_types & CONDITION_ALERTS) - set(wanted) - kept,
    )


def _streak(previous: int, high: bool, alert_open: bool) -> int:
    """Positive at the threshold, negative below it while its alert is open."""
    if high:
        return max(previous, 0) + 1
    return min(previous, 0) - 1 if alert_open else 0


@dataclass
class AlertChanges:
    """An alert opened and cleared again within the batch is never written."""

    opening: dict[tuple[int, str], NewAlert] = field(default_factory=dict)
    resolving: set[tuple[int, str]] = field(default_factory=set)

    def add(self, state: TerminalState, verdict: Verdict) -> None:
        for kind in verdict.to_resolve:
            if self.opening.pop((state.terminal_id, kind), None) is None:
                self.resolving.add((state.terminal_id, kind))
        for kind, message in verdict.to_open.items():
            self.opening[(state.terminal_id, kind)] = NewAlert(state.terminal_id, state.customer_id, kind, message)


@dataclass(frozen=True)
class Beat:
    token_hash: str
    body: HeartbeatIn


@dataclass
class Snapshot:
    states: dict[str, TerminalState]
    with_commands: set[int]
    with_alerts: list[int]
    last_ingest_at: datetime | None

    @classmethod
    def of(cls, rows: Sequence[Row]) -> "Snapshot":
        return cls(
            states={
                r.token_hash: TerminalState(r.id, r.customer_id, r.status, r.usage_streaks or {}, r.interval_seconds)
                for r in rows
            },
            with_commands={r.id for r in rows if r.has_commands},
            with_alerts=[r.id for r in rows if r.has_alerts],
            last_ingest_at=rows[0].last_ingest_at if rows else None,
        )


@cache
def _snapshot_select(dialect: Dialect) -> Select:
    """Locked in id order."""
    has_commands = select(Command.id).where(Command.terminal_id == Terminal.id, Command.status == "pending").exists()
    has_alerts = select(Alert.id).where(Alert.terminal_id == Terminal.id, Alert.status != RESOLVED).exists()
    last_ingest = select(FleetState.last_ingest_at).where(FleetState.id == 1).scalar_subquery()
    return (
        select(
            Terminal.id,
            Terminal.customer_id,
            Terminal.status,
            Terminal.usage_streaks,
            Terminal.interval_seconds,
            Terminal.token_hash,
            has_commands.label("has_commands"),
            has_alerts.label("has_alerts"),
            last_ingest.label("last_ingest_at"),
        )
        .where(dialect.member_of(Terminal.token_hash, "token_hashes"))
        .order_by(Terminal.id)
        .with_for_update(of=Terminal)
    )


def _snapshot(db: Session, token_hashes: list[str]) -> Snapshot:
    """Open alert types are fetched only for terminals that have some."""
    rows = db.connection().execute(_snapshot_select(current()), {"token_hashes": token_hashes}).all()
    snapshot = Snapshot.of(rows)
    if snapshot.with_alerts:
        by_id = {state.terminal_id: state for state in snapshot.states.values()}
        for terminal_id, kind in db.execute(
            select(Alert.terminal_id, Alert.alert_type).where(
                Alert.terminal_id.in_(snapshot.with_alerts), Alert.status != RESOLVED
            )
        ):
            by_id[terminal_id].open_types.add(kind)
    return snapshot


def _deliver_commands(db: Session, terminal_ids: list[int], now: datetime) -> dict[int, list[CommandOut]]:
    """The terminals' waiting commands, marked sent; one past its expiry is cancelled instead (never run late)."""
    db.execute(
        update(Command)
        .where(Command.terminal_id.in_(terminal_ids), Command.status == "pending", Command.expires_at <= now)
        .values(status="cancelled", finished_at=now, message=labels.COMMAND_EXPIRED)
        .execution_options(synchronize_session=False)
    )
    rows = db.execute(
        update(Command)
        .where(Command.terminal_id.in_(terminal_ids), Command.status == "pending")
        .values(status="sent", sent_at=now)
        .returning(Command.id, Command.terminal_id, Command.type, Command.params)
        .execution_options(synchronize_session=False)
    ).all()
    out: dict[int, list[CommandOut]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.id):
        out[row.terminal_id].append(CommandOut(id=row.id, type=row.type, params=row.params))
    return out


@dataclass
class BatchPlan:
    states: list[dict]
    samples: list[dict]
    events: list[dict]
    changes: AlertChanges

    def is_plain(self, snapshot: Snapshot, now: datetime) -> bool:
        return not (
            self.events
            or self.changes.opening
            or self.changes.resolving
            or snapshot.with_commands
            or snapshot.with_alerts
            or monitoring.ingest_mark_due(now=now, last_ingest_at=snapshot.last_ingest_at)
        )


def plan_batch(snapshot: Snapshot, beats: list[Beat], *, now: datetime) -> BatchPlan:
    """As if the beats had arrived one by one."""
    settings = get_settings()
    states = snapshot.states
    updates: dict[int, dict] = {}
    samples, events, changes = [], [], AlertChanges()
    for beat in beats:
        state = states.get(beat.token_hash)
        if state is None:
            continue
        body = beat.body
        verdict = evaluate(state, body)
        state.status, state.usage_streaks = verdict.status, verdict.usage_streaks
        state.open_types = (state.open_types - verdict.to_resolve) | set(verdict.to_open)
        changes.add(state, verdict)
        deadline = now + monitoring.terminal_offline_threshold(state.interval_seconds, settings)
        updates[state.terminal_id] = {
            "id": state.terminal_id,
            "status": verdict.status,
            "reported_status": body.status,
            "firmware_version": body.firmware_version,
            "agent_version": body.agent_version,
            "cpu_usage": body.cpu,
            "memory_usage": body.memory,
            "disk_usage": body.disk,
            "usage_streaks": verdict.usage_streaks,
            "error_message": body.error_message or "",
            "offline_deadline_at": deadline,
        }
        samples.append({"terminal_id": state.terminal_id, "cpu": body.cpu, "memory": body.memory, "disk": body.disk})
        events += [
            {
                "terminal_id": state.terminal_id,
                "client_event_id": e.client_event_id,
                "received_at": now,
                "level": e.level,
                "kind": e.kind,
                **e.stored(now),
            }
            for e in body.events
        ]
    return BatchPlan(list(updates.values()), samples, events, changes)


_STORE = UpdateThenInsert(
    updated=Terminal.__table__,
    update_columns=(
        "status",
        "reported_status",
        "firmware_version",
        "agent_version",
        "cpu_usage",
        "memory_usage",
        "disk_usage",
        "usage_streaks",
        "error_message",
        "offline_deadline_at",
    ),
    update_nulls=("offline_since",),
    update_constants=("last_heartbeat_at", "updated_at"),
    inserted=MetricSample.__table__,
    insert_columns=("terminal_id", "cpu", "memory", "disk"),
    insert_constants=("recorded_at",),
)


def _store(db: Session, states: list[dict], samples: list[dict], now: datetime) -> None:
    if states:
        connection = db.connection()
        for step in current().update_then_insert(_STORE, states, samples, now):
            connection.execute(step.statement, step.params)


def write_batch(db: Session, beats: list[Beat], *, now: datetime) -> list[HeartbeatReply | Exception]:
    snapshot = _snapshot(db, sorted({b.token_hash for b in beats}))
    plan = plan_batch(snapshot, beats, now=now)
    _store(db, plan.states, plan.samples, now)
    insert_rows(db, TerminalEvent, plan.events, ignore_conflicts=True)
    resolve_alerts(db, plan.changes.resolving, now=now)
    open_alerts(db, plan.changes.opening.values(), now=now)
    commands = _deliver_commands(db, list(snapshot.with_commands), now) if snapshot.with_commands else {}
    if plan.states:
        monitoring.mark_ingest(db, now=now, last_ingest_at=snapshot.last_ingest_at)
    return _replies(snapshot, beats, commands)


def _replies(
    snapshot: Snapshot, beats: list[Beat], commands: dict[int, list[CommandOut]]
) -> list[HeartbeatReply | Exception]:
    return [_reply(snapshot.states.get(b.token_hash), commands) for b in beats]


def _reply(state: TerminalState | None, commands: dict[int, list[CommandOut]]) -> HeartbeatReply | Exception:
    if state is None:
        return credentials.invalid_token()
    return HeartbeatReply(interval_seconds=state.interval_seconds, commands=commands.get(state.terminal_id, []))


def write_in_session(beats: list[Beat]) -> list[HeartbeatReply | Exception]:
    """A deadlock or a dropped connection is retried once, at once."""
    return retrying_once()(_write_in_new_session, beats)


def _write_in_new_session(beats: list[Beat]) -> list[HeartbeatReply | Exception]:
    with session_scope() as db:
        return write_batch(db, beats, now=utcnow())


@cache
def retrying_once() -> "Retrying":
    """Built on the first write: importing tenacity is left out of the API's start."""
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

    return Retrying(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_attempt(2),
        before_sleep=_note_retry,
        reraise=True,
    )


def _note_retry(state: "RetryCallState") -> None:
    (beats,) = state.args
    fault = state.outcome.exception() if state.outcome else None
    log.warning("heartbeat batch of %d retried after a database error", len(beats), exc_info=fault)


async def write(beats: list[Beat]) -> list[HeartbeatReply | Exception]:
    return await asyncio.to_thread(write_in_session, beats)


group_commit = GroupCommit(write, get_settings().fleet_batch_max)


async def record(beat: Beat) -> HeartbeatReply:
    return await group_commit.submit(beat)
