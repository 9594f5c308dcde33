"""The console's API (§4.2.1): today's counts, the week's KPIs, notifications, and the reservation list, its
CSV and a reservation's page. Thin handlers; the rules live in console.py."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.reservations.console import console, csv_exports
from service.reservations.console.schemas import (
    ConsoleToday,
    NotificationRead,
    ReservationDetail,
    ReservationRead,
    WeeklyKpis,
)
from service.reservations.dependencies import CONSOLE_ONLY, PathReservation, Reader, Worker
from service.reservations.kinds import ReservationStatus
from service.schemas import IsoDate, Normalised, SingleLine

router = APIRouter(prefix="/reservations", tags=["reservations"])


def reservation_filter(
    status: ReservationStatus | None = None,
    service_type_id: int | None = None,
    shop_id: int | None = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="QRV-XXXXXX, a phone number or a name's start"),
        Normalised,
        SingleLine,
    ] = None,
    created_from: IsoDate | None = None,
    created_to: IsoDate | None = None,
    desired_from: IsoDate | None = None,
    desired_to: IsoDate | None = None,
    confirmed_only: Annotated[bool, Query(description="確定 or 完了 only (確定件数)")] = False,
    paid_from: Annotated[IsoDate | None, Query(description="paid on or after this day (売上)")] = None,
    paid_to: Annotated[IsoDate | None, Query(description="paid on or before this day")] = None,
) -> console.ReservationFilter:
    return console.ReservationFilter(
        status=status,
        service_type_id=service_type_id,
        shop_id=shop_id,
        q=q,
        created_from=created_from,
        created_to=created_to,
        desired_from=desired_from,
        desired_to=desired_to,
        confirmed_only=confirmed_only,
        paid_from=paid_from,
        paid_to=paid_to,
    )


ReservationFilters = Annotated[console.ReservationFilter, Depends(reservation_filter)]


@router.get("/console/today", response_model=ConsoleToday, dependencies=CONSOLE_ONLY)
def console_today(_: Reader, db: DbSession) -> dict:
    return console.console_today(db, now=utcnow())


@router.get("/kpis/weekly", response_model=WeeklyKpis, dependencies=CONSOLE_ONLY)
def weekly_kpis(_: Reader, db: DbSession) -> dict:
    return console.weekly_kpis(db, now=utcnow())


@router.get("/notifications", response_model=list[NotificationRead], dependencies=CONSOLE_ONLY)
def notifications(_: Worker, db: DbSession, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict]:
    return console.latest_notifications(db, limit=limit)


@router.get("/reservations", response_model=Page[ReservationRead])
def list_reservations(_: Worker, db: DbSession, paging: Paging, flt: ReservationFilters) -> Page:
    """Newest first, filtered by status, service, shop, requester and booking or reservation dates."""
    rows, total = console.list_reservations(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/reservations/export", **exports.DOWNLOAD)
def export_reservations(_: Worker, flt: ReservationFilters) -> exports.Download:
    """Every reservation the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.reservation_export(flt), "qrv_reservations", "予約一覧")


@router.get("/reservations/{code:reservation_code}", response_model=ReservationDetail)
def get_reservation(_: Worker, reservation: PathReservation, db: DbSession) -> dict:
    return console.reservation_detail(db, reservation=reservation, now=utcnow())
