"""Firmware releases and rollouts in waves, verified by the terminals' own heartbeats."""

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeAlias

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import SYSTEM, Actor
from service.config import get_settings
from service.dialect import update_rows
from service.errors import Conflict, NotFound, ValidationFailed, unknown_reference
from service.fleet import auditing, labels
from service.fleet.alerting.alerts import NewAlert, open_alerts, resolve_alerts
from service.fleet.kinds import AlertKind
from service.fleet.models import Command, Customer, FirmwareRelease, Rollout, Terminal, UpdateTask
from service.fleet.registry.terminals import filtered_terminals
from service.fleet.rollouts.schemas import RolloutCreate, RolloutRead, UpdateTaskRead, WaveProgress
from service.fleet.schemas import columns_of
from service.fleet.wire import ProgressIn
from service.tenancy import TenantScope, scoped

ACTIVE = ("pending", "in_progress", "installed")
FAILED = ("failed", "timed_out")
FINISHED = ("completed", "cancelled")  # a rollout in either is over
FINAL_STATES = {"succeeded": "done", "failed": "failed"}
RELEASE_FIELDS = fields.audited(FirmwareRelease)
# A new rollout's entry: its release, its terminals, and its settings; its status and pause reason are its actions'.
SETTINGS = tuple(name for name in fields.audited(Rollout) if name not in ("release_id", "status", "paused_reason"))
FinishedTasks: TypeAlias = Sequence[Row[int, int, int | None]]  # (id, terminal_id, command_id) of finished tasks


def firmware_path(release: FirmwareRelease) -> Path:
    return get_settings().data_dir / "fleet" / "firmware" / f"{release.sha256}.bin"


def create_release(
    db: Session, *, version: str, sha256: str, notes: str, filename: str, data: bytes, actor: Actor, now: datetime
) -> FirmwareRelease:
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256.strip().lower():
        raise ValidationFailed(
            "ファイルのSHA-256が一致しません", details={"field": "sha256", "rule": "sha256_mismatch", "actual": actual}
        )
    if not data:
        raise ValidationFailed("ファイルが空です", details={"field": "file", "rule": "not_empty"})
    if db.scalar(select(FirmwareRelease.id).where(FirmwareRelease.version == version)):
        raise Conflict("このバージョンは既に登録されています", details={"field": "version", "rule": "unique"})
    release = FirmwareRelease(
        version=version,
        sha256=actual,
        size=len(data),
        filename=filename[:200],
        notes=notes,
        created_by=actor.label,
        created_at=now,
    )
    db.add(release)
    db.flush()
    path = firmware_path(release)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    auditing.record(
        db,
        actor,
        "create",
        "firmware_release",
        release.id,
        audit.diff({}, audit.snapshot(release, RELEASE_FIELDS)),
        at=now,
    )
    return release


def get_release(db: Session, release_id: int) -> FirmwareRelease:
    release = db.get(FirmwareRelease, release_id)
    if release is None:
        raise NotFound(
            "指定されたファームウェアは見つかりません", details={"resource": "fleet_firmware_release", "id": release_id}
        )
    return release


def _wave_sizes(total: int, waves: list[float]) -> list[int]:
    """Every wave gets at least one terminal while terminals remain."""
    sizes, done = [], 0
    for pct in waves:
        upto = min(total, max(math.ceil(total * pct / 100), done + 1))
        sizes.append(upto - done)
        done = upto
    return sizes


def _target_ids(db: Session, data: RolloutCreate, scope: TenantScope, version: str) -> list[int]:
    target = data.target
    stmt = scoped(select(Terminal.id), scope, Terminal.customer_id)
    if target.customer_id is not None:
        stmt = stmt.where(Terminal.customer_id == target.customer_id)
    elif target.terminal_ids is not None:
        stmt = stmt.where(Terminal.id.in_(target.terminal_ids))
    else:
        stmt = filtered_terminals(stmt, target.filter)
    busy = select(UpdateTask.terminal_id).where(UpdateTask.status.in_(ACTIVE + ("queued",)))
    stmt = stmt.where(Terminal.firmware_version != version, Terminal.token_hash.is_not(None), Terminal.id.not_in(busy))
    return list(db.scalars(stmt.order_by(Terminal.id)).all())


