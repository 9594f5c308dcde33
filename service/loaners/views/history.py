"""AUDIT (監査データ, §2.3.4): every submission, newest first, in the caller's 管轄. The page's total is counted up to
`COUNT_LIMIT` rows (`more` says there are more): counting a million rows per page would cost more than the page."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import methodcaller
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.errors import ValidationFailed
from service.exports import ListExport
from service.loaners import labels, search_text
from service.loaners.models import Device, Location, Model, Submission
from service.loaners.view_settings import ViewSettings
from service.loaners.views.views import as_text, column_value, view_settings_of
from service.sheets import Column
from service.tenancy import TenantScope, scoped

COUNT_LIMIT = 10_000
NEWEST_FIRST = (Submission.submitted_at.desc(), Submission.id.desc())


@dataclass(frozen=True)
class HistoryFilter:
    jurisdiction: str | None = None
    location_id: str | None = None
    status: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def period(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Japan time, both ends included; 422 `period_order` when from is after to."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(labels.PERIOD_ORDER, details={"field": "from", "rule": "period_order"})
    zone = ZoneInfo(get_settings().timezone)

    def start(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(), zone)

    return start(date_from), start(date_to and date_to + timedelta(days=1))


def _selected(stmt: Select, scope: TenantScope, flt: HistoryFilter, settings: ViewSettings) -> Select:
    """Locations are joined only when a 管轄 limits."""
    condition = settings.condition
    stmt = stmt.join(Device, Device.id == Submission.device_id)
    if not scope.unrestricted or flt.jurisdiction or condition.get("jurisdiction"):
        stmt = scoped(stmt.join(Location, Location.id == Device.location_id), scope, Location.jurisdiction)
    for column, value in (
        (Location.jurisdiction, flt.jurisdiction),
        (Device.location_id, flt.location_id),
        (Submission.status, flt.status),
        (Location.jurisdiction, condition.get("jurisdiction")),
        (Device.location_id, condition.get("location_id")),
        (Device.kind, condition.get("kind")),
        (Submission.status, condition.get("status")),
        (Submission.held_status, condition.get("held_status")),
    ):
        if value:
            stmt = stmt.where(column == value)
    if settings.kinds is not None and len(settings.kinds) < len(labels.KINDS):
        stmt = stmt.where(Device.kind.in_(settings.kinds))
    if flt.q:
        stmt = stmt.where(search_text.matches(flt.q))
    if flt.since:
        stmt = stmt.where(Submission.submitted_at >= flt.since)
    if flt.until:
        stmt = stmt.where(Submission.submitted_at < flt.until)
    return stmt


def _sorted_after_filtering() -> tuple:
    """Newest first by an expression no index holds: with few rows chosen the planner follows the filters and sorts,
    instead of walking the time index backwards past every other row until the page is full."""
    return func.coalesce(Submission.submitted_at, Submission.submitted_at).desc(), Submission.id.desc()


def _header(settings: ViewSettings) -> list[str]:
    """§2.3.4's 13."""
    return list(dict.fromkeys([labels.COL_TIMESTAMP, labels.COL_EMAIL, *settings.columns]))


def _values(header: list[str], device: Device, model: Model, submission: Submission) -> dict[str, Any]:
    values = {column: column_value(column, device, model, submission) for column in header}
    return values | {labels.COL_EMAIL: submission.submitter_email}


def history_page(db: Session, *, scope: TenantScope, flt: HistoryFilter, offset: int, limit: int) -> dict[str, Any]:
    settings = view_settings_of(db, "AUDIT")
    chosen = _selected(select(Submission.id), scope, flt, settings)
    counted = db.scalar(select(func.count()).select_from(chosen.limit(COUNT_LIMIT + 1).subquery())) or 0
    ids = (
        _selected(select(Submission.id, Submission.submitted_at), scope, flt, settings)
        .order_by(*(_sorted_after_filtering() if counted <= COUNT_LIMIT else NEWEST_FIRST))
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    rows = db.execute(
        select(Submission, Device, Model)
        .join(ids, ids.c.id == Submission.id)
        .join(Device, Device.id == Submission.device_id)
        .join(Model, Model.id == Device.model_id)
        .order_by(ids.c.submitted_at.desc(), ids.c.id.desc())
    ).all()
    header = _header(settings)
    items = [
        {
            "submission_id": submission.id,
            "device_id": device.id,
            "submitted_at": submission.submitted_at,
            "values": as_text(_values(header, device, model, submission)),
        }
        for submission, device, model in rows
    ]
    return {"columns": header, "items": items, "total": min(counted, COUNT_LIMIT), "more": counted > COUNT_LIMIT}


def history_export(db: Session, *, scope: TenantScope, flt: HistoryFilter) -> ListExport:
    settings = view_settings_of(db, "AUDIT")
    header = _header(settings)

    def records(_db: Session, rows: Sequence[Row]) -> list[dict[str, Any]]:
        return [_values(header, device, model, submission) for submission, device, model, *_ in rows]

    stmt = _selected(select(Submission, Device, Model), scope, flt, settings).join(Model, Model.id == Device.model_id)
    columns = [Column(name, methodcaller("get", name)) for name in header]
    return ListExport(stmt, NEWEST_FIRST, columns, records)
