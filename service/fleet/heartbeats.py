"""The heartbeat hot path: alert rules for one beat, and a group commit writing many beats per transaction.

A request is answered only after the transaction holding its heartbeat committed, so nothing acknowledged is lost.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from service.config import get_settings
from service.database import session_scope, utcnow
from service.errors import Unauthorized
from service.fleet import labels, monitoring
from service.fleet.alerts import RESOLVED, NewAlert, open_alerts, resolve_alerts
from service.fleet.models import Alert, Command, FleetState, MetricSample, Terminal, TerminalEvent
from service.fleet.schemas import CommandOut, HeartbeatIn, HeartbeatReply
from service.fleet.sql import insert_rows, update_rows

log = logging.getLogger("daicho.fleet.heartbeats")
CONDITION_ALERTS = frozenset({"offline", "error", "high_cpu", "high_memory"})


@dataclass
class TerminalState:
    """What the rules need to know about a terminal before a beat."""

    terminal_id: int
    customer_id: int
    status: str
    high_cpu_streak: int
    high_memory_streak: int
    interval_seconds: int
    open_types: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Verdict:
    status: str
    high_cpu_streak: int
    high_memory_streak: int
    to_open: dict[str, str]
    to_resolve: set[str]


def evaluate(state: TerminalState, beat: HeartbeatIn) -> Verdict:
    """Apply the alert rules to one beat: error status, cpu/memory at the threshold on N consecutive beats, recovery."""
    settings = get_settings()
    threshold, needed = settings.fleet_high_usage_percent, settings.fleet_high_usage_consecutive
    cpu_streak = state.high_cpu_streak + 1 if beat.cpu >= threshold else 0
    memory_streak = state.high_memory_streak + 1 if beat.memory >= threshold else 0
    wanted: dict[str, str] = {}
    if beat.status == "error":
        wanted["error"] = labels.ERROR_MESSAGE.format(detail=beat.error_message or "-")
    for kind, value, streak in (("high_cpu", beat.cpu, cpu_streak), ("high_memory", beat.memory, memory_streak)):
        if streak >= needed:
            wanted[kind] = labels.HIGH_USAGE_MESSAGE.format(
                label=labels.USAGE_LABELS[kind], value=value, count=streak, threshold=threshold
            )
    in_maintenance = state.status == "maintenance"
    return Verdict(
        status="maintenance" if in_maintenance else beat.status,
        high_cpu_streak=cpu_streak,
        high_memory_streak=memory_streak,
        to_open={} if in_maintenance else {k: m for k, m in wanted.items() if k not in state.open_types},
        to_resolve=(state.open_types & CONDITION_ALERTS) - set(wanted),
    )


@dataclass
class AlertChanges:
    """A batch's alert changes in order: an alert opened and cleared again within the batch is never written."""

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
    """What one query tells about a batch: the terminals (by token hash), who has commands waiting, the last ingest."""

    states: dict[str, TerminalState]
    with_commands: set[int]
    last_ingest_at: datetime | None


@cache
def _snapshot_query() -> Select:
    """Built once: the batch's terminals by token hash, locked in id order, with what the rules need to know."""
    has_commands = select(Command.id).where(Command.terminal_id == Terminal.id, Command.status == "pending").exists()
    has_alerts = select(Alert.id).where(Alert.terminal_id == Terminal.id, Alert.status != RESOLVED).exists()
    last_ingest = select(FleetState.last_ingest_at).where(FleetState.id == 1).scalar_subquery()
    return (
        select(
            Terminal.id,
            Terminal.customer_id,
            Terminal.status,
            Terminal.high_cpu_streak,
            Terminal.high_memory_streak,
            Terminal.interval_seconds,
            Terminal.token_hash,
            has_commands.label("has_commands"),
            has_alerts.label("has_alerts"),
            last_ingest.label("last_ingest_at"),
        )
        .where(Terminal.token_hash.in_(bindparam("token_hashes", expanding=True)))
        .order_by(Terminal.id)
        .with_for_update(of=Terminal)
    )


def _snapshot(db: Session, token_hashes: list[str]) -> Snapshot:
    """Authenticate, lock and read in one round trip; open alert types are fetched only for terminals that have some."""
    rows = db.connection().execute(_snapshot_query(), {"token_hashes": token_hashes}).all()
    by_id = {
        r.id: TerminalState(r.id, r.customer_id, r.status, r.high_cpu_streak, r.high_memory_streak, r.interval_seconds)
        for r in rows
    }
    alerting = [r.id for r in rows if r.has_alerts]
    if alerting:
        for terminal_id, kind in db.execute(
            select(Alert.terminal_id, Alert.alert_type).where(Alert.terminal_id.in_(alerting), Alert.status != RESOLVED)
        ):
            by_id[terminal_id].open_types.add(kind)
    return Snapshot(
        states={r.token_hash: by_id[r.id] for r in rows},
        with_commands={r.id for r in rows if r.has_commands},
        last_ingest_at=rows[0].last_ingest_at if rows else None,
    )


def _deliver_commands(db: Session, terminal_ids: list[int], now: datetime) -> dict[int, list[CommandOut]]:
    """Hand out the commands waiting for these terminals and mark them sent."""
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


