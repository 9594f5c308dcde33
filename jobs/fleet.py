"""Fleet tasks: the offline sweep, the alert digest, escalations of overdue §4.2 steps, rollout waves, metric rollups,
history pruning and CSV imports."""

from jobs.celery_app import app
from jobs.single_flight import periodic
from service.database import session_scope, utcnow
from service.fleet import retention
from service.fleet.alerting import escalations, monitoring
from service.fleet.quiet_times import maintenance_windows
from service.fleet.registry import imports
from service.fleet.rollouts import firmware
from service.job_failures import run_in_batches


@periodic("fleet.mark_offline_terminals")
def mark_offline_terminals() -> dict:
    with session_scope() as db:
        now = utcnow()
        result = monitoring.sweep_offline(db, now=now)
        digests = maintenance_windows.send_window_digests(db, now=now)
    return {
        "marked_offline": result.marked_offline,
        "incidents": result.incidents,
        "realerted": result.realerted,
        "skipped": result.skipped,
        "window_digests": digests,
    }


@periodic("fleet.send_alert_digest")
def send_alert_digest() -> int:
    with session_scope() as db:
        return monitoring.send_digest(db, now=utcnow())


@periodic("fleet.escalate_overdue")
def escalate_overdue() -> int:
    """§4.2 steps of open work past due: each told to the システム管理者 and on Slack once."""
    with session_scope() as db:
        return escalations.escalate_due(db, now=utcnow())


@periodic("fleet.advance_rollouts")
def advance_rollouts() -> int:
    with session_scope() as db:
        return firmware.advance_all(db, now=utcnow())


@periodic("fleet.rollup_metrics")
def rollup_metrics() -> int:
    with session_scope() as db:
        return retention.rollup_hours(db, now=utcnow())


@periodic("fleet.make_partitions")
def make_partitions() -> list[str]:
    """The raw samples' days and the hourly rollups' months ahead (PostgreSQL)."""
    with session_scope() as db:
        now = utcnow()
        return [name for kind in retention.PARTITIONED for name in retention.make_ahead(db, kind=kind, now=now)]


@periodic("fleet.prune_history")
def prune_history() -> dict:
    """Drop the samples' days and the rollups' months past retention whole, then delete old history batch by batch, one
    short transaction each."""
    with session_scope() as db:
        cutoffs = retention.cutoffs(db, now=utcnow())
    for kind in retention.PARTITIONED:
        with session_scope() as db:
            retention.drop_past(db, kind=kind, before=cutoffs[kind])
    deleted = {}
    for kind, before in cutoffs.items():
        deleted[kind] = 0
        while True:
            with session_scope() as db:
                count = retention.prune_batch(db, kind=kind, before=before)
            deleted[kind] += count
            if count == 0:
                break
    return deleted


@app.task(name="fleet.import_terminals", acks_late=True)
def import_terminals(import_id: int) -> None:
    """Read the file, then work through its rows chunk by chunk, committing progress after each step so the page can
    poll it (a step runs again after a transient database fault; the page shows 失敗 and why for any other)."""
    run_in_batches(
        lambda db: imports.process_chunk(db, import_id=import_id, now=utcnow()),
        lambda db, error: imports.mark_failed(db, import_id=import_id, now=utcnow(), error=error),
        f"fleet.import_terminals import_id={import_id}",
    )
