"""The admin log list, its CSV export, deleting a mistaken scan, and archiving logs older than the retention."""

import gzip
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Row, Select, and_, delete, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.entry_logs import counts, labels
from service.entry_logs.filters import LogFilter, filtered
from service.entry_logs.lookups import child_names_for, local_today
from service.entry_logs.models import EntryLog, Nursery, Parent, StationName
from service.errors import Forbidden, NotFound
from service.exports import ListExport
from service.sheets import Column
from service.tenancy import TenantScope, get_scoped

DOMAIN = "entry_logs"
LOG_FIELDS = (
    "parent_id",
    "nursery_id",
    "entry_type",
    "occurred_at",
    "station_id",
    "client_scan_id",
    "deleted_at",
    "deleted_by",
    "delete_reason",
)


@dataclass(frozen=True)
class LogRow:
    id: int
    parent_id: int
    parent_name: str
    nursery_id: int
    nursery_name: str
    entry_type: str
    timestamp: datetime
    station_id: str | None
    station_name: str | None  # the name staff gave the station
    received_at: datetime
    station_time: datetime | None
    recorded_by: str | None
    manual_reason: str | None
    child_names: list[str] = field(kw_only=True)  # a row's columns fill the positions

    @property
    def station(self) -> str:
        """The station by its name (a log recorded by hand has none)."""
        if self.station_id is None:
            return ""
        return self.station_name or labels.UNNAMED_STATION

    @property
    def late(self) -> bool:
        """A scan queued by a station while it was offline."""
        return self.received_at - self.timestamp > timedelta(minutes=get_settings().entry_logs_late_minutes)


ROW_WIDTH = len(fields(LogRow)) - 1  # the columns _row_select reads: all but the children's names


def _row_select() -> Select:
    return (
        select(
            EntryLog.id,
            EntryLog.parent_id,
            Parent.name,
            EntryLog.nursery_id,
            Nursery.name,
            EntryLog.entry_type,
            EntryLog.occurred_at,
            EntryLog.station_id,
            StationName.name,
            EntryLog.created_at,
            EntryLog.station_scanned_at,
            EntryLog.recorded_by,
            EntryLog.manual_reason,
        )
        .join(Parent, Parent.id == EntryLog.parent_id)
        .join(Nursery, Nursery.id == EntryLog.nursery_id)
        .outerjoin(
            StationName,
            and_(StationName.nursery_id == EntryLog.nursery_id, StationName.station_id == EntryLog.station_id),
        )
    )


def _rows(db: Session, stmt: Select) -> list[LogRow]:
    return _log_rows(db, db.execute(stmt).all())


def _log_rows(db: Session, fetched: Sequence[Row]) -> list[LogRow]:
    names = child_names_for(db, (r[1] for r in fetched))
    return [LogRow(*r[:ROW_WIDTH], child_names=names.get(r[1], [])) for r in fetched]


def _order(oldest_first: bool) -> tuple:
    """Ties by id."""
    if oldest_first:
        return EntryLog.occurred_at.asc(), EntryLog.id.asc()
    return EntryLog.occurred_at.desc(), EntryLog.id.desc()


def log_row(db: Session, log_id: int) -> LogRow:
    return _rows(db, _row_select().where(EntryLog.id == log_id))[0]


def greeted_log_row(db: Session, log_id: int) -> LogRow:
    """A log told at the door: with the children a scan greets, those absent on the log's day left out."""
    row = LogRow(*db.execute(_row_select().where(EntryLog.id == log_id)).one(), child_names=[])
    names = child_names_for(db, [row.parent_id], expected_on=local_today(row.timestamp))
    return replace(row, child_names=names.get(row.parent_id, []))


def list_logs(
    db: Session, *, flt: LogFilter, scope: TenantScope, offset: int, limit: int, oldest_first: bool = False
) -> tuple[list[LogRow], int]:
    order = _order(oldest_first)
    total = counts.count_logs(db, flt=flt, scope=scope)
    # Page through ids on the covering index first, then join the names for just those rows.
    ids = filtered(select(EntryLog.id), flt, scope).order_by(*order).offset(offset).limit(limit)
    return _rows(db, _row_select().where(EntryLog.id.in_(ids.scalar_subquery())).order_by(*order)), total


@dataclass(frozen=True)
class ChildLogRow(LogRow):
    """A log's row of the download: one per child of the parent (a parent without children has one, blank)."""

    child_name: str = field(kw_only=True)


def _child_rows(db: Session, fetched: Sequence[Row]) -> list[ChildLogRow]:
    return [
        ChildLogRow(**{f.name: getattr(row, f.name) for f in fields(LogRow)}, child_name=name)
        for row in _log_rows(db, fetched)
        for name in row.child_names or [""]
    ]


