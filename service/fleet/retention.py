"""Hourly rollups of raw metrics, and pruning old history in small batches so no lock is held for long."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.dialect import insert_rows
from service.fleet.models import Diagnostic, MetricHourly, MetricSample, TerminalEvent
from service.fleet.monitoring import fleet_state

ROLLUP_LAG = timedelta(minutes=5)
MAX_HOURS_PER_RUN = 24


def _floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def rollup_hours(db: Session, *, now: datetime) -> int:
    """Roll complete hours of raw samples into min/avg/max rows, from the watermark on; returns hours rolled."""
    state = fleet_state(db)
    until = _floor_hour(now - ROLLUP_LAG)
    hour = state.rolled_until
    if hour is None:
        first = db.scalar(select(func.min(MetricSample.recorded_at)))
        if first is None:
            return 0
        hour = _floor_hour(first)
    rolled = 0
    while hour < until and rolled < MAX_HOURS_PER_RUN:
        _rollup_one(db, hour)
        hour += timedelta(hours=1)
        rolled += 1
    state.rolled_until = hour
    db.flush()
    return rolled


def _rollup_one(db: Session, hour: datetime) -> None:
    s = MetricSample
    rows = db.execute(
        select(
            s.terminal_id,
            func.count(),
            func.min(s.cpu),
            func.avg(s.cpu),
            func.max(s.cpu),
            func.min(s.memory),
            func.avg(s.memory),
            func.max(s.memory),
            func.min(s.disk),
            func.avg(s.disk),
            func.max(s.disk),
        )
        .where(s.recorded_at >= hour, s.recorded_at < hour + timedelta(hours=1))
        .group_by(s.terminal_id)
    ).all()
    keys = (
        "terminal_id",
        "samples",
        "cpu_min",
        "cpu_avg",
        "cpu_max",
        "memory_min",
        "memory_avg",
        "memory_max",
        "disk_min",
        "disk_avg",
        "disk_max",
    )
    insert_rows(
        db, MetricHourly, [dict(zip(keys, r, strict=True)) | {"hour": hour} for r in rows], ignore_conflicts=True
    )


PRUNABLE = {
    "metric_sample": (MetricSample, MetricSample.recorded_at),
    "metric_hourly": (MetricHourly, MetricHourly.hour),
    "terminal_event": (TerminalEvent, TerminalEvent.received_at),
    "diagnostic": (Diagnostic, Diagnostic.received_at),
}


def cutoffs(db: Session, *, now: datetime) -> dict[str, datetime]:
    """How far back each kind of history is kept; raw samples go only once they are rolled up."""
    settings = get_settings()
    history = now - timedelta(days=settings.fleet_history_days)
    raw = now - timedelta(days=settings.fleet_raw_metric_days)
    rolled = fleet_state(db).rolled_until
    raw = min(raw, rolled) if rolled is not None else history
    return {"metric_sample": raw, "metric_hourly": history, "terminal_event": history, "diagnostic": history}


def prune_batch(db: Session, *, kind: str, before: datetime, limit: int | None = None) -> int:
    """Delete up to `limit` rows older than `before`; the caller commits between batches."""
    model, column = PRUNABLE[kind]
    ids = select(model.id).where(column < before).limit(limit or get_settings().fleet_prune_batch)
    return db.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False)).rowcount or 0