def create_rollout(db: Session, *, data: RolloutCreate, scope: TenantScope, actor: Actor, now: datetime) -> Rollout:
    settings = get_settings()
    try:
        release = get_release(db, data.release_id)
    except NotFound as exc:
        raise unknown_reference(exc.message, "release_id") from exc
    ids = _target_ids(db, data, scope, release.version)
    if not ids:
        raise ValidationFailed(
            "更新対象の端末がありません（登録済みで、別の更新中でなく、対象バージョン未適用の端末）",
            details={"field": "target", "rule": "no_terminals"},
        )
    customers = set(db.scalars(select(Terminal.customer_id).where(Terminal.id.in_(ids)).distinct()).all())
    rollout = Rollout(
        release_id=release.id,
        customer_id=customers.pop() if len(customers) == 1 else None,
        target=data.target.model_dump(exclude_none=True),
        waves=list(data.waves),
        current_wave=1,
        status="running",
        failure_threshold_pct=data.failure_threshold_pct
        if data.failure_threshold_pct is not None
        else settings.fleet_rollout_failure_threshold_pct,
        timeout_minutes=data.timeout_minutes or settings.fleet_rollout_timeout_minutes,
        created_by=actor.label,
        created_at=now,
    )
    db.add(rollout)
    db.flush()
    tasks, start = [], 0
    for wave, size in enumerate(_wave_sizes(len(ids), data.waves), start=1):
        tasks += [
            {"rollout_id": rollout.id, "terminal_id": t, "wave": wave, "status": "queued", "progress": 0, "message": ""}
            for t in ids[start : start + size]
        ]
        start += size
    db.execute(insert(UpdateTask), tasks)
    _start_wave(db, rollout, release, now)
    auditing.record(
        db,
        actor,
        "create",
        "rollout",
        rollout.id,
        audit.diff({}, {"release": release.version, "terminals": len(ids), **audit.snapshot(rollout, SETTINGS)}),
        at=now,
    )
    return rollout


def _start_wave(db: Session, rollout: Rollout, release: FirmwareRelease, now: datetime) -> None:
    tasks = db.scalars(
        select(UpdateTask).where(
            UpdateTask.rollout_id == rollout.id, UpdateTask.wave == rollout.current_wave, UpdateTask.status == "queued"
        )
    ).all()
    params = {
        "release_id": release.id,
        "version": release.version,
        "sha256": release.sha256,
        "size": release.size,
        "download_url": f"/api/fleet/agent/firmware/{release.id}",
    }
    commands = [
        Command(
            terminal_id=t.terminal_id,
            type="firmware_update",
            params=params,
            created_by=rollout.created_by,
            created_at=now,
        )
        for t in tasks
    ]
    db.add_all(commands)
    db.flush()
    deadline = now + timedelta(minutes=rollout.timeout_minutes)
    for task, command in zip(tasks, commands, strict=True):
        task.command_id, task.status, task.started_at, task.deadline_at = command.id, "pending", now, deadline
    db.flush()


