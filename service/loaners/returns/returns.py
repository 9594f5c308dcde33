"""返却待ち: how long a device in custody has had its 預かり機のステータス, and the devices waiting to come back.
`ReturnFilter` is the one definition the list, its count, its CSV, SUMMARY's age figures and the weekly digest read."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from service.exports import ListExport, item
from service.loaners import labels
from service.loaners.devices.devices import device_type_of, held_days, with_places
from service.loaners.models import Device, Location, Model, Submission
from service.tenancy import TenantScope

DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReturnFilter:
    """min_days and max_days both included."""

    jurisdiction: str | None = None
    location_id: str | None = None
    held_status: str | None = None
    min_days: int | None = None
    max_days: int | None = None


def _candidates(scope: TenantScope, flt: ReturnFilter) -> Select:
    statuses = [flt.held_status] if flt.held_status else list(labels.RETURN_STATUSES)
    stmt = with_places(
        select(
            Device.id.label("device_id"),
            Device.management_number,
            Device.location_id,
            Device.held_status,
            Device.held_since,
            Device.current_submission_id,
            Location.name.label("location_name"),
            Model.name.label("model_name"),
            Model.category,
            Device.held_status_since.label("since"),
        ),
        scope,
    ).where(Device.held_status_since.is_not(None), Device.held_status.in_(statuses))
    if flt.jurisdiction:
        stmt = stmt.where(Location.jurisdiction == flt.jurisdiction)
    if flt.location_id:
        stmt = stmt.where(Device.location_id == flt.location_id)
    return stmt


def _aged(scope: TenantScope, flt: ReturnFilter, now: datetime) -> Select:
    """days = whole days since the status began."""
    rows = _candidates(scope, flt).subquery("followed")
    stmt = select(rows)
    if flt.min_days is not None:
        stmt = stmt.where(rows.c.since <= now - flt.min_days * DAY)
    if flt.max_days is not None:
        stmt = stmt.where(rows.c.since > now - (flt.max_days + 1) * DAY)
    return stmt


def count_returns(db: Session, *, scope: TenantScope, flt: ReturnFilter, now: datetime) -> int:
    aged = _aged(scope, flt, now).subquery()
    return db.scalar(select(func.count()).select_from(aged)) or 0


def _rows(stmt: Select) -> Select:
    aged = stmt.subquery("aged")
    return (
        select(aged, Submission.answers)
        .outerjoin(Submission, Submission.id == aged.c.current_submission_id)
        .order_by(aged.c.since, aged.c.device_id)
    )


def return_entry(row: Any, now: datetime) -> dict[str, Any]:
    answers = row.answers or {}
    return {
        "device_id": row.device_id,
        "management_number": row.management_number,
        "location_id": row.location_id,
        "location_name": row.location_name,
        "model_name": row.model_name,
        "device_type": device_type_of(row.category),
        "held_status": row.held_status,
        "category": labels.HELD_STATUSES.get(row.held_status, row.held_status),
        "status_since": row.since,
        "status_days": held_days(row.since, now) or 0,
        "held_since": row.held_since,
        "held_days": held_days(row.held_since, now),
        "customer": answers.get(labels.CUSTOMER_KEY, ""),
        "person": answers.get(labels.PERSON_KEY, ""),
    }


def returns_page(
    db: Session, *, scope: TenantScope, flt: ReturnFilter, offset: int, limit: int, now: datetime
) -> tuple[list[dict[str, Any]], int]:
    rows = db.execute(_rows(_aged(scope, flt, now)).offset(offset).limit(limit)).all()
    return [return_entry(row, now) for row in rows], count_returns(db, scope=scope, flt=flt, now=now)


def returns_export(*, scope: TenantScope, flt: ReturnFilter, now: datetime) -> ListExport:
    aged = _aged(scope, flt, now).subquery("aged")
    stmt = select(aged, Submission.answers).outerjoin(Submission, Submission.id == aged.c.current_submission_id)

    def records(_db: Session, rows: Sequence[Row]) -> list[dict[str, Any]]:
        return [return_entry(row, now) for row in rows]

    columns = [item(header, key) for key, header in labels.RETURN_EXPORT_COLUMNS.items()]
    return ListExport(stmt, (aged.c.since, aged.c.device_id), columns, records)


def due_locations(db: Session, *, scope: TenantScope, min_days: int, now: datetime) -> list[str]:
    aged = _aged(scope, ReturnFilter(min_days=min_days), now).subquery()
    return list(db.scalars(select(aged.c.location_id).distinct().order_by(aged.c.location_id)))
