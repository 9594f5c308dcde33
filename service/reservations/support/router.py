"""The support API (§7): inquiries, their CSV, KPIs and figures, and sending the satisfaction survey. Thin handlers;
the rules live in support.py and surveys.py."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.reservations.dependencies import CONSOLE_ONLY, PathInquiry, Reader, Worker
from service.reservations.kinds import InquiryChannel, InquiryRequesterType, InquiryStatus
from service.reservations.support import csv_exports, figures, support, surveys
from service.reservations.support.schemas import (
    InquiryCreate,
    InquiryRead,
    InquiryUpdate,
    SupportFigures,
    SupportKpis,
    SurveySend,
)
from service.schemas import IsoDate

router = APIRouter(prefix="/reservations", tags=["reservations"])


def inquiry_filter(
    channel: InquiryChannel | None = None,
    requester_type: InquiryRequesterType | None = None,
    unanswered: bool = False,
    status: InquiryStatus | None = None,
    received_from: Annotated[IsoDate | None, Query(description="received on or after this day")] = None,
    received_to: Annotated[IsoDate | None, Query(description="received on or before this day")] = None,
    responded: Annotated[bool, Query(description="answered only (初回応答時間)")] = False,
    rated: Annotated[bool, Query(description="with a satisfaction rating only (顧客満足度)")] = False,
) -> support.InquiryFilter:
    return support.InquiryFilter(
        channel=channel,
        requester_type=requester_type,
        unanswered=unanswered,
        status=status,
        received_from=received_from,
        received_to=received_to,
        responded=responded,
        rated=rated,
    )


InquiryFilters = Annotated[support.InquiryFilter, Depends(inquiry_filter)]


@router.get("/kpis/support", response_model=SupportKpis, dependencies=CONSOLE_ONLY)
def support_kpis(_: Reader, db: DbSession) -> dict:
    """§7.3.1 per calendar week (the last 8): inquiries, those answered and the median first-response time."""
    return support.weekly_kpis(db, now=utcnow())


@router.get("/inquiries", response_model=Page[InquiryRead])
def list_inquiries(_: Worker, db: DbSession, paging: Paging, flt: InquiryFilters) -> Page:
    """Newest first by when they arrived; unanswered: no first response yet."""
    rows, total = support.list_inquiries(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/inquiries/export", **exports.DOWNLOAD)
def export_inquiries(_: Worker, flt: InquiryFilters) -> exports.Download:
    """Every inquiry the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.inquiry_export(flt), "qrv_inquiries", "問い合わせ一覧")


@router.post("/inquiries", response_model=InquiryRead, status_code=201)
def create_inquiry(body: InquiryCreate, caller: Worker, db: DbSession) -> dict:
    """Log an inquiry, with or without a reservation (an unknown reservation id is a 422 on reservation_code)."""
    inquiry = support.create_inquiry(db, data=body, actor=caller.actor, now=utcnow())
    return support.inquiry_of(db, inquiry.id)


@router.patch("/inquiries/{inquiry_id:int}", response_model=InquiryRead)
def update_inquiry(body: InquiryUpdate, caller: Worker, inquiry: PathInquiry, db: DbSession) -> dict:
    support.update_inquiry(db, inquiry=inquiry, data=body, actor=caller.actor, now=utcnow())
    db.flush()
    return support.inquiry_of(db, inquiry.id)


@router.get("/inquiries/figures", response_model=SupportFigures)
def support_figures(_: Worker, db: DbSession) -> dict:
    """§7.3.1: 初回応答時間 and 解決時間 of this week, 顧客満足度 of this quarter, each with its list's query."""
    return {"figures": figures.support_figures(db, now=utcnow())}


@router.post("/inquiries/{inquiry_id:int}/survey", response_model=InquiryRead)
def send_survey(body: SurveySend, caller: Worker, inquiry: PathInquiry, db: DbSession) -> dict:
    """Send the one-question satisfaction survey (a resolved inquiry not yet rated) by SMS or e-mail."""
    surveys.send(db, inquiry=inquiry, channel=body.channel, actor=caller.actor, now=utcnow())
    db.flush()
    return support.inquiry_of(db, inquiry.id)
