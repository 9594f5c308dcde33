"""獲得案件一覧 (§3.3): 投入済 sites grouped by corporation, among the cases the caller sees, and as the download."""

from typing import Annotated

from fastapi import Depends

from service import exports
from service.crm.acquired import service as acquired
from service.crm.acquired.schemas import AcquiredCorporation
from service.crm.dependencies import AgencyFilter, AnyRole
from service.crm.routing import Period, feature_router
from service.crm.visibility import Cases
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.schemas import QueryText

router = feature_router()


def acquired_filter(
    agency_id: AgencyFilter, q: QueryText = None, since: Period = None, until: Period = None
) -> acquired.AcquiredFilter:
    return acquired.AcquiredFilter(q=q, agency_id=agency_id, since=since, until=until)


AcquiredQuery = Annotated[acquired.AcquiredFilter, Depends(acquired_filter)]


@router.get("/acquired", response_model=Page[AcquiredCorporation])
def list_acquired(_: AnyRole, cases: Cases, db: DbSession, paging: Paging, flt: AcquiredQuery) -> Page:
    """投入済 sites by corporation (法人名, 地点数, 最終投入日, and each site); sales see their own (a sales manager:
    the agency's)."""
    rows, total = acquired.list_acquired(db, view=cases, flt=flt, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/acquired.csv", **exports.DOWNLOAD)
def acquired_csv(_: AnyRole, cases: Cases, flt: AcquiredQuery) -> exports.Download:
    """Every matching 投入済 site, one row each, by corporation, as the CSV download."""
    return exports.download(acquired.acquired_export(view=cases, flt=flt), "acquired", "獲得案件一覧")
