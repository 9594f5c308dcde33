"""The devices a view shows: its filter, the caller's 管轄 and the view's settings, and a page of them."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.loaners import labels, search_text
from service.loaners.models import Device, Location, Model, Submission
from service.loaners.view_settings import ViewSettings
from service.tenancy import TenantScope, scoped


@dataclass(frozen=True)
class ViewFilter:
    jurisdiction: str | None = None
    location_id: str | None = None
    kind: str | None = None
    status: str | None = None
    held_status: str | None = None
    q: str | None = None


def _filtered(stmt: Select, flt: ViewFilter) -> Select:
    for column, value in (
        (Location.jurisdiction, flt.jurisdiction),
        (Device.location_id, flt.location_id),
        (Device.kind, flt.kind),
        (Device.status, flt.status),
        (Device.held_status, flt.held_status),
    ):
        if value:
            stmt = stmt.where(column == value)
    if flt.q:
        stmt = stmt.where(search_text.matches(flt.q))
    return stmt


def chosen(stmt: Select, flt: ViewFilter, settings: ViewSettings | None) -> Select:
    stmt = _filtered(stmt, flt)
    if settings is None:
        return stmt
    if settings.kinds is not None and len(settings.kinds) < len(labels.KINDS):
        stmt = stmt.where(Device.kind.in_(settings.kinds))
    return _filtered(stmt, ViewFilter(**settings.condition))


def matching(stmt: Select, scope: TenantScope, flt: ViewFilter, settings: ViewSettings | None) -> Select:
    """The location is joined only when a 管轄 limits them."""
    by_jurisdiction = flt.jurisdiction or (settings and settings.condition.get("jurisdiction"))
    if not scope.unrestricted or by_jurisdiction:
        stmt = scoped(stmt.join(Location, Location.id == Device.location_id), scope, Location.jurisdiction)
    return chosen(stmt, flt, settings)


def device_page(
    db: Session,
    *,
    scope: TenantScope,
    flt: ViewFilter,
    offset: int,
    limit: int,
    settings: ViewSettings | None = None,
) -> tuple[list[Any], int]:
    """The page's ids are found on the device table alone (a deferred join), then only those rows are joined."""
    total = db.scalar(matching(select(func.count()).select_from(Device), scope, flt, settings)) or 0
    ids = (
        matching(select(Device.id, Device.management_number), scope, flt, settings)
        .order_by(Device.management_number)
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    rows = db.execute(
        select(Device, Location, Model, Submission)
        .join(ids, ids.c.id == Device.id)
        .join(Location, Location.id == Device.location_id)
        .join(Model, Model.id == Device.model_id)
        .outerjoin(Submission, Submission.id == Device.current_submission_id)
        .order_by(ids.c.management_number)
    ).all()
    return list(rows), total
