"""The log list's filters and the one function that applies them with the tenant scope."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from service.entry_logs import labels
from service.entry_logs.lookups import children_of
from service.entry_logs.models import Child, EntryLog, Parent
from service.errors import ValidationFailed
from service.search import contains
from service.tenancy import TenantScope, scoped


@dataclass(frozen=True)
class LogFilter:
    start: datetime | None = None
    end: datetime | None = None
    parent_name: str | None = None
    entry_type: str | None = None
    child_name: str | None = None
    nursery_id: int | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValidationFailed(labels.RANGE_REVERSED, details={"field": "from", "rule": "from_before_to"})


def filtered(stmt: Select, flt: LogFilter, scope: TenantScope) -> Select:
    """Apply the tenant scope, hide deleted logs, and apply the list filters."""
    stmt = scoped(stmt, scope, EntryLog.nursery_id).where(EntryLog.deleted_at.is_(None))
    if flt.nursery_id is not None:
        stmt = stmt.where(EntryLog.nursery_id == flt.nursery_id)
    if flt.start:
        stmt = stmt.where(EntryLog.occurred_at >= flt.start)
    if flt.end:
        stmt = stmt.where(EntryLog.occurred_at < flt.end)
    if flt.entry_type:
        stmt = stmt.where(EntryLog.entry_type == flt.entry_type)
    if flt.parent_name:
        parents = scoped(select(Parent.id), scope, Parent.nursery_id)
        stmt = stmt.where(EntryLog.parent_id.in_(parents.where(contains(flt.parent_name, Parent.name))))
    if flt.child_name:
        linked = children_of()
        adults = scoped(select(linked.c.parent_id).join(Child, Child.id == linked.c.child_id), scope, Child.nursery_id)
        stmt = stmt.where(EntryLog.parent_id.in_(adults.where(contains(flt.child_name, Child.name))))
    return stmt