def write_batch(db: Session, beats: list[Beat], *, now: datetime) -> list[HeartbeatReply | Exception]:
    """Store a batch of heartbeats: state, samples, new events, alert changes; return each beat's reply."""
    settings = get_settings()
    snapshot = _snapshot(db, sorted({b.token_hash for b in beats}))
    states = snapshot.states
    updates: dict[int, dict] = {}
    samples, events, changes = [], [], AlertChanges()
    for beat in beats:
        state = states.get(beat.token_hash)
        if state is None:
            continue
        body = beat.body
        verdict = evaluate(state, body)
        state.status, state.high_cpu_streak, state.high_memory_streak = (
            verdict.status,
            verdict.high_cpu_streak,
            verdict.high_memory_streak,
        )
        state.open_types = (state.open_types - verdict.to_resolve) | set(verdict.to_open)
        changes.add(state, verdict)
        deadline = now + timedelta(seconds=state.interval_seconds * settings.fleet_offline_missed_intervals)
        updates[state.terminal_id] = {
            "id": state.terminal_id,
            "status": verdict.status,
            "reported_status": body.status,
            "firmware_version": body.firmware_version,
            "agent_version": body.agent_version,
            "cpu_usage": body.cpu,
            "memory_usage": body.memory,
            "disk_usage": body.disk,
            "high_cpu_streak": verdict.high_cpu_streak,
            "high_memory_streak": verdict.high_memory_streak,
            "error_message": body.error_message or "",
            "offline_deadline_at": deadline,
        }
        samples.append(
            {
                "terminal_id": state.terminal_id,
                "recorded_at": now,
                "cpu": body.cpu,
                "memory": body.memory,
                "disk": body.disk,
            }
        )
        events += [
            {
                "terminal_id": state.terminal_id,
                "client_event_id": e.client_event_id,
                "occurred_at": e.occurred_at,
                "received_at": now,
                "level": e.level,
                "kind": e.kind,
                "message": e.message,
            }
            for e in body.events
        ]
    if updates:
        update_rows(
            db,
            Terminal.__table__,
            list(updates.values()),
            constants={"last_heartbeat_at": now, "offline_since": None, "updated_at": now},
        )
        insert_rows(db, MetricSample, samples)
    insert_rows(db, TerminalEvent, events, ignore_conflicts=True)
    resolve_alerts(db, changes.resolving, now=now)
    open_alerts(db, changes.opening.values(), now=now)
    commands = _deliver_commands(db, list(snapshot.with_commands), now) if snapshot.with_commands else {}
    if updates:
        monitoring.mark_ingest(db, now=now, last_ingest_at=snapshot.last_ingest_at)
    return [_reply(states.get(b.token_hash), commands) for b in beats]


def _reply(state: TerminalState | None, commands: dict[int, list[CommandOut]]) -> HeartbeatReply | Exception:
    if state is None:
        return Unauthorized("端末トークンが無効です", code="invalid_terminal_token")
    return HeartbeatReply(interval_seconds=state.interval_seconds, commands=commands.get(state.terminal_id, []))


def _write_in_transaction(beats: list[Beat]) -> list[HeartbeatReply | Exception]:
    with session_scope() as db:
        return write_batch(db, beats, now=utcnow())


def write_with_fallback(beats: list[Beat]) -> list[HeartbeatReply | Exception]:
    """Write the batch; a deadlock is retried; other failures are narrowed down so only the culprit fails."""
    for attempt in range(3):
        try:
            return _write_in_transaction(beats)
        except OperationalError:
            if attempt == 2:
                raise
            log.warning("heartbeat batch of %d retried after a database conflict", len(beats))
        except Exception:
            if len(beats) == 1:
                raise
            log.exception("heartbeat batch of %d failed; writing one by one", len(beats))
            return [_single(beat) for beat in beats]
    raise AssertionError("unreachable")


def _single(beat: Beat) -> HeartbeatReply | Exception:
    try:
        return write_with_fallback([beat])[0]
    except Exception as exc:  # handed to that request's error handler
        return exc


class GroupRunner:
    """Runs `work` over everything submitted on one event loop while its earlier calls were running (group commit).

    Under load many requests share one database round trip; alone, a request waits for nobody. Up to `IN_FLIGHT`
    calls overlap, so one batch's round trips do not leave the next batch waiting.
    """

    IN_FLIGHT = 2

    def __init__(self, work: Callable[[list], list], executor: ThreadPoolExecutor) -> None:
        self.loop = asyncio.get_running_loop()
        self.work, self.executor = work, executor
        self.queue: list[tuple[object, asyncio.Future]] = []
        self.wakeup = asyncio.Event()
        self.slots = asyncio.Semaphore(self.IN_FLIGHT)
        self.max_batch = get_settings().fleet_batch_max
        self.task = self.loop.create_task(self._run())

    async def submit(self, item: object):
        future = self.loop.create_future()
        self.queue.append((item, future))
        self.wakeup.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.queue:
                await self.slots.acquire()
                batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
                self.loop.create_task(self._call(batch))

    async def _call(self, batch: list[tuple[object, asyncio.Future]]) -> None:
        try:
            results = await self.loop.run_in_executor(self.executor, self.work, [item for item, _ in batch])
        except Exception as exc:
            results = [exc] * len(batch)
        finally:
            self.slots.release()
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


_runners: dict[tuple[int, str], GroupRunner] = {}
_executors = {
    name: ThreadPoolExecutor(max_workers=GroupRunner.IN_FLIGHT, thread_name_prefix=f"fleet-{name}")
    for name in ("write", "read")
}


def runner(name: str, work: Callable[[list], list]) -> GroupRunner:
    """The group runner of the running event loop for this kind of work (one per worker; a test client gets its own)."""
    loop = asyncio.get_running_loop()
    key = (id(loop), name)
    current = _runners.get(key)
    if current is None or current.loop is not loop or current.task.done():
        current = _runners[key] = GroupRunner(work, _executors[name])
    return current


async def record(beat: Beat) -> HeartbeatReply:
    """Store one heartbeat durably, sharing a transaction with whatever else arrived meanwhile."""
    return await runner("write", write_with_fallback).submit(beat)
