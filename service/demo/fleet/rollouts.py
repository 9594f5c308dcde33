"""The demo's firmware: three releases, one rollout done to every terminal and one paused by its failures."""

import hashlib
import random
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.demo.fleet.alerting import work_on
from service.demo.fleet.plan import (
    COMING_BACK_PER_MINUTE,
    EVERYONE,
    FULL_ROLLOUT_DAYS_AGO,
    INSTALL_FAILURE,
    PAUSED_CUSTOMER,
    PAUSED_ROLLOUT_DAYS_AGO,
    TIMED_OUT_WORK,
    Fleet,
)
from service.fleet.alerting import alerts
from service.fleet.models import Alert, Command, FirmwareRelease, Rollout, Terminal, UpdateTask
from service.fleet.registry.schemas import TerminalFilter
from service.fleet.rollouts import firmware
from service.fleet.rollouts.schemas import RolloutCreate, RolloutTarget
from service.fleet.wire import ProgressIn


def firmware_image(version: str) -> bytes:
    """The same bytes on every load."""
    return f"TC-200 FIRMWARE {version}\n".encode() + random.Random(f"firmware-{version}").randbytes(64 * 1024)


def add_release(db: Session, fleet: Fleet, version: str, days_ago: int, notes: str) -> FirmwareRelease:
    data = firmware_image(version)
    return firmware.create_release(
        db,
        version=version,
        sha256=hashlib.sha256(data).hexdigest(),
        notes=notes,
        filename=f"tc200-{version}.bin",
        data=data,
        actor=fleet.worker("fleet-admin")[0],
        now=fleet.now - timedelta(days=days_ago),
    )


def _wave_tasks(rollout: Rollout):
    return select(UpdateTask.terminal_id, UpdateTask.command_id).where(
        UpdateTask.rollout_id == rollout.id,
        UpdateTask.wave == rollout.current_wave,
        UpdateTask.status.in_(firmware.ACTIVE),
    )


def _deliver(db: Session, rollout: Rollout, at: datetime) -> None:
    commands = select(_wave_tasks(rollout).subquery().c.command_id)
    db.execute(
        update(Command)
        .where(Command.id.in_(commands))
        .values(status="sent", sent_at=at)
        .execution_options(synchronize_session=False)
    )


def _come_back(db: Session, terminal_ids: list[int], version: str, at: datetime) -> None:
    db.execute(
        update(Terminal)
        .where(Terminal.id.in_(terminal_ids))
        .values(firmware_version=version, status="online", last_heartbeat_at=at)
        .execution_options(synchronize_session=False)
    )


def full_rollout(db: Session, fleet: Fleet, release: FirmwareRelease) -> None:
    """Terminals come back a few hundred a minute, and the rollout job verifies them as they do."""
    at = fleet.now - timedelta(days=FULL_ROLLOUT_DAYS_AGO)
    target = RolloutTarget(filter=TerminalFilter())
    rollout = firmware.create_rollout(
        db,
        data=RolloutCreate(release_id=release.id, target=target),
        scope=EVERYONE,
        actor=fleet.worker("fleet-admin")[0],
        now=at,
    )
    while rollout.status == "running":
        started = at
        wave = list(db.scalars(select(_wave_tasks(rollout).subquery().c.terminal_id)))
        last = rollout.current_wave == len(rollout.waves)
        failing = set(fleet.rng.sample(wave, len(wave) // 400 + 1)) if last else set()
        _deliver(db, rollout, started + timedelta(minutes=2))
        back = [t for t in wave if t not in failing]
        for minute, first in enumerate(range(0, len(back), COMING_BACK_PER_MINUTE)):
            at = started + timedelta(minutes=10 + minute)
            _come_back(db, back[first : first + COMING_BACK_PER_MINUTE], release.version, at - timedelta(minutes=1))
            firmware.advance(db, rollout=rollout, now=at)
        if failing:
            at = started + timedelta(minutes=rollout.timeout_minutes + 5)
            firmware.advance(db, rollout=rollout, now=at)
    timed_out = db.scalars(select(Alert).where(Alert.alert_type == "update_failed", Alert.status != alerts.RESOLVED))
    for alert in timed_out.all():
        work_on(db, fleet, alert, TIMED_OUT_WORK)


def paused_rollout(db: Session, fleet: Fleet, release: FirmwareRelease) -> list[Alert]:
    at = fleet.now - timedelta(days=PAUSED_ROLLOUT_DAYS_AGO)
    target = RolloutTarget(customer_id=fleet.customer_ids[PAUSED_CUSTOMER])
    rollout = firmware.create_rollout(
        db,
        data=RolloutCreate(release_id=release.id, target=target, waves=[5, 25, 100]),
        scope=EVERYONE,
        actor=fleet.worker("fleet-admin")[0],
        now=at,
    )
    wave = db.execute(_wave_tasks(rollout)).all()
    failing = fleet.rng.sample(wave, max(1, len(wave) // 6))
    _deliver(db, rollout, at + timedelta(minutes=2))
    _come_back(
        db, [task.terminal_id for task in wave if task not in failing], release.version, at + timedelta(minutes=12)
    )
    for task in failing:
        body = ProgressIn(state="failed", message=INSTALL_FAILURE)
        firmware.report_progress(
            db, terminal_id=task.terminal_id, command_id=task.command_id, body=body, now=at + timedelta(minutes=14)
        )
    firmware.advance(db, rollout=rollout, now=at + timedelta(minutes=20))
    fleet.taken |= {task.terminal_id for task in failing}
    return list(db.scalars(select(Alert).where(Alert.alert_type == "update_failed", Alert.status != alerts.RESOLVED)))
