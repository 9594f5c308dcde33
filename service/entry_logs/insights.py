from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from service.dialect import local_weekday_hour
from service.entry_logs.filters import LogFilter, filtered
from service.entry_logs.lookups import child_names_for, closing_passed, day_bounds, local_today
from service.entry_logs.models import ENTRY, EntryLog, Nursery, Parent
from service.tenancy import TenantScope


@dataclass(frozen=True)
class PresentParent:
    parent_id: int
    parent_name: str
    entered_at: datetime
    child_names: list[str]
    missing_exit: bool


def _latest_today(nursery_id: int, now: datetime, parent_id: int | None = None) -> Subquery:
    """Rank 1: the latest."""
    start, _ = day_bounds(local_today(now))
    stmt = select(
        EntryLog.parent_id,
        EntryLog.entry_type,
        EntryLog.occurred_at,
        func.row_number()
        .over(partition_by=EntryLog.parent_id, order_by=(EntryLog.occurred_at.desc(), EntryLog.id.desc()))
        .label("rank"),
    ).where(
        EntryLog.nursery_id == nursery_id,
        EntryLog.deleted_at.is_(None),
        EntryLog.occurred_at >= start,
        EntryLog.occurred_at <= now,
    )
    if parent_id is not None:
        stmt = stmt.where(EntryLog.parent_id == parent_id)
    return stmt.subquery()


def present_parents(db: Session, *, nursery: Nursery, now: datetime) -> list[PresentParent]:
    """After the nursery's closing time every one of them is missing an exit."""
    latest = _latest_today(nursery.id, now)
    rows = db.execute(
        select(latest.c.parent_id, Parent.name, latest.c.occurred_at)
        .join(Parent, Parent.id == latest.c.parent_id)
        .where(latest.c.rank == 1, latest.c.entry_type == ENTRY)
        .order_by(latest.c.occurred_at.desc())
    ).all()
    names = child_names_for(db, (r[0] for r in rows))
    missing = closing_passed(nursery.closing_time, now)
    return [PresentParent(pid, name, at, names.get(pid, []), missing) for pid, name, at in rows]


def entered_at(db: Session, *, nursery: Nursery, parent_id: int, now: datetime) -> datetime | None:
    """None when they are not inside."""
    latest = _latest_today(nursery.id, now, parent_id)
    row = db.execute(select(latest.c.entry_type, latest.c.occurred_at).where(latest.c.rank == 1)).first()
    return row.occurred_at if row is not None and row.entry_type == ENTRY else None


def heatmap(
    db: Session, *, nursery: Nursery, flt: LogFilter, scope: TenantScope, now: datetime
) -> list[tuple[int, int, int]]:
    """Counted in SQL."""
    weekday, hour = local_weekday_hour(db, EntryLog.occurred_at, at=flt.start or now)
    cells = (
        filtered(select(weekday.label("weekday"), hour.label("hour")), flt, scope)
        .where(EntryLog.nursery_id == nursery.id)
        .subquery()
    )
    stmt = (
        select(cells.c.weekday, cells.c.hour, func.count())
        .group_by(cells.c.weekday, cells.c.hour)
        .order_by(cells.c.weekday, cells.c.hour)
    )
    return [(int(w), int(h), int(c)) for w, h, c in db.execute(stmt)]
