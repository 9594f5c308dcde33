"""What the demo's terminals reported: their state now, their metric series and roll-ups, and their events."""

import math
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.demo.fleet.plan import (
    AGENT_VERSION,
    HOURLY_DAYS,
    INSTALL_FAILURE,
    ONLINE_DEADLINE,
    SAMPLE_MINUTES,
    DemoTerminal,
    Fleet,
)
from service.dialect import insert_rows, update_rows
from service.fleet import retention
from service.fleet.alerting import monitoring
from service.fleet.kinds import AlertKind
from service.fleet.models import (
    FirmwareRelease,
    MetricHourly,
    MetricSample,
    Rollout,
    Terminal,
    TerminalEvent,
    UpdateTask,
    fleet_state,
)

STREAKED = {kind.value for kind, _ in AlertKind.usages()}  # a load alert's terminal keeps its streak


def _busy(fleet: Fleet, at: datetime) -> float:
    """Idle at night, peaks at lunch and in the evening."""
    local = at + fleet.utc_offset
    hour = local.hour + local.minute / 60
    if hour < 9 or hour >= 22:
        return 0.0
    return 0.5 + 0.5 * max(math.exp(-((hour - 12.5) ** 2) / 2), math.exp(-((hour - 18.5) ** 2) / 3))


def _reading(fleet: Fleet, terminal: DemoTerminal, at: datetime, noise: float = 1.0) -> tuple[float, float, float]:
    busy, rng = _busy(fleet, at), terminal.rng
    days = (fleet.now - at).total_seconds() / 86400
    cpu = terminal.cpu_base + terminal.cpu_busy * busy + rng.gauss(0, 3) * noise
    memory = terminal.memory_base + 12 * busy + rng.gauss(0, 1.5) * noise
    disk = terminal.disk_now - terminal.disk_growth * days
    return _percent(cpu), _percent(memory), _percent(disk)


def _percent(value: float) -> float:
    """Within 0.5-99.5, to one decimal."""
    return round(min(max(value, 0.5), 99.5), 1)


