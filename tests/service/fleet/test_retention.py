"""Rollups keep a year of hourly min/avg/max; pruning removes old samples, events, alerts and commands in batches."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service.fleet import retention
from service.fleet.models import (
    Alert,
    AlertNote,
    Command,
    FirmwareRelease,
    Incident,
    MetricHourly,
    MetricSample,
    Rollout,
    TerminalEvent,
    UpdateTask,
)
from tests.service.fleet.conftest import make_customer, make_terminal

pytestmark = pytest.mark.dialect

NOW = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_rollups_survive_pruning_of_raw_samples(db):
    terminal, _ = make_terminal(db, make_customer(db))
    ten_days_ago = NOW.replace(minute=0) - timedelta(days=10)
    for minutes, cpu in ((0, 10), (20, 40), (59, 70), (60, 5)):
        db.add(
            MetricSample(
                terminal_id=terminal.id,
                recorded_at=ten_days_ago + timedelta(minutes=minutes),
                cpu=cpu,
                memory=50,
                disk=60,
            )
        )
    db.add(MetricSample(terminal_id=terminal.id, recorded_at=NOW - timedelta(hours=2), cpu=1, memory=1, disk=1))
    for event_id, age in (("old", 400), ("new", 300)):
        db.add(
            TerminalEvent(
                terminal_id=terminal.id,
                client_event_id=event_id,
                occurred_at=NOW,
                kind="k",
                received_at=NOW - timedelta(days=age),
            )
        )
    db.add(
        MetricHourly(
            terminal_id=terminal.id,
            hour=NOW - timedelta(days=400),
            samples=1,
            cpu_min=1,
            cpu_avg=1,
            cpu_max=1,
            memory_min=1,
            memory_avg=1,
            memory_max=1,
            disk_min=1,
            disk_avg=1,
            disk_max=1,
        )
    )
    db.flush()
    while retention.rollup_hours(db, now=NOW):
        pass
    first = db.scalar(select(MetricHourly).where(MetricHourly.hour == ten_days_ago))
    assert (first.samples, first.cpu_min, first.cpu_avg, first.cpu_max) == (3, 10, 40, 70)
    assert retention.rollup_hours(db, now=NOW) == 0
    cutoffs = retention.cutoffs(db, now=NOW)
    deleted = {kind: 0 for kind in cutoffs}
    for kind, before in cutoffs.items():
        while n := retention.prune_batch(db, kind=kind, before=before, limit=2):
            deleted[kind] += n
    assert deleted == {kind: 0 for kind in cutoffs} | {"metric_sample": 4, "metric_hourly": 1, "terminal_event": 1}
    assert count(db, MetricSample) == 1
    assert count(db, MetricHourly) == 3
    assert db.scalar(select(TerminalEvent.client_event_id)) == "new"


def test_raw_samples_are_kept_until_rolled_up(db):
    terminal, _ = make_terminal(db, make_customer(db))
    db.add(MetricSample(terminal_id=terminal.id, recorded_at=NOW - timedelta(days=30), cpu=1, memory=1, disk=1))
    db.flush()
    assert retention.prune_batch(db, kind="metric_sample", before=retention.cutoffs(db, now=NOW)["metric_sample"]) == 0


def test_alerts_notes_incidents_rollouts_and_commands_go_a_year_after_they_ended(db):
    """Only what ended before the cutoff goes, children before parents; open alerts and pending commands stay."""
    customer = make_customer(db)
    terminal, _ = make_terminal(db, customer)
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=100)
    incident = Incident(customer_id=customer.id, status="resolved", created_at=old, resolved_at=old)
    db.add(incident)
    db.flush()

    def alert(created, resolved, alert_type):
        row = Alert(
            terminal_id=terminal.id,
            customer_id=customer.id,
            alert_type=alert_type,
            status="resolved" if resolved else "open",
            created_at=created,
            resolved_at=resolved,
            incident_id=incident.id,
        )
        db.add(row)
        db.flush()
        db.add_all(AlertNote(alert_id=row.id, author="a", body=str(i), created_at=created) for i in range(3))
        return row.id

    alert(old, old, "offline")
    kept = {alert(old, recent, "error"), alert(old, None, "high_cpu")}
    release = FirmwareRelease(version="2.0.0", sha256="0" * 64, size=1, filename="f")
    db.add(release)
    db.flush()
    commands = {
        name: Command(terminal_id=terminal.id, type="t", status=status, created_at=at)
        for name, status, at in (("old", "succeeded", old), ("waiting", "pending", old), ("new", "succeeded", recent))
    }
    db.add_all(commands.values())
    db.flush()
    command_ids = {name: command.id for name, command in commands.items()}
    rollouts = {}
    for name, finished in (("old", old), ("new", recent), ("running", None)):
        rollout = Rollout(release_id=release.id, status="completed" if finished else "running", finished_at=finished)
        db.add(rollout)
        db.flush()
        rollouts[name] = rollout.id
        db.add(UpdateTask(rollout_id=rollout.id, terminal_id=terminal.id, wave=0, command_id=command_ids["old"]))
    db.flush()

    deleted = {}
    for kind, before in retention.cutoffs(db, now=NOW).items():
        deleted[kind] = 0
        while n := retention.prune_batch(db, kind=kind, before=before, limit=2):
            deleted[kind] += n
    db.expire_all()

    assert {k: deleted[k] for k in ("alert_note", "alert", "incident", "update_task", "rollout", "command")} == {
        "alert_note": 3,
        "alert": 1,
        "incident": 1,
        "update_task": 1,
        "rollout": 1,
        "command": 1,
    }
    assert set(db.scalars(select(Alert.id))) == kept
    assert set(db.scalars(select(AlertNote.alert_id))) == kept
    assert set(db.scalars(select(Rollout.id))) == {rollouts["new"], rollouts["running"]}
    assert set(db.scalars(select(Command.id))) == {command_ids["waiting"], command_ids["new"]}
    assert set(db.scalars(select(UpdateTask.command_id))) == {None}
