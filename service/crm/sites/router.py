"""地点 (§2.5, §3.2): the back office creates each site of a request, enters its 5page fields and moves its status; the
sales side may cancel it; the carrier CSV (元フィールド) of a site or of a request's sites still to be entered."""

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from service import exports
from service.crm.dependencies import BackOffice, SalesSide, ScopedRequest, ScopedSite
from service.crm.routing import acting, feature_router
from service.crm.schemas import VersionIn
from service.crm.sites import export, workflow
from service.crm.sites import service as sites
from service.crm.sites.schemas import SiteFields, SiteRead, SiteUpdate, StatusChange
from service.csvtools import CSV_MEDIA_TYPES
from service.database import utcnow
from service.deps import DbSession
from service.openapi import media

router = feature_router()


def _csv(body: bytes, filename: str, encoding: str) -> Response:
    return Response(
        body,
        media_type=CSV_MEDIA_TYPES[encoding],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/requests/{request_id}/sites", response_model=SiteRead, status_code=201)
def create_site(body: SiteFields, caller: BackOffice, request: ScopedRequest, db: DbSession) -> SiteRead:
    """＋地点を追加."""
    return sites.read(sites.create_site(db, request=request, data=body, by=acting(caller), now=utcnow()), [])


@router.get("/requests/{request_id}/carrier.csv", **media("text/csv"))
def request_carrier_csv(
    _: BackOffice, request: ScopedRequest, db: DbSession, encoding: exports.CsvEncoding = "utf-8"
) -> Response:
    """The request's sites still to be entered (対応中, 不備) in carrier field names, with their status."""
    body = export.carrier_csv(db, request_id=request.id, encoding=encoding)
    return _csv(body, f"carrier_request_{request.id}.csv", encoding)


def _site(db: DbSession, site) -> SiteRead:
    return sites.read(site, sites.image_ids_by_site(db, [site.id]).get(site.id, []))


@router.get("/sites/{site_id}", response_model=SiteRead)
def get_site(_: BackOffice, site: ScopedSite, db: DbSession) -> SiteRead:
    return _site(db, site)


@router.patch("/sites/{site_id}", response_model=SiteRead)
def update_site(body: SiteUpdate, caller: BackOffice, site: ScopedSite, db: DbSession) -> SiteRead:
    """明細入力: any 5page fields, with the version you read."""
    return _site(db, sites.update_site(db, site=site, data=body, by=acting(caller), now=utcnow()))


@router.delete("/sites/{site_id}", status_code=204)
def delete_site(caller: BackOffice, site: ScopedSite, db: DbSession, version: Annotated[int, Query(ge=1)]) -> None:
    sites.delete_site(db, site=site, version=version, by=acting(caller), now=utcnow())


@router.post("/sites/{site_id}/status", response_model=SiteRead)
def change_site_status(body: StatusChange, caller: BackOffice, site: ScopedSite, db: DbSession) -> SiteRead:
    """ステータス変更: 対応中 → 投入済, 対応中 ⇄ 不備 (不備 needs `reason`); キャンセル only for an admin."""
    site = workflow.change_site_status(
        db, site=site, status=body.status, version=body.version, reason=body.reason, by=acting(caller), now=utcnow()
    )
    return _site(db, site)


@router.post("/sites/{site_id}/cancel", response_model=SiteRead)
def cancel_site(body: VersionIn, caller: SalesSide, site: ScopedSite, db: DbSession) -> SiteRead:
    """Cancel one site: by the request's sales person or an admin, from 対応中 or 不備 only."""
    return _site(db, workflow.cancel_site(db, site=site, version=body.version, by=acting(caller), now=utcnow()))


@router.get("/sites/{site_id}/carrier.csv", **media("text/csv"))
def site_carrier_csv(
    _: BackOffice, site: ScopedSite, db: DbSession, encoding: exports.CsvEncoding = "utf-8"
) -> Response:
    """The site in the carrier entry screen's field names (元フィールド), for the operator's entry work."""
    body = export.carrier_csv(db, request_id=site.request_id, site_id=site.id, encoding=encoding)
    return _csv(body, f"carrier_site_{site.id}.csv", encoding)
