"""§8.2 rotation: every 4 weeks, submissions older than 3 years go to gzip JSON-lines archives and are deleted.

Every device's latest submission (its current state) is always kept. A batch's archive is written and synced before its
rows are deleted: a crash in between archives those rows again, never loses them. Each block of about `BLOCK_BYTES` is a
gzip member of its own, recorded with its devices (`ArchiveBlock`), so a device's history reads back a few blocks."""

import gzip
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.dialect import id_in, insert_rows, json_record
from service.loaners import labels
from service.loaners.models import ArchiveBlock, Device, Rotation, Submission

STALE_AFTER = timedelta(hours=6)
ARCHIVE_COLUMNS = (
    "id",
    "device_id",
    "form_id",
    "submitted_at",
    "submitter_email",
    "status",
    "held_status",
    "source",
    "answers",
)
COMPRESS_LEVEL = 3  # cold archives: speed over the last few percent of size
BLOCK_BYTES = 32 * 1024  # deflate's window: a block compresses as well as one long stream would


def archive_root() -> Path:
    return get_settings().data_dir / "archive" / "loaners"


def cutoff_for(now: datetime) -> datetime:
    """28 Feb for a 29 Feb."""
    years = get_settings().loaners_rotation_years
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def is_due(db: Session, *, now: datetime) -> bool:
    """4 weeks by default."""
    interval = timedelta(days=get_settings().loaners_rotation_interval_days)
    finished = Rotation.status.in_(("done", "skipped"))
    last = db.scalar(select(Rotation.started_at).where(finished).order_by(Rotation.started_at.desc()))
    return last is None or last <= now - interval


def start(db: Session, *, now: datetime, actor: Actor) -> Rotation | None:
    """None while another runs (the unique `running` flag settles a race of two starts)."""
    db.execute(
        update(Rotation)
        .where(Rotation.running == 1, Rotation.started_at < now - STALE_AFTER)
        .values(running=None, status="failed", error=labels.ROTATION_STALE, finished_at=now)
    )
    run = Rotation(running=1, status="running", cutoff=cutoff_for(now), started_by=actor.label, started_at=now)
    try:
        with db.begin_nested():
            db.add(run)
            db.flush()
    except IntegrityError:
        return None
    run.archive_folder = str(archive_root() / f"rotation_{run.id:05d}_{now:%Y%m%dT%H%M%S%f}")
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="start_rotation",
        domain=labels.DOMAIN,
        target_type="rotation",
        target_id=run.id,
        changes={"cutoff": {"before": None, "after": run.cutoff.isoformat()}},
        at=now,
    )
    return run


def _archive_record() -> json_record:
    s, d = Submission.__table__.c, Device.__table__.c
    columns: list[ColumnElement[Any]] = [s[name] for name in ARCHIVE_COLUMNS] + [d.management_number]
    return json_record(*(part for column in columns for part in (literal_column(f"'{column.name}'"), column)))


def _blocks(rows: Sequence[Row]) -> list[tuple[int, int, int, bytes]]:
    blocks: list[tuple[int, int, int, bytes]] = []
    pending: list[bytes] = []
    first = size = 0
    ordered = sorted((device_id, row_id, record) for row_id, device_id, record in rows)
    for index, (device_id, _, record) in enumerate(ordered):
        if not pending:
            first = device_id
        pending.append(record.encode() + b"\n")
        size += len(pending[-1])
        if size >= BLOCK_BYTES or index == len(ordered) - 1:
            blocks.append((first, device_id, len(pending), b"".join(pending)))
            pending, size = [], 0
    return blocks


def _write(path: Path, blocks: list[tuple[int, int, int, bytes]]) -> list[tuple[int, int]]:
    """Under its final name only when complete; returns each block's (offset, length)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    places = []
    with open(partial, "wb") as raw:
        for *_, data in blocks:
            member = gzip.compress(data, compresslevel=COMPRESS_LEVEL, mtime=0)
            places.append((raw.tell(), len(member)))
            raw.write(member)
        raw.flush()
        os.fsync(raw.fileno())
    partial.replace(path)
    return places


def _record_blocks(db: Session, run: Rotation, path: Path, blocks: list, places: list[tuple[int, int]]) -> None:
    rows = [
        {
            "rotation_id": run.id,
            "file_name": path.name,
            "byte_offset": offset,
            "byte_length": length,
            "first_device_id": first,
            "last_device_id": last,
            "rows": count,
        }
        for (first, last, count, _), (offset, length) in zip(blocks, places, strict=True)
    ]
    insert_rows(db, ArchiveBlock, rows)


def archive_batch(db: Session, *, run_id: int, limit: int) -> int:
    """The run's row is locked for the batch and holds the cursor, so a task delivered twice never archives a row
    twice."""
    run = db.scalars(select(Rotation).where(Rotation.id == run_id).with_for_update()).one()
    if run.running is None:
        return 0
    s, d = Submission.__table__.c, Device.__table__.c
    rows = (
        db.connection()
        .execute(
            select(s.id, s.device_id, _archive_record().label("record"))
            .join_from(Submission.__table__, Device.__table__, d.id == s.device_id)
            .where(s.id > run.last_id, s.submitted_at < run.cutoff, d.current_submission_id != s.id)
            .order_by(s.id)
            .limit(limit)
        )
        .all()
    )
    if not rows:
        return 0
    ids = [row.id for row in rows]
    path = Path(run.archive_folder) / f"submissions_{ids[0]:012d}-{ids[-1]:012d}.jsonl.gz"
    blocks = _blocks(rows)
    _record_blocks(db, run, path, blocks, _write(path, blocks))
    table = Submission.__table__
    db.connection().execute(delete(table).where(id_in(db, table.c.id, ids)))
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


def preview(db: Session, *, now: datetime) -> dict[str, Any]:
    cutoff = cutoff_for(now)
    old = select(func.count(), func.min(Submission.submitted_at)).where(Submission.submitted_at < cutoff)
    count, oldest = db.execute(old).one()
    current = select(func.count()).select_from(Device).where(Device.last_submitted_at < cutoff)
    return {
        "cutoff": cutoff,
        "rows": count - (db.scalar(current) or 0),
        "oldest_at": oldest,
        "due": is_due(db, now=now),
        "running": db.scalar(select(Rotation.id).where(Rotation.running == 1)) is not None,
    }


def list_runs(db: Session, *, limit: int) -> list[Rotation]:
    return list(db.scalars(select(Rotation).order_by(Rotation.id.desc()).limit(limit)))
