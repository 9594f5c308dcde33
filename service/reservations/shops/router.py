"""The catalogue's API: service types and partner shops, the shops' CSV and its import. Thin handlers; the rules live
in catalog.py."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.reservations.dependencies import Operator, PathService, PathShop, Reader, Worker
from service.reservations.kinds import CallResult
from service.reservations.shops import call_figures, catalog
from service.reservations.shops.call_figures import CallFilter
from service.reservations.shops.schemas import (
    AutoCallsStop,
    CallRow,
    ServiceTypeCreate,
    ServiceTypeRead,
    ServiceTypeUpdate,
    ShopCallFigures,
    ShopCreate,
    ShopImportResult,
    ShopRead,
    ShopUpdate,
)
from service.schemas import QueryText
from service.tabular import COLUMNS_FIELD, MappingText, parse_mapping

router = APIRouter(prefix="/reservations", tags=["reservations"])


def shop_filter(q: QueryText = None, service_type_id: int | None = None, active: bool | None = None) -> dict[str, Any]:
    return {"q": q, "service_type_id": service_type_id, "active": active}


ShopFilters = Annotated[dict[str, Any], Depends(shop_filter)]


@router.get("/services", response_model=list[ServiceTypeRead])
def list_services(_: Reader, db: DbSession, active_only: bool = False) -> list:
    return catalog.list_services(db, active_only=active_only)


@router.post("/services", response_model=ServiceTypeRead, status_code=201)
def create_service(body: ServiceTypeCreate, caller: Operator, db: DbSession):
    return catalog.create_service(db, data=body, actor=caller.actor, now=utcnow())


@router.patch("/services/{service_id}", response_model=ServiceTypeRead)
def update_service(body: ServiceTypeUpdate, caller: Operator, service: PathService, db: DbSession):
    catalog.update_service(db, service=service, data=body, actor=caller.actor, now=utcnow())
    return service


@router.delete("/services/{service_id}", status_code=204)
def delete_service(caller: Operator, service: PathService, db: DbSession) -> None:
    catalog.delete_service(db, service=service, actor=caller.actor, now=utcnow())


@router.get("/shops", response_model=Page[ShopRead])
def list_shops(_: Worker, db: DbSession, paging: Paging, flt: ShopFilters) -> Page:
    rows, total = catalog.list_shops(db, **flt, offset=paging.offset, limit=paging.page_size)
    return page_of([ShopRead.model_validate(s) for s in rows], total, paging)


@router.get("/shops/export", **exports.DOWNLOAD)
def export_shops(_: Worker, flt: ShopFilters) -> exports.Download:
    """The listed shops in call order, in the columns POST /shops/import reads."""
    return exports.download(catalog.shop_export(**flt), "qrv_shops", "提携店一覧")


@router.post("/shops/import", response_model=ShopImportResult)
def import_shops(
    caller: Operator,
    db: DbSession,
    file: Annotated[UploadFile, File()],
    columns: Annotated[MappingText | None, Form(description=COLUMNS_FIELD)] = None,
) -> dict:
    """Create or update shops by name from the same columns the export writes (.xlsx or CSV, title rows above the
    header passed over); one bad row imports nothing, each refused row named by its sheet row. A required column
    named otherwise is a 422 `columns_unmatched` listing the file's columns and the expected ones: send the file
    again with `columns`."""
    mapping = parse_mapping(columns)
    return catalog.import_shops(db, data=file.file.read(), actor=caller.actor, now=utcnow(), mapping=mapping)


@router.post("/shops", response_model=ShopRead, status_code=201)
def create_shop(body: ShopCreate, caller: Operator, db: DbSession):
    return catalog.create_shop(db, data=body, actor=caller.actor, now=utcnow())


@router.get("/shops/{shop_id:int}", response_model=ShopRead)
def get_shop(_: Worker, shop: PathShop):
    return shop


@router.patch("/shops/{shop_id:int}", response_model=ShopRead)
def update_shop(body: ShopUpdate, caller: Operator, shop: PathShop, db: DbSession):
    catalog.update_shop(db, shop=shop, data=body, actor=caller.actor, now=utcnow())
    return shop


@router.delete("/shops/{shop_id:int}", status_code=204)
def delete_shop(caller: Operator, shop: PathShop, db: DbSession) -> None:
    catalog.delete_shop(db, shop=shop, actor=caller.actor, now=utcnow())


@router.post("/shops/{shop_id:int}/auto-calls/stop", response_model=ShopRead)
def stop_auto_calls(body: AutoCallsStop, caller: Operator, shop: PathShop, db: DbSession):
    """自動電話停止: the shop said 「今後の自動電話は不要」; only people call it until lifted (audited). Stopping a
    stopped shop changes nothing."""
    catalog.stop_auto_calls(db, shop=shop, reason=body.reason, actor=caller.actor, now=utcnow())
    return shop


@router.post("/shops/{shop_id:int}/auto-calls/lift", response_model=ShopRead)
def lift_auto_calls(caller: Operator, shop: PathShop, db: DbSession):
    """Automated calls to the shop again (audited); 409 `auto_calls_not_stopped` when it was not stopped."""
    catalog.lift_auto_calls(db, shop=shop, actor=caller.actor, now=utcnow())
    return shop


@router.get("/shops/call-figures", response_model=list[ShopCallFigures])
def shop_call_figures(_: Worker, db: DbSession) -> list[dict]:
    """Every shop's automated calls today and this month (calls, answered, declined, no answer), each opening its
    list; the shops whose calls went mostly unanswered this month are flagged."""
    return call_figures.shop_figures(db, now=utcnow())


def call_filter(
    shop_id: int | None = None, result: CallResult | None = None, since: date | None = None, until: date | None = None
) -> CallFilter:
    return CallFilter(shop_id=shop_id, result=result, since=since, until=until)


@router.get("/calls", response_model=Page[CallRow])
def list_calls(_: Worker, db: DbSession, paging: Paging, flt: Annotated[CallFilter, Depends(call_filter)]) -> Page:
    """Automated calls to shops, newest first: the list behind each shop call figure (`since`/`until`: Japan days)."""
    rows, total = call_figures.list_calls(db, flt, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)
