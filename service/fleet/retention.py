"""Hourly rollups of raw metrics, and pruning old history in small batches so no lock is held for long. On PostgreSQL
the raw samples are partitioned by UTC day: the partitions are made SAMPLE_DAYS_AHEAD ahead, and a day leaving
retention (once rolled up) is dropped whole; a late sample for a dropped day waits in the default partition for the
next batch prune."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Protocol, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.config import get_settings
from service.dialect import insert_rows, of
from service.fleet.models import (
    Alert,
    AlertNote,
    Command,
    Diagnostic,
    Escalation,
    Incident,
    IncidentNote,
    MetricHourly,
    MetricSample,
    Rollout,
    TerminalEvent,
    UpdateTask,
    fleet_state,
)

ROLLUP_LAG = timedelta(minutes=5)
MAX_HOURS_PER_RUN = 24
SAMPLE_DAYS_AHEAD = 3  # a beat that stops for up to this long still finds each day's partition made


def make_sample_days(db: Session, *, now: datetime) -> list[str]:
    """Today's raw-sample partition and the next SAMPLE_DAYS_AHEAD days' (PostgreSQL), where missing; their names."""
    today = now.astimezone(UTC).date()
    days = [today + timedelta(days=ahead) for ahead in range(SAMPLE_DAYS_AHEAD + 1)]
    return of(db).make_day_partitions(db, MetricSample.__table__.c.recorded_at, days)


def drop_sample_days(db: Session, *, before: datetime) -> list[str]:
    """The raw samples' days wholly before `before` dropped (PostgreSQL); the batch prune takes the rest."""
    return of(db).drop_day_partitions(db, MetricSample.__table__.c.recorded_at, before=before)


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


def _prunable_alert(before: datetime):
    """A resolved alert whose resolution is older than `before`; created_at is implied and lets its index serve."""
    return and_(Alert.status == "resolved", Alert.created_at < before, Alert.resolved_at < before)


def _prunable_incident(before: datetime):
    return and_(Incident.status == "resolved", Incident.resolved_at < before)


def _prunable_escalation(before: datetime):
    """An escalation goes with its alert or incident."""
    alert = select(Alert.id).where(Alert.id == Escalation.alert_id, _prunable_alert(before)).exists()
    incident = select(Incident.id).where(Incident.id == Escalation.incident_id, _prunable_incident(before)).exists()
    return alert | incident


def _finished_rollout(before: datetime):
    return and_(Rollout.finished_at.is_not(None), Rollout.finished_at < before)


class History(Protocol):
    """A model whose old rows are pruned by id."""

    id: ClassVar[InstrumentedAttribute[int]]


# Children go before their parents, so deleting a parent cascades nothing and each batch stays short.
PRUNABLE: dict[str, tuple[type[History], Callable[[datetime], ColumnElement[bool]]]] = {
    "metric_sample": (MetricSample, lambda before: MetricSample.recorded_at < before),
    "metric_hourly": (MetricHourly, lambda before: MetricHourly.hour < before),
    "terminal_event": (TerminalEvent, lambda before: TerminalEvent.received_at < before),
    "diagnostic": (Diagnostic, lambda before: Diagnostic.received_at < before),
    "alert_note": (
        AlertNote,
        lambda before: select(Alert.id).where(Alert.id == AlertNote.alert_id, _prunable_alert(before)).exists(),
    ),
    "incident_note": (
        IncidentNote,
        lambda before: (
            select(Incident.id).where(Incident.id == IncidentNote.incident_id, _prunable_incident(before)).exists()
        ),
    ),
    "escalation": (Escalation, _prunable_escalation),
    "alert": (Alert, _prunable_alert),
    "incident": (Incident, _prunable_incident),
    "update_task": (
        UpdateTask,
        lambda before: (
            select(Rollout.id).where(Rollout.id == UpdateTask.rollout_id, _finished_rollout(before)).exists()
        ),
    ),
    "rollout": (Rollout, _finished_rollout),
    "command": (Command, lambda before: and_(Command.created_at < before, Command.status != "pending")),
}


def cutoffs(db: Session, *, now: datetime) -> dict[str, datetime]:
    """How far back each kind of history is kept; raw samples go only once they are rolled up.

    Alerts and incidents (with their notes) and rollouts (with their update tasks) go a year after they were resolved or
    finished, never while open; commands a year after they were queued, unless still waiting for delivery.
    """
    settings = get_settings()
    history = now - timedelta(days=settings.fleet_history_days)
    raw = now - timedelta(days=settings.fleet_raw_metric_days)
    rolled = fleet_state(db).rolled_until
    raw = min(raw, rolled) if rolled is not None else history
    return {kind: raw if kind == "metric_sample" else history for kind in PRUNABLE}


def prune_batch(db: Session, *, kind: str, before: datetime, limit: int | None = None) -> int:
    """Delete up to `limit` rows older than `before`; the caller commits between batches."""
    model, older = PRUNABLE[kind]
    ids = select(model.id).where(older(before)).limit(limit or get_settings().fleet_prune_batch)
    deleted = db.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
    return cast(CursorResult, deleted).rowcount or 0