def _withhold_undelivered(db: Session, rollout: Rollout, now: datetime, task_status: str) -> None:
    """Their tasks go back to the queue (pause) or are cancelled."""
    undelivered = select(Command.id).where(Command.status == "pending")
    db.execute(
        update(UpdateTask)
        .where(
            UpdateTask.rollout_id == rollout.id, UpdateTask.status == "pending", UpdateTask.command_id.in_(undelivered)
        )
        .values(status=task_status, started_at=None, deadline_at=None)
        .execution_options(synchronize_session=False)
    )
    task_commands = select(UpdateTask.command_id).where(UpdateTask.rollout_id == rollout.id)
    db.execute(
        update(Command)
        .where(Command.id.in_(task_commands), Command.status == "pending")
        .values(status="cancelled", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    if task_status == "cancelled":
        db.execute(
            update(UpdateTask)
            .where(UpdateTask.rollout_id == rollout.id, UpdateTask.status == "queued")
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )


def _change_status(db: Session, rollout: Rollout, *, status: str, reason: str, actor: Actor, now: datetime) -> Rollout:
    before = {"status": rollout.status, "paused_reason": rollout.paused_reason}
    rollout.status, rollout.paused_reason = status, reason
    if status in FINISHED:
        rollout.finished_at = now
    db.flush()
    auditing.record(
        db,
        actor,
        f"rollout_{status}",
        "rollout",
        rollout.id,
        audit.diff(before, {"status": status, "paused_reason": reason}),
        at=now,
    )
    return rollout


def pause(db: Session, *, rollout: Rollout, actor: Actor, now: datetime, reason: str = "manual") -> Rollout:
    if rollout.status != "running":
        raise Conflict("実行中のロールアウトのみ一時停止できます", code="rollout_not_running")
    _withhold_undelivered(db, rollout, now, "queued")
    return _change_status(db, rollout, status="paused", reason=reason, actor=actor, now=now)


def resume(db: Session, *, rollout: Rollout, actor: Actor, now: datetime) -> Rollout:
    """The failures seen so far in this wave are accepted by whoever resumed."""
    if rollout.status != "paused":
        raise Conflict("一時停止中のロールアウトのみ再開できます", code="rollout_not_paused")
    rollout.accepted_failures = _wave_counts(db, rollout).get("failed", 0)
    _change_status(db, rollout, status="running", reason="", actor=actor, now=now)
    _start_wave(db, rollout, get_release(db, rollout.release_id), now)
    return rollout


def cancel(db: Session, *, rollout: Rollout, actor: Actor, now: datetime) -> Rollout:
    if rollout.status in FINISHED:
        raise Conflict("このロールアウトは既に終了しています", code="rollout_finished")
    _withhold_undelivered(db, rollout, now, "cancelled")
    return _change_status(db, rollout, status="cancelled", reason="", actor=actor, now=now)


def _wave_counts(db: Session, rollout: Rollout, wave: int | None = None) -> dict[str, int]:
    rows = db.execute(
        select(UpdateTask.status, func.count())
        .where(UpdateTask.rollout_id == rollout.id, UpdateTask.wave == (wave or rollout.current_wave))
        .group_by(UpdateTask.status)
    ).all()
    counts = {status: n for status, n in rows}
    counts["failed"] = sum(counts.get(s, 0) for s in FAILED)
    return counts


def _back_on(release: FirmwareRelease, reported_status: str):
    return (
        select(Terminal.id)
        .where(
            Terminal.id == UpdateTask.terminal_id,
            Terminal.firmware_version == release.version,
            Terminal.last_heartbeat_at > UpdateTask.started_at,
            Terminal.status != "offline",
            Terminal.reported_status == reported_status,
        )
        .exists()
    )


def _finish_tasks(db: Session, rollout: Rollout, judged, values: dict, now: datetime) -> FinishedTasks:
    return db.execute(
        update(UpdateTask)
        .where(UpdateTask.rollout_id == rollout.id, UpdateTask.status.in_(ACTIVE), judged)
        .values(values | {"finished_at": now})
        .returning(UpdateTask.id, UpdateTask.terminal_id, UpdateTask.command_id)
        .execution_options(synchronize_session=False)
    ).all()


def _verify_updated(db: Session, rollout: Rollout, release: FirmwareRelease, now: datetime) -> None:
    """Back online on the new version succeeds, an error fails. The cpu and memory in a heartbeat are the store PC's: a
    busy PC is noted on the task, never taken for a failed update."""
    done = _finish_tasks(db, rollout, _back_on(release, "online"), {"status": "succeeded", "progress": 100}, now)
    if done:
        _finish_commands(db, [d.command_id for d in done], "done", now)
        resolve_alerts(db, [(d.terminal_id, AlertKind.UPDATE_FAILED) for d in done], now=now)
        _note_busy_pcs(db, done)
    broken = _finish_tasks(db, rollout, _back_on(release, "error"), {"status": "failed"}, now)
    if broken:
        _finish_commands(db, [b.command_id for b in broken], "failed", now)
        details = _error_details(db, [b.terminal_id for b in broken])
        _set_messages(db, {b.id: details[b.terminal_id] for b in broken})
        _update_failed_alerts(db, details, release.version, now)


def _error_details(db: Session, terminal_ids: list[int]) -> dict[int, str]:
    rows = db.execute(select(Terminal.id, Terminal.error_message).where(Terminal.id.in_(terminal_ids)))
    return {t: labels.TERMINAL_ERROR_DETAIL.format(detail=message or "-") for t, message in rows}


def busy_pc_note(*, cpu: float, memory: float) -> str:
    """「店舗PCの負荷が高い状態です（CPU 97.7%）」, else ""."""
    limit = get_settings().fleet_high_usage_percent
    figures = [
        labels.PC_LOAD_FIGURES[kind].format(value=value)
        for kind, value in (("cpu", cpu), ("memory", memory))
        if value >= limit
    ]
    return labels.BUSY_PC_NOTE.format(figures=labels.PC_LOAD_SEPARATOR.join(figures)) if figures else ""


def _note_busy_pcs(db: Session, finished: FinishedTasks) -> None:
    task_of = {f.terminal_id: f.id for f in finished}
    loads = db.execute(
        select(Terminal.id, Terminal.cpu_usage, Terminal.memory_usage).where(Terminal.id.in_(list(task_of)))
    ).all()
    notes = {task_of[t.id]: busy_pc_note(cpu=t.cpu_usage, memory=t.memory_usage) for t in loads}
    _set_messages(db, {task_id: note for task_id, note in notes.items() if note})


def _set_messages(db: Session, messages: dict[int, str]) -> None:
    if messages:
        update_rows(
            db, UpdateTask.__table__, [{"id": i, "message": m[:500]} for i, m in messages.items()], constants={}
        )


def _time_out(db: Session, rollout: Rollout, release: FirmwareRelease, now: datetime) -> None:
    late = db.execute(
        update(UpdateTask)
        .where(UpdateTask.rollout_id == rollout.id, UpdateTask.status.in_(ACTIVE), UpdateTask.deadline_at < now)
        .values(status="timed_out", finished_at=now, message=labels.TIMEOUT_MESSAGE)
        .returning(UpdateTask.terminal_id, UpdateTask.command_id)
        .execution_options(synchronize_session=False)
    ).all()
    if late:
        _finish_commands(db, [t.command_id for t in late], "failed", now)
        _update_failed_alerts(
            db, dict.fromkeys((t.terminal_id for t in late), labels.TIMEOUT_DETAIL), release.version, now
        )


def _finish_commands(db: Session, command_ids: list[int | None], status: str, now: datetime) -> None:
    ids = [c for c in command_ids if c is not None]
    db.execute(
        update(Command)
        .where(Command.id.in_(ids), Command.status.in_(("pending", "sent")))
        .values(status=status, finished_at=now)
        .execution_options(synchronize_session=False)
    )


def _update_failed_alerts(db: Session, details: dict[int, str], version: str, now: datetime) -> None:
    """Not for a terminal in maintenance."""
    customers = dict(
        db.execute(
            select(Terminal.id, Terminal.customer_id).where(
                Terminal.id.in_(list(details)), Terminal.status != "maintenance"
            )
        ).all()
    )
    open_alerts(
        db,
        (
            NewAlert(
                t, customers[t], AlertKind.UPDATE_FAILED, labels.UPDATE_FAILED_MESSAGE.format(version=version, detail=d)
            )
            for t, d in details.items()
            if t in customers
        ),
        now=now,
    )


def advance(db: Session, *, rollout: Rollout, now: datetime) -> Rollout:
    if rollout.status != "running":
        return rollout
    release = get_release(db, rollout.release_id)
    _verify_updated(db, rollout, release, now)
    _time_out(db, rollout, release, now)
    counts = _wave_counts(db, rollout)
    total = sum(n for s, n in counts.items() if s != "failed")
    failures = counts["failed"] - rollout.accepted_failures
    if total and failures * 100 / total > rollout.failure_threshold_pct:
        return pause(db, rollout=rollout, actor=SYSTEM, now=now, reason="failure_threshold")
    if any(counts.get(s, 0) for s in ACTIVE + ("queued",)):
        return rollout
    if rollout.current_wave < len(rollout.waves):
        rollout.current_wave += 1
        rollout.accepted_failures = 0
        _start_wave(db, rollout, release, now)
    else:
        _change_status(db, rollout, status="completed", reason="", actor=SYSTEM, now=now)
    db.flush()
    return rollout


def advance_all(db: Session, *, now: datetime) -> int:
    rollouts = db.scalars(select(Rollout).where(Rollout.status == "running").order_by(Rollout.id)).all()
    for rollout in rollouts:
        advance(db, rollout=rollout, now=now)
    return len(rollouts)


def report_progress(db: Session, *, terminal_id: int, command_id: int, body: ProgressIn, now: datetime) -> Command:
    command = db.get(Command, command_id)
    if command is None or command.terminal_id != terminal_id:
        raise NotFound("指定されたコマンドは見つかりません", details={"resource": "fleet_command", "id": command_id})
    if command.status in ("done", "failed", "cancelled"):
        raise Conflict("このコマンドは既に終了しています", code="command_finished")
    command.state, command.progress, command.message = body.state, body.progress, body.message
    if body.state in FINAL_STATES:
        command.status, command.finished_at = FINAL_STATES[body.state], now
    task = db.scalar(select(UpdateTask).where(UpdateTask.command_id == command.id, UpdateTask.status.in_(ACTIVE)))
    if task is not None:
        _move_task(db, task, command, body, now)
    db.flush()
    return command


def _move_task(db: Session, task: UpdateTask, command: Command, body: ProgressIn, now: datetime) -> None:
    task.progress, task.message = body.progress, body.message
    if body.state == "failed":
        task.status, task.finished_at = "failed", now
        _update_failed_alerts(db, {task.terminal_id: body.message or "-"}, command.params.get("version", ""), now)
    elif body.state == "succeeded":
        task.status = "installed"
    else:
        task.status = "in_progress"


def firmware_for_terminal(db: Session, *, terminal_id: int, release_id: int) -> FirmwareRelease:
    """Only for a terminal with an update to it under way."""
    pending = db.scalar(
        select(UpdateTask.id)
        .join(Rollout, Rollout.id == UpdateTask.rollout_id)
        .where(UpdateTask.terminal_id == terminal_id, UpdateTask.status.in_(ACTIVE), Rollout.release_id == release_id)
    )
    if pending is None:
        raise NotFound(
            "この端末に配信中のファームウェアではありません",
            details={"resource": "fleet_firmware_release", "id": release_id},
        )
    return get_release(db, release_id)


# --- reading ---------------------------------------------------------------------------------


def rollout_read(db: Session, rollout: Rollout) -> RolloutRead:
    rows = db.execute(
        select(UpdateTask.wave, UpdateTask.status, func.count())
        .where(UpdateTask.rollout_id == rollout.id)
        .group_by(UpdateTask.wave, UpdateTask.status)
    ).all()
    per_wave: dict[int, dict[str, int]] = {}
    for wave, status, n in rows:
        per_wave.setdefault(wave, {})[status] = n
    waves = []
    for number, pct in enumerate(rollout.waves, start=1):
        c = per_wave.get(number, {})
        waves.append(
            WaveProgress(
                wave=number,
                percent=pct,
                total=sum(c.values()),
                succeeded=c.get("succeeded", 0),
                failed=sum(c.get(s, 0) for s in FAILED),
                active=sum(c.get(s, 0) for s in ACTIVE),
                queued=c.get("queued", 0),
                cancelled=c.get("cancelled", 0),
            )
        )
    release = db.get_one(FirmwareRelease, rollout.release_id)
    company = db.get(Customer, rollout.customer_id) if rollout.customer_id is not None else None
    return RolloutRead.model_validate(
        columns_of(rollout)
        | {"version": release.version, "company_name": company and company.company_name, "waves": waves}
    )


def list_rollouts(db: Session, *, scope: TenantScope, offset: int, limit: int) -> tuple[list[Rollout], int]:
    stmt = scoped(select(Rollout), scope, Rollout.customer_id)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(db.scalars(stmt.order_by(Rollout.id.desc()).offset(offset).limit(limit)).all()), total


def terminal_tasks(db: Session, *, terminal_id: int) -> list[UpdateTaskRead]:
    rows = db.execute(
        select(*UpdateTask.__table__.c, FirmwareRelease.version)
        .join(Rollout, Rollout.id == UpdateTask.rollout_id)
        .join(FirmwareRelease, FirmwareRelease.id == Rollout.release_id)
        .where(UpdateTask.terminal_id == terminal_id, UpdateTask.status != "queued")
        .order_by(UpdateTask.id.desc())
        .limit(50)
    ).mappings()
    return [UpdateTaskRead.model_validate(dict(row)) for row in rows]
