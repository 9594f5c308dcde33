"""延長保育 (FE-LT-002): the nursery's standard hours and unit; the month's extended care per child and per day, its
CSV for accounting and its named figures."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.entry_logs.dependencies import PathNursery, QueryNursery, StaffCaller
from service.entry_logs.extended_care import service as extended_care
from service.entry_logs.extended_care.figures import care_figures
from service.entry_logs.extended_care.schemas import CareChild, CareDay, CareHoursIn, CareHoursRead, CarePage
from service.entry_logs.extended_care.service import CareFilter
from service.entry_logs.lookups import parse_month
from service.entry_logs.models import CareHours
from service.figures import FigureRead
from service.pagination import Paging
from service.schemas import SingleLine

router = APIRouter(tags=["entry_logs"])

Month = Annotated[str | None, Query(description="YYYY-MM (default: this month, Japan time)", max_length=7), SingleLine]


def care_filter(nursery: QueryNursery, month: Month = None) -> CareFilter:
    return CareFilter(nursery_id=nursery.id, month=parse_month(month, utcnow()))


Care = Annotated[CareFilter, Depends(care_filter)]


def _hours_read(hours: CareHours) -> CareHoursRead:
    return CareHoursRead.model_validate(hours)


@router.get("/entry-logs/nurseries/{nursery_id}/care-hours", response_model=list[CareHoursRead])
def care_hours(nursery: PathNursery, db: DbSession) -> list[CareHoursRead]:
    """The nursery's standard hours and extended-care unit, latest start first."""
    return [_hours_read(hours) for hours in extended_care.hours_of(db, nursery=nursery)]


@router.post("/entry-logs/nurseries/{nursery_id}/care-hours", response_model=CareHoursRead, status_code=201)
def set_care_hours(nursery: PathNursery, body: CareHoursIn, caller: StaffCaller, db: DbSession) -> CareHoursRead:
    """Hours and unit from a date of this month or later on (a past month keeps its figures); audited."""
    hours = extended_care.set_hours(
        db,
        nursery=nursery,
        effective_from=body.effective_from,
        opening=body.opening_time,
        closing=body.closing_time,
        unit_minutes=body.unit_minutes,
        actor=caller.actor,
        now=utcnow(),
    )
    return _hours_read(hours)


@router.get("/entry-logs/extended-care", response_model=CarePage)
def extended_care_month(flt: Care, db: DbSession, paging: Paging) -> CarePage:
    """The month's children with extended care (by child id): days, minutes and units."""
    month = extended_care.care_month(db, flt, offset=paging.offset, limit=paging.page_size)
    return CarePage(
        items=[CareChild.model_validate(row) for row in month.rows],
        total=month.total,
        page=paging.page,
        page_size=paging.page_size,
        has_hours=month.has_hours,
    )


@router.get("/entry-logs/extended-care/export", **exports.DOWNLOAD)
def export_extended_care(flt: Care, db: DbSession) -> exports.Download:
    """The month for accounting: one row per child, Japanese headers, UTF-8 with a BOM."""
    name = f"extended_care_{flt.nursery_id}_{flt.month:%Y%m}"
    return exports.download(extended_care.care_export(db, flt), name, "延長保育")


@router.get("/entry-logs/extended-care/days", response_model=list[CareDay])
def extended_care_days(
    flt: Care, db: DbSession, child_id: Annotated[int | None, Query(alias="childId", ge=1)] = None
) -> list[CareDay]:
    """The month's days with extended care, by day (one child's with childId)."""
    return [
        CareDay(
            child_id=row.child_id,
            child_name=row.child_name,
            class_name=row.class_name,
            day=date.fromisoformat(row.day),
            first_entry=extended_care.moment_of(row.first_in),
            last_exit=extended_care.moment_of(row.last_out),
            minutes_before=row.minutes_before,
            minutes_after=row.minutes_after,
            minutes=row.minutes,
            units=row.units,
        )
        for row in extended_care.care_days(db, flt, child_id=child_id)
    ]


@router.get("/entry-logs/extended-care/figures", response_model=list[FigureRead])
def extended_care_figures(flt: Care, db: DbSession) -> list[FigureRead]:
    """The month's named figures: children with extended care, its minutes and units."""
    return care_figures(db, flt, now=utcnow())
