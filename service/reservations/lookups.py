"""Rows by the id or code a path or a tool names, each a 404 in the spec's words when there is none: the one lookup
the routes (dependencies.py), the MCP tools and the features share."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.reservations import labels
from service.reservations.models import (
    Incident,
    ManualOperation,
    McpClient,
    OnCallOverride,
    PageStep,
    Reservation,
    ServiceType,
    Shop,
    SupportInquiry,
    get_or_404,
)


def get_by_code(db: Session, code: str) -> Reservation:
    reservation = db.scalar(select(Reservation).where(Reservation.code == code.strip().upper()))
    if reservation is None:
        raise NotFound("指定された予約は見つかりません", details={"resource": "reservation", "id": code})
    return reservation


def get_shop(db: Session, shop_id: int) -> Shop:
    return get_or_404(db, Shop, shop_id, "提携店")


def get_service(db: Session, service_id: int) -> ServiceType:
    return get_or_404(db, ServiceType, service_id, "サービス")


def get_operation(db: Session, operation_id: int) -> ManualOperation:
    return get_or_404(db, ManualOperation, operation_id, "マニュアルオペレーション")


def get_incident(db: Session, incident_id: int) -> Incident:
    return get_or_404(db, Incident, incident_id, "インシデント")


def get_client(db: Session, client_id: int) -> McpClient:
    return get_or_404(db, McpClient, client_id, "MCPクライアント")


def get_inquiry(db: Session, inquiry_id: int) -> SupportInquiry:
    return get_or_404(db, SupportInquiry, inquiry_id, "問い合わせ")


def get_override(db: Session, override_id: int) -> OnCallOverride:
    return get_or_404(db, OnCallOverride, override_id, "代番")


def paged_step(db: Session, page_id: int, step: int) -> PageStep:
    """A step that paged someone (a step that found nobody has no one to acknowledge it)."""
    found = db.scalar(
        select(PageStep).where(PageStep.page_id == page_id, PageStep.step == step, PageStep.user_id.is_not(None))
    )
    if found is None:
        raise NotFound(labels.PAGE_STEP_UNKNOWN, details={"page_id": page_id, "step": step})
    return found
