"""§8.2 rotation: every 4 weeks, submissions older than 3 years go to gzip JSON-lines archives and are deleted.

Every device's latest submission (its current state) is always kept, so a device with one submission is never
touched. Work goes in batches, one short transaction each: the archive file of a batch is written and synced
before its rows are deleted (a crash in between archives those rows again next time, never loses them).
"""

import gzip
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.config import get_settings
from service.loaners.models import Device, Rotation, Submission

STALE_AFTER = timedelta(hours=6)
ARCHIVE_COLUMNS = ("id", "device_id", "form_id", "submitted_at", "submitter_email", "status", "held_status",
                   "source", "answers")


def archive_root() -> Path:
    return get_settings().data_dir / "archive" / "loaners"


def cutoff_for(now: datetime) -> datetime:
    """The same calendar day `loaners_rotation_years` ago (28 Feb for a 29 Feb)."""
    years = get_settings().loaners_rotation_years
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def is_due(db: Session, *, now: datetime) -> bool:
    """Due when no run finished within the interval (4 weeks by default)."""
    interval = timedelta(days=get_settings().loaners_rotation_interval_days)
    finished = Rotation.status.in_(("done", "skipped"))
    last = db.scalar(select(Rotation.started_at).where(finished).order_by(Rotation.started_at.desc()))
    return last is None or last <= now - interval


def start(db: Session, *, now: datetime, started_by: str) -> Rotation | None:
    """Open a run, or None while another one runs (the unique `running` flag settles a race between two starts)."""
    db.execute(
        update(Rotation)
        .where(Rotation.running == 1, Rotation.started_at < now - STALE_AFTER)
        .values(running=None, status="failed", error="stale: the worker stopped", finished_at=now)
    )
    run = Rotation(running=1, status="running", cutoff=cutoff_for(now), started_by=started_by, started_at=now)
    try:
        with db.begin_nested():
            db.add(run)
            db.flush()
    except IntegrityError:
        return None
    run.archive_folder = str(archive_root() / f"rotation_{run.id:05d}_{now:%Y%m%dT%H%M%S}")
    db.flush()
    return run


def _line(row: tuple) -> bytes:
    record = dict(zip(ARCHIVE_COLUMNS, row[:-1], strict=True)) | {"management_number": row[-1]}
    return (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode()


def _write(path: Path, rows: list[tuple]) -> None:
    """The whole file, synced, under its final name only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=5) as zipped:
            zipped.writelines(_line(row) for row in rows)
        raw.flush()
        os.fsync(raw.fileno())
    partial.replace(path)


def archive_batch(db: Session, *, run_id: int, limit: int) -> int:
    """Archive and delete the next `limit` old submissions that are not a device's latest; returns how many.

    The run's row is locked for the batch and holds the cursor, so a task delivered twice never archives a row twice.
    """
    run = db.scalars(select(Rotation).where(Rotation.id == run_id).with_for_update()).one()
    if run.running is None:
        return 0
    s = Submission
    rows = db.execute(
        select(s.id, s.device_id, s.form_id, s.submitted_at, s.submitter_email, s.status, s.held_status, s.source,
               s.answers, Device.management_number)
        .join(Device, Device.id == s.device_id)
        .where(s.id > run.last_id, s.submitted_at < run.cutoff, Device.current_submission_id != s.id)
        .order_by(s.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    _write(Path(run.archive_folder) / f"submissions_{ids[0]:012d}-{ids[-1]:012d}.jsonl.gz", rows)
    db.execute(delete(s).where(s.id.in_(ids)).execution_options(synchronize_session=False))
    run.archived_rows += len(ids)
    run.last_id = ids[-1]
    return len(ids)


def finish(db: Session, *, run_id: int, now: datetime, error: str = "") -> Rotation:
    run = db.scalars(select(Rotation).where(Rotation.id == run_id).with_for_update()).one()
    if run.running is None:
        return run
    run.running, run.finished_at = None, now
    run.status = "failed" if error else ("done" if run.archived_rows else "skipped")
    run.error = error[:500]
    db.flush()
    return run


def list_runs(db: Session, *, limit: int) -> list[Rotation]:
    return list(db.scalars(select(Rotation).order_by(Rotation.id.desc()).limit(limit)))
