"""A device's history (送信履歴), its archived submissions included, newest first.

Archived rows are all older than `boundary`, the newest archived one: the stored rows newer than it are read page by
page in SQL, then the older stored rows are merged with the archived ones by time."""

import dataclasses
import heapq
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session

from service import exports
from service.exports import ListExport, entities
from service.loaners.archives.archived_history import ArchivedRow, archived_rows
from service.loaners.devices.csv_exports import TIMELINE_COLUMNS
from service.loaners.models import Device, Submission
from service.sheets import Sheet

NEWEST_FIRST = (Submission.submitted_at.desc(), Submission.id.desc())
Entry = Submission | ArchivedRow


def _key(row: Entry) -> tuple[datetime, int]:
    return row.submitted_at, row.id


def _newer(device: Device, boundary: tuple[datetime, int] | None) -> list[ColumnElement[bool]]:
    if boundary is None:
        return [Submission.device_id == device.id]
    return [Submission.device_id == device.id, tuple_(Submission.submitted_at, Submission.id) > boundary]


def _not_newer(device: Device, boundary: tuple[datetime, int]) -> list[ColumnElement[bool]]:
    return [Submission.device_id == device.id, tuple_(Submission.submitted_at, Submission.id) <= boundary]


def _read(db: Session, conditions: list[ColumnElement[bool]], offset: int = 0, limit: int | None = None) -> list:
    stmt = select(Submission).where(*conditions).order_by(*NEWEST_FIRST).offset(offset).limit(limit)
    return list(db.scalars(stmt))


def _count(db: Session, conditions: list[ColumnElement[bool]]) -> int:
    return db.scalar(select(func.count()).select_from(Submission).where(*conditions)) or 0


def _merged(older: Sequence[Submission], archived: Sequence[ArchivedRow]) -> Iterator[Entry]:
    return heapq.merge(older, archived, key=_key, reverse=True)


def _slice(db: Session, device: Device, archived: list[ArchivedRow], start: int, count: int) -> list[Entry]:
    if not archived:
        return _read(db, _newer(device, None), start, count)
    boundary = _key(archived[0])
    newer_count = _count(db, _newer(device, boundary))
    head: list[Entry] = _read(db, _newer(device, boundary), start, count) if start < newer_count else []
    need, skip = count - len(head), max(0, start - newer_count)
    if need <= 0:
        return head
    older = _read(db, _not_newer(device, boundary), 0, skip + need)
    return head + list(islice(_merged(older, archived), skip, skip + need))


def _item(row: Entry, before: Entry | None) -> dict[str, Any]:
    if isinstance(row, ArchivedRow):
        fields = dataclasses.asdict(row)
    else:
        fields = {column.key: getattr(row, column.key) for column in Submission.__table__.columns} | {"archived": False}
    return fields | {"status_changed": before is None or before.status != row.status}


def timeline(db: Session, *, device: Device, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    archived = archived_rows(db, device)
    rows = _slice(db, device, archived, offset, limit + 1)
    items = [_item(row, rows[index + 1] if index + 1 < len(rows) else None) for index, row in enumerate(rows[:limit])]
    return items, _count(db, _newer(device, None)) + len(archived)


def timeline_export(db: Session, device: Device) -> Sheet:
    """The older rows are read now, while the request's session is open."""
    archived = archived_rows(db, device)
    boundary = _key(archived[0]) if archived else None
    newer = ListExport(select(Submission).where(*_newer(device, boundary)), NEWEST_FIRST, TIMELINE_COLUMNS, entities)
    older = _read(db, _not_newer(device, boundary)) if boundary else []
    return Sheet(TIMELINE_COLUMNS, _with_tail(exports.batches(newer), list(_merged(older, archived))))


def _with_tail(head: Iterator[list[list[Any]]], tail: list[Entry]) -> Iterator[list[list[Any]]]:
    yield from head
    if tail:
        getters = exports.row_getters(TIMELINE_COLUMNS)
        yield [[get(row) for get in getters] for row in tail]
