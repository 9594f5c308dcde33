"""Rollups keep a year of hourly min/avg/max; pruning removes old raw samples and events in batches."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from service.fleet import retention
from service.fleet.models import MetricHourly, MetricSample, TerminalEvent
from tests.service.fleet.conftest import make_customer, make_terminal

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
    assert deleted == {"metric_sample": 4, "metric_hourly": 1, "terminal_event": 1, "diagnostic": 0}
    assert count(db, MetricSample) == 1
    assert count(db, MetricHourly) == 3
    assert db.scalar(select(TerminalEvent.client_event_id)) == "new"


def test_raw_samples_are_kept_until_rolled_up(db):
    terminal, _ = make_terminal(db, make_customer(db))
    db.add(MetricSample(terminal_id=terminal.id, recorded_at=NOW - timedelta(days=30), cpu=1, memory=1, disk=1))
    db.flush()
    assert retention.prune_batch(db, kind="metric_sample", before=retention.cutoffs(db, now=NOW)["metric_sample"]) == 0
