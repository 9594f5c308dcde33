"""Live-log counts per nursery, UTC hour and type, kept up to date by every write: totalCount stays cheap at 1M logs.
Summing a year's hourly counts reads at most 2 x 8,760 small rows; only the partial edge hours are counted from logs."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import FromClause, Select, bindparam, delete, func, insert, literal, select, true
from sqlalchemy.orm import Session

from service.dialect import Dialect, Upsert, of, utc_hour
from service.entry_logs.filters import LogFilter, filtered
from service.entry_logs.models import EntryLog, LogHourCount
from service.tenancy import TenantScope, scoped

HOUR = timedelta(hours=1)


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _next_hour(at: datetime) -> datetime:
    start = hour_of(at)
    return start if start == at else start + HOUR


COUNT_KEY = ("nursery_id", "hour_start", "entry_type")
HOUR_START = bindparam("hour_start", type_=LogHourCount.__table__.c.hour_start.type)


def _raised(stmt: Upsert) -> Upsert:
    return stmt.on_conflict_do_update(
        index_elements=list(COUNT_KEY),
        set_={"live_count": LogHourCount.__table__.c.live_count + stmt.excluded.live_count},
    )


@cache
def _count_upsert(dialect: Dialect) -> Upsert:
    """Built once per dialect."""
    table = LogHourCount.__table__
    return _raised(
        dialect.insert(table).values(
            nursery_id=bindparam("nursery_id"),
            hour_start=HOUR_START,
            entry_type=bindparam("entry_type"),
            live_count=bindparam("by"),
        )
    )


def counted_rows(dialect: Dialect, written: FromClause) -> Upsert:
    """Its SELECT has a WHERE: SQLite would read the ON CONFLICT after a bare FROM as a join's ON."""
    rows = select(written.c.nursery_id, HOUR_START, written.c.entry_type, literal(1)).where(true())
    return _raised(dialect.insert(LogHourCount.__table__).from_select([*COUNT_KEY, "live_count"], rows))


def add(db: Session, changes: Iterable[tuple[int, datetime, str]], *, by: int) -> None:
    """One upsert per hour."""
    grouped = Counter((nursery_id, hour_of(at), entry_type) for nursery_id, at, entry_type in changes)
    upsert = _count_upsert(of(db))
    for (nursery_id, hour, entry_type), times in sorted(grouped.items()):
        db.execute(upsert, {"nursery_id": nursery_id, "hour_start": hour, "entry_type": entry_type, "by": by * times})


def rebuild(db: Session, *, nursery_id: int) -> None:
    """After bulk loads that bypass add()."""
    db.execute(delete(LogHourCount).where(LogHourCount.nursery_id == nursery_id))
    hour = utc_hour(db, EntryLog.occurred_at)
    grouped = (
        select(literal(nursery_id), hour, EntryLog.entry_type, func.count())
        .where(EntryLog.nursery_id == nursery_id, EntryLog.deleted_at.is_(None))
        .group_by(hour, EntryLog.entry_type)
    )
    db.execute(insert(LogHourCount).from_select(["nursery_id", "hour_start", "entry_type", "live_count"], grouped))


def _summed(flt: LogFilter, scope: TenantScope, first_hour: datetime | None, end_hour: datetime | None) -> Select:
    stmt = scoped(select(func.coalesce(func.sum(LogHourCount.live_count), 0)), scope, LogHourCount.nursery_id)
    if flt.nursery_id is not None:
        stmt = stmt.where(LogHourCount.nursery_id == flt.nursery_id)
    if flt.entry_type:
        stmt = stmt.where(LogHourCount.entry_type == flt.entry_type)
    if first_hour is not None:
        stmt = stmt.where(LogHourCount.hour_start >= first_hour)
    if end_hour is not None:
        stmt = stmt.where(LogHourCount.hour_start < end_hour)
    return stmt


def _exact(db: Session, flt: LogFilter, scope: TenantScope) -> int:
    return db.scalar(filtered(select(func.count()).select_from(EntryLog), flt, scope)) or 0


def count_logs(db: Session, *, flt: LogFilter, scope: TenantScope) -> int:
    if flt.parent_name or flt.child_name:
        return _exact(db, flt, scope)
    first_hour = _next_hour(flt.start) if flt.start else None
    end_hour = hour_of(flt.end) if flt.end else None
    if first_hour and end_hour and first_hour >= end_hour:
        return _exact(db, flt, scope)
    total = db.scalar(_summed(flt, scope, first_hour, end_hour)) or 0
    if flt.start and first_hour != flt.start:
        total += _exact(db, replace(flt, end=first_hour), scope)
    if flt.end and end_hour != flt.end:
        total += _exact(db, replace(flt, start=end_hour), scope)
    return total