CSV_VALUES: tuple[Callable[[ChildLogRow], Any], ...] = (
    attrgetter("timestamp"),
    attrgetter("parent_id"),
    attrgetter("parent_name"),
    lambda row: labels.ENTRY_TYPE_LABELS[row.entry_type],
    attrgetter("child_name"),
    attrgetter("nursery_name"),
    attrgetter("station"),
    attrgetter("station_time"),
    attrgetter("recorded_by"),
    attrgetter("manual_reason"),
    attrgetter("received_at"),
    lambda row: labels.LATE_MARK if row.late else "",
)
CSV_COLUMNS = tuple(Column(header, value) for header, value in zip(labels.CSV_HEADER, CSV_VALUES, strict=True))


def log_export(*, flt: LogFilter, scope: TenantScope, oldest_first: bool = False) -> ListExport:
    """One row per child (a log of a parent with two children is two rows), in the list's order."""
    return ListExport(filtered(_row_select(), flt, scope), _order(oldest_first), CSV_COLUMNS, _child_rows)


def delete_log(
    db: Session,
    *,
    log_id: int,
    scope: TenantScope,
    reason: str,
    physical: bool,
    domain_admin: bool,
    actor: Actor,
    now: datetime,
) -> None:
    """Only 入退管理 admins may remove a log for good (SEC-006)."""
    if physical and not domain_admin:
        raise Forbidden(labels.PHYSICAL_DELETE_FORBIDDEN, code="physical_delete_forbidden")
    log = get_scoped(db, EntryLog, log_id, scope, EntryLog.nursery_id)
    before = audit.snapshot(log, LOG_FIELDS)
    if log.deleted_at is None:
        counts.add(db, [(log.nursery_id, log.occurred_at, log.entry_type)], by=-1)
    elif not physical:
        raise NotFound(labels.LOG_NOT_FOUND, details={"resource": "entry_exit_log", "id": str(log_id)})
    if physical:
        db.delete(log)
        after: dict = {}
    else:
        log.deleted_at, log.deleted_by, log.delete_reason = now, actor.label[:100], reason
        after = audit.snapshot(log, LOG_FIELDS)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="delete" if physical else "soft_delete",
        domain=DOMAIN,
        target_type="entry_exit_log",
        target_id=log_id,
        changes=audit.diff(before, after) | {"reason": {"before": None, "after": reason}},
        at=now,
    )


@dataclass(frozen=True)
class ArchiveBatch:
    rows: int
    path: Path | None


def _archive_record(log: EntryLog, parent_name: str, nursery_code: str) -> dict:
    return {
        "id": log.id,
        "parent_id": log.parent_id,
        "parent_name": parent_name,
        "nursery_id": log.nursery_id,
        "nursery_code": nursery_code,
        "entry_type": log.entry_type,
        "timestamp": log.occurred_at.isoformat(),
        "created_at": log.created_at.isoformat(),
        "station_id": log.station_id,
        "client_scan_id": log.client_scan_id,
        "deleted_at": log.deleted_at.isoformat() if log.deleted_at else None,
        "deleted_by": log.deleted_by,
        "delete_reason": log.delete_reason,
    }


def _write_gzip_lines(path: Path, records: list[dict]) -> None:
    """Complete and durable before anything is deleted: temp file, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb") as zipped:
            for record in records:
                zipped.write((json.dumps(record, ensure_ascii=False) + "\n").encode())
        raw.flush()
        os.fsync(raw.fileno())
    partial.replace(path)


def _claim_archivable(db: Session, *, cutoff: datetime, limit: int) -> list[EntryLog]:
    """A concurrent run skips rows claimed here."""
    due = (
        select(EntryLog.id)
        .where(EntryLog.occurred_at < cutoff)
        .order_by(EntryLog.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.scalars(
        delete(EntryLog)
        .where(EntryLog.id.in_(due.scalar_subquery()))
        .returning(EntryLog)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed, key=lambda log: log.id)


def archive_batch(db: Session, *, now: datetime, retention_days: int, folder: Path, limit: int) -> ArchiveBatch:
    """All undone if the file is not written. The delete claims the rows, so overlapping runs never write a row twice
    nor uncount it twice."""
    claimed = _claim_archivable(db, cutoff=now - timedelta(days=retention_days), limit=limit)
    if not claimed:
        return ArchiveBatch(0, None)
    parent_ids, nursery_ids = {r.parent_id for r in claimed}, {r.nursery_id for r in claimed}
    parents = dict(db.execute(select(Parent.id, Parent.name).where(Parent.id.in_(parent_ids))).all())
    codes = dict(db.execute(select(Nursery.id, Nursery.code).where(Nursery.id.in_(nursery_ids))).all())
    path = folder / f"entry_logs_{now:%Y%m%dT%H%M%S}_{claimed[0].id}-{claimed[-1].id}.jsonl.gz"
    _write_gzip_lines(path, [_archive_record(log, parents[log.parent_id], codes[log.nursery_id]) for log in claimed])
    counts.add(db, [(r.nursery_id, r.occurred_at, r.entry_type) for r in claimed if r.deleted_at is None], by=-1)
    return ArchiveBatch(len(claimed), path)