def _hourly(fleet: Fleet, terminal: DemoTerminal, hour: datetime) -> dict:
    cpu, memory, disk = _reading(fleet, terminal, hour + timedelta(minutes=30), noise=0.5)
    rng = terminal.rng
    spread = {
        "cpu": (rng.uniform(2, 6), rng.uniform(4, 20)),
        "memory": (rng.uniform(0.5, 3), rng.uniform(1, 5)),
        "disk": (0.1, 0.1),
    }
    row = {"terminal_id": terminal.id, "hour": hour, "samples": 60 // SAMPLE_MINUTES}
    for name, avg in (("cpu", cpu), ("memory", memory), ("disk", disk)):
        below, above = spread[name]
        row |= {
            f"{name}_min": round(max(avg - below, 0.0), 1),
            f"{name}_avg": avg,
            f"{name}_max": round(min(avg + above, 100.0), 1),
        }
    return row


def add_series(db: Session, fleet: Fleet, terminal: DemoTerminal) -> None:
    raw_start = fleet.now - timedelta(days=fleet.size.raw_days)
    hour = _floor_hour(fleet.now - timedelta(days=HOURLY_DAYS))
    hourly = []
    while hour < _floor_hour(raw_start) and hour < terminal.heard_at:
        hourly.append(_hourly(fleet, terminal, hour))
        hour += timedelta(hours=1)
    samples: list[dict] = []
    at, high = terminal.heard_at, terminal.streak
    kind = terminal.problem.kind if terminal.problem else ""
    while at >= raw_start:
        cpu, memory, disk = _reading(fleet, terminal, at)
        if len(samples) < high:
            cpu = round(terminal.rng.uniform(90.5, 97), 1) if kind == "high_cpu" else cpu
            memory = round(terminal.rng.uniform(90.5, 96), 1) if kind == "high_memory" else memory
        samples.append({"terminal_id": terminal.id, "recorded_at": at, "cpu": cpu, "memory": memory, "disk": disk})
        at -= timedelta(minutes=SAMPLE_MINUTES)
    insert_rows(db, MetricHourly, hourly)
    insert_rows(db, MetricSample, samples)
    if samples:
        first = samples[0]
        terminal.reading = (first["cpu"], first["memory"], first["disk"])


def _floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def snapshot(db: Session, fleet: Fleet, history: set[int]) -> None:
    rows = []
    for terminal in (t for t in fleet.terminals if t.enrolled):
        if terminal.id not in history:
            terminal.reading = _reading(fleet, terminal, terminal.heard_at)
        problem = terminal.problem.kind if terminal.problem else ""
        detail = terminal.problem.detail if terminal.problem else ""
        offline = problem == "offline"
        cpu, memory, disk = terminal.reading
        rows.append(
            {
                "id": terminal.id,
                "status": "error" if problem == "error" else "online",
                "reported_status": "error" if problem == "error" else "online",
                "error_message": detail if problem == "error" else "",
                "last_heartbeat_at": terminal.heard_at,
                "offline_deadline_at": terminal.heard_at + monitoring.offline_threshold()
                if offline
                else fleet.now + ONLINE_DEADLINE,
                "cpu_usage": cpu,
                "memory_usage": memory,
                "disk_usage": disk,
            }
        )
    update_rows(db, Terminal.__table__, rows, constants={"updated_at": fleet.now})
    _keep_streaks(db, fleet)
    db.expire_all()


def _keep_streaks(db: Session, fleet: Fleet) -> None:
    """A load alert's terminal keeps its streak of beats at the threshold (a handful of terminals: one statement
    each, a JSON value being no column of the bulk write's arrays)."""
    for terminal in fleet.terminals:
        problem = terminal.problem.kind if terminal.problem else ""
        if terminal.enrolled and problem in STREAKED:
            streaks = {problem: terminal.streak}
            db.execute(update(Terminal).where(Terminal.id == terminal.id).values(usage_streaks=streaks))


def roll_up_metrics(db: Session, fleet: Fleet) -> None:
    """With the service's own job, leaving its watermark where the job will carry on."""
    state = fleet_state(db)
    state.rolled_until = _floor_hour(fleet.now - timedelta(days=fleet.size.raw_days))
    db.flush()
    while retention.rollup_hours(db, now=fleet.now):
        pass


def event_row(fleet: Fleet, terminal_id: int, at: datetime, level: str, kind: str, message: str) -> dict:
    return {
        "terminal_id": terminal_id,
        "client_event_id": f"{fleet.rng.getrandbits(128):032x}",
        "occurred_at": at,
        "received_at": at + timedelta(seconds=fleet.rng.randint(1, 290)),
        "level": level,
        "kind": kind,
        "message": message,
    }


def add_events(db: Session, fleet: Fleet, history: list[DemoTerminal]) -> None:
    today = fleet.local(fleet.now).date()
    started = f"エージェント {AGENT_VERSION} が起動しました"
    for terminal in history:
        for days in range(HOURLY_DAYS):
            day = today - timedelta(days=days)
            at = datetime(day.year, day.month, day.day, 8, fleet.rng.randint(0, 59), tzinfo=fleet.zone)
            if fleet.now - timedelta(days=HOURLY_DAYS) <= at <= terminal.heard_at:
                fleet.events.append(event_row(fleet, terminal.id, at, "info", "agent_started", started))
    tasks = db.execute(
        select(
            UpdateTask.terminal_id,
            UpdateTask.command_id,
            UpdateTask.status,
            UpdateTask.started_at,
            FirmwareRelease.version,
        )
        .join(Rollout, Rollout.id == UpdateTask.rollout_id)
        .join(FirmwareRelease, FirmwareRelease.id == Rollout.release_id)
        .where(UpdateTask.status.in_(("succeeded", "failed")))
    ).all()
    for task in tasks:
        at = task.started_at + timedelta(minutes=10)
        if task.status == "succeeded":
            message = f"コマンド #{task.command_id}: ファームウェア {task.version} をインストールしました"
            fleet.events.append(event_row(fleet, task.terminal_id, at, "info", "command_succeeded", message))
        else:
            message = f"コマンド #{task.command_id}: {INSTALL_FAILURE}"
            fleet.events.append(event_row(fleet, task.terminal_id, at, "error", "command_failed", message))
    insert_rows(db, TerminalEvent, fleet.events)
