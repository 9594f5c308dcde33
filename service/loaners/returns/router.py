"""返却待ち's API: the devices to bring home, longest in their held status first, and its CSV. Thin handlers, every
query limited to the caller's 管轄; the rules live in returns.py."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.loaners import labels
from service.loaners.dependencies import Jurisdiction, LocationId, Scope, Staff
from service.loaners.kinds import HeldStatus
from service.loaners.returns import returns
from service.loaners.returns.schemas import ReturnDevice
from service.pagination import Page, Paging, page_of
from service.schemas import OneOf

router = APIRouter(prefix="/loaners", tags=["loaners"])
ReturnStatus = Annotated[HeldStatus, OneOf(labels.RETURN_STATUSES)]  # those 返却待ち follows
Days = Annotated[int | None, Query(ge=0, le=36_500)]


def return_filter(
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    held_status: ReturnStatus | None = None,
    min_days: Days = None,
    max_days: Days = None,
) -> returns.ReturnFilter:
    return returns.ReturnFilter(jurisdiction, location_id, held_status, min_days, max_days)


ReturnFilters = Annotated[returns.ReturnFilter, Depends(return_filter)]


@router.get("/views/returns", response_model=Page[ReturnDevice])
def returns_view(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: ReturnFilters) -> Page:
    """返却待ち: the devices in custody whose 預かり機のステータス is 返却可能, 商談中 or 返却拒否, longest in that
    status first, with how many days each has been in it."""
    rows, total = returns.returns_page(
        db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow()
    )
    return page_of(rows, total, paging)


@router.get("/views/returns/export", **exports.DOWNLOAD)
def export_returns(_: Staff, scope: Scope, flt: ReturnFilters) -> exports.Download:
    """返却待ち as the CSV download: every device its filters select, longest first."""
    return exports.download(returns.returns_export(scope=scope, flt=flt, now=utcnow()), "loaners_returns", "返却待ち")
