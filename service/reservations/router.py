"""The reservations API. Thin handlers; the rules live in the service modules."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from service import exports, fields
from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.errors import Conflict, NotFound
from service.openapi import declares, media
from service.pagination import Page, PageParams, page_params
from service.reservations import (
    csv_exports,
    hooks,  # noqa: F401  (registers the outbox and webhook handlers in the API process)
    labels,
    payments,
)
from service.reservations.booking import booking, clients
from service.reservations.booking.schemas import (
    AcceptIn,
    CancelIn,
    McpClientCreate,
    McpClientCreated,
    McpClientRead,
    PaymentLinkIn,
    ReservationUpdate,
)
from service.reservations.console import console
from service.reservations.console.schemas import (
    ConsoleToday,
    NotificationRead,
    ReservationDetail,
    ReservationRead,
    WeeklyKpis,
)
from service.reservations.dependencies import (
    CONSOLE_ONLY,
    Operator,
    PathClient,
    PathIncident,
    PathInquiry,
    PathOperation,
    PathReservation,
    PathService,
    PathShop,
    Reader,
    ReportReader,
    Worker,
)
from service.reservations.incidents import incidents
from service.reservations.incidents.schemas import IncidentCreate, IncidentRead, IncidentUpdate
from service.reservations.models import AMOUNT_MAX, Payment
from service.reservations.operations import notices, operations
from service.reservations.operations.schemas import (
    AssigneeOption,
    NoteIn,
    NoteRead,
    NoticeByEmail,
    OperationAssign,
    OperationCreate,
    OperationRead,
    OperationResolve,
)
from service.reservations.pages import pages
from service.reservations.reports import executive, figures, weekly
from service.reservations.reports.schemas import ExecutiveSummary
from service.reservations.schemas import (
    CODE_MAX,
    REASON_MAX,
    IncidentLevel,
    OperationStatus,
    OperationType,
    Priority,
    ReservationStatus,
    ReservationsVocabulary,
)
from service.reservations.shops import catalog
from service.reservations.shops.schemas import (
    CALL_ORDER_MAX,
    DURATION_MAX,
    ServiceTypeCreate,
    ServiceTypeRead,
    ServiceTypeUpdate,
    ShopCreate,
    ShopImportResult,
    ShopRead,
    ShopUpdate,
)
from service.reservations.state_machine import TRANSITIONS, EventActor
from service.reservations.support import support, surveys
from service.reservations.support.schemas import (
    InquiryChannel,
    InquiryCreate,
    InquiryRead,
    InquiryRequesterType,
    InquiryStatus,
    InquiryUpdate,
    Satisfaction,
    SupportFigures,
    SupportKpis,
    SurveySend,
)
from service.reservations.training import training
from service.reservations.training.schemas import ManualRead, ManualSummary
from service.schemas import MONTH_PATTERN, IsoDate, Normalised, QueryText, SingleLine

router = APIRouter(prefix="/reservations", tags=["reservations"])
Paging = Annotated[PageParams, Depends(page_params)]


def operation_filter(
    status: OperationStatus | None = None,
    op_type: OperationType | None = None,
    priority: Priority | None = None,
    include_resolved: bool = False,
) -> operations.OperationFilter:
    return operations.OperationFilter(status=status, op_type=op_type, priority=priority, open_only=not include_resolved)


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


def shop_filter(q: QueryText = None, service_type_id: int | None = None, active: bool | None = None) -> dict[str, Any]:
    return {"q": q, "service_type_id": service_type_id, "active": active}


def incident_filter(
    level: IncidentLevel | None = None, open_only: bool = False, overdue: bool | None = None
) -> incidents.IncidentFilter:
    return incidents.IncidentFilter(level=level, open_only=open_only, overdue=overdue)


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


OperationFilters = Annotated[operations.OperationFilter, Depends(operation_filter)]
ReservationFilters = Annotated[console.ReservationFilter, Depends(reservation_filter)]
ShopFilters = Annotated[dict[str, Any], Depends(shop_filter)]
IncidentFilters = Annotated[incidents.IncidentFilter, Depends(incident_filter)]
InquiryFilters = Annotated[support.InquiryFilter, Depends(inquiry_filter)]


def _page(items: list, total: int, paging: PageParams) -> Page:
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


# --- vocabulary --------------------------------------------------------------------------------


@router.get("/vocabulary", response_model=ReservationsVocabulary)
def vocabulary(_: Reader) -> dict:
    """The labels, status transitions and form limits the dashboards mirror, from the service's own modules."""
    return {
        "statuses": labels.STATUSES,
        "actor_types": labels.ACTOR_TYPES,
        "operation_types": labels.OPERATION_TYPES,
        "priorities": labels.PRIORITIES,
        "operation_statuses": labels.OPERATION_STATUSES,
        "incident_levels": labels.INCIDENT_LEVELS,
        "incident_policies": {
            level: {
                "definition": labels.INCIDENT_DEFINITIONS[level],
                "target": labels.INCIDENT_TARGETS[level],
                "escalation": labels.INCIDENT_ESCALATIONS[level],
            }
            for level in labels.INCIDENT_LEVELS
        },
        "inquiry_channels": labels.INQUIRY_CHANNELS,
        "inquiry_requester_types": labels.INQUIRY_REQUESTER_TYPES,
        "inquiry_statuses": labels.INQUIRY_STATUSES,
        "satisfaction_sources": labels.SATISFACTION_SOURCES,
        "survey_channels": labels.SURVEY_CHANNELS,
        "transitions": {
            status: [target for target in labels.STATUSES if target in targets]
            for status, targets in TRANSITIONS.items()
            if status is not None
        },
        # a cancellation's reason and a code as typed (no column's); the most an amount or a price is in yen, a
        # service's length in minutes and a shop's place in the call order
        "limits": {
            "reason": REASON_MAX,
            "code": CODE_MAX,
            "amount": AMOUNT_MAX,
            "duration_minutes": DURATION_MAX,
            "call_order": CALL_ORDER_MAX,
        },
        "fields": fields.vocabulary(labels.AUDIT.tables),
    }


# --- console -----------------------------------------------------------------------------------


@router.get("/console/today", response_model=ConsoleToday, dependencies=CONSOLE_ONLY)
def console_today(_: Reader, db: DbSession) -> dict:
    return console.console_today(db, now=utcnow())


@router.get("/kpis/weekly", response_model=WeeklyKpis, dependencies=CONSOLE_ONLY)
def weekly_kpis(_: Reader, db: DbSession) -> dict:
    return console.weekly_kpis(db, now=utcnow())


@router.get("/notifications", response_model=list[NotificationRead], dependencies=CONSOLE_ONLY)
def notifications(_: Worker, db: DbSession, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict]:
    return console.latest_notifications(db, limit=limit)


@router.get("/assignees", response_model=list[AssigneeOption], dependencies=CONSOLE_ONLY)
def assignee_options(_: Worker, db: DbSession) -> list[dict]:
    return operations.assignees(db)


# --- manual operations -------------------------------------------------------------------------


@router.get("/manual-operations", response_model=Page[OperationRead], dependencies=CONSOLE_ONLY)
def list_operations(_: Worker, db: DbSession, paging: Paging, flt: OperationFilters) -> Page:
    """The queue: open and in-progress operations, most urgent and earliest target first (include_resolved: every
    operation, newest first)."""
    rows, total = operations.queue(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    now = utcnow()
    return _page([operations.operation_read(row, now) for row in rows], total, paging)


@router.get("/manual-operations/export", **exports.download_route(*CONSOLE_ONLY))
def export_operations(_: Worker, flt: OperationFilters) -> exports.Download:
    """The queue's operations the filters select, in the queue's order, as the CSV download."""
    return exports.download(csv_exports.operation_export(flt, utcnow()), "qrv_manual_operations", "手動対応キュー")


@router.post("/manual-operations", response_model=OperationRead, status_code=201, dependencies=CONSOLE_ONLY)
@declares(404)  # body reservation_code
def create_operation(body: OperationCreate, caller: Worker, db: DbSession) -> dict:
    now = utcnow()
    reservation = booking.get_by_code(db, body.reservation_code)
    operation = operations.create_operation(
        db, reservation=reservation, op_type=body.op_type, reason=body.reason, actor=caller.actor, now=now
    )
    return _operation(db, operation.id)


def _operation(db: DbSession, operation_id: int) -> dict:
    return operations.operation_of(db, operation_id, utcnow())


@router.post("/manual-operations/{operation_id}/assign", response_model=OperationRead, dependencies=CONSOLE_ONLY)
def assign_operation(body: OperationAssign, caller: Operator, operation: PathOperation, db: DbSession) -> dict:
    assignee = body.assignee_id if body.assignee_id is not None else caller.user_id
    operations.assign(db, operation=operation, assignee_id=assignee, actor=caller.actor, now=utcnow())
    return _operation(db, operation.id)


@router.post("/manual-operations/{operation_id}/resolve", response_model=OperationRead, dependencies=CONSOLE_ONLY)
def resolve_operation(body: OperationResolve, caller: Operator, operation: PathOperation, db: DbSession) -> dict:
    operations.resolve(db, operation=operation, resolution=body.resolution, actor=caller.actor, now=utcnow())
    return _operation(db, operation.id)


@router.post("/manual-operations/{operation_id}/send-email", response_model=OperationRead, dependencies=CONSOLE_ONLY)
def send_notice_by_email(
    caller: Operator, operation: PathOperation, db: DbSession, body: Annotated[NoticeByEmail | None, Body()] = None
) -> dict:
    """Send the notice that reached nobody by e-mail to the address given (kept on the reservation) or the one the
    reservation has, and settle the operation; 409 with the reason when it cannot."""
    email = (body or NoticeByEmail()).email or None
    notices.send_by_email(db, operation=operation, email=email, actor=caller.actor, now=utcnow())
    return _operation(db, operation.id)


# --- reservations ------------------------------------------------------------------------------


@router.get("/reservations", response_model=Page[ReservationRead])
def list_reservations(_: Worker, db: DbSession, paging: Paging, flt: ReservationFilters) -> Page:
    """Newest first, filtered by status, service, shop, requester and booking or reservation dates."""
    rows, total = console.list_reservations(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return _page(rows, total, paging)


@router.get("/reservations/export", **exports.DOWNLOAD)
def export_reservations(_: Worker, flt: ReservationFilters) -> exports.Download:
    """Every reservation the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.reservation_export(flt), "qrv_reservations", "予約一覧")


@router.get("/reservations/{code:reservation_code}", response_model=ReservationDetail)
def get_reservation(_: Worker, reservation: PathReservation, db: DbSession) -> dict:
    return console.reservation_detail(db, reservation=reservation, now=utcnow())


def _detail(db: DbSession, reservation) -> dict:
    db.flush()
    db.refresh(reservation)
    return console.reservation_detail(db, reservation=reservation, now=utcnow())


@router.patch("/reservations/{code:reservation_code}", response_model=ReservationDetail)
def update_reservation(body: ReservationUpdate, caller: Operator, reservation: PathReservation, db: DbSession) -> dict:
    booking.edit(db, reservation=reservation, data=body, actor=caller.actor, now=utcnow())
    return _detail(db, reservation)


@router.post("/reservations/{code}/accept", response_model=ReservationDetail)
def accept_reservation(body: AcceptIn, caller: Operator, reservation: PathReservation, db: DbSession) -> dict:
    """Mark calling_success (a shop said yes to a person: a listed one, or one found by phone, kept on this
    reservation only unless add_to_call_list) and send the payment link."""
    booking.accept(db, reservation=reservation, choice=body, actor=caller.actor, now=utcnow())
    return _detail(db, reservation)


@router.post("/reservations/{code}/resume-calling", response_model=ReservationDetail)
def resume_calling(caller: Operator, reservation: PathReservation, db: DbSession) -> dict:
    """Resume calling from the next shop."""
    booking.resume_calling(db, reservation=reservation, actor=caller.actor, now=utcnow())
    return _detail(db, reservation)


@router.post("/reservations/{code}/payment-link", response_model=ReservationDetail)
def resend_payment_link(
    caller: Operator, reservation: PathReservation, db: DbSession, body: Annotated[PaymentLinkIn | None, Body()] = None
) -> dict:
    """Send the payment link again by SMS or email, or ask for a new one when the provider refused the last."""
    channel = (body or PaymentLinkIn()).channel
    booking.resend_payment_link(db, reservation=reservation, channel=channel, actor=caller.actor, now=utcnow())
    return _detail(db, reservation)


@router.post("/reservations/{code}/cancel", response_model=ReservationDetail)
def cancel_reservation(body: CancelIn, caller: Operator, reservation: PathReservation, db: DbSession) -> dict:
    booking.operator_cancel(
        db, reservation=reservation, reason=body.reason, refund=body.refund, actor=caller.actor, now=utcnow()
    )
    return _detail(db, reservation)


@router.post("/reservations/{code}/notes", response_model=NoteRead, status_code=201)
def add_note(body: NoteIn, caller: Worker, reservation: PathReservation, db: DbSession):
    return operations.add_note(db, reservation=reservation, body=body.body, actor=caller.actor, now=utcnow())


# --- the requester's cancellation link (no login: the signed token is the credential) ---------------


REQUESTER = EventActor("requester", "cancel-url")


@router.get("/cancel/{code}", response_class=HTMLResponse)
def cancel_page(code: str, token: Annotated[str, Query(max_length=100), SingleLine], db: DbSession) -> HTMLResponse:
    reservation = booking.for_requester(db, code=code, token=token)
    deadline_passed = utcnow() >= reservation.cancel_deadline_at
    return HTMLResponse(pages.cancel_form(reservation, token, deadline_passed=deadline_passed))


@router.post("/cancel/{code}", response_class=HTMLResponse)
def cancel_by_link(code: str, token: Annotated[str, Form(max_length=100), SingleLine], db: DbSession) -> HTMLResponse:
    """Cancels before the deadline; after it, says to call support (and opens the late-cancellation operation)."""
    try:
        reservation = booking.cancel_by_requester(
            db, code=code, token=token, actor=REQUESTER, reason=labels.REASONS["cancel_url"], now=utcnow()
        )
    except Conflict as refused:
        if refused.code not in ("cancel_deadline_passed", "already_cancelled"):
            raise
        return HTMLResponse(pages.cancel_result(booking.get_by_code(db, code), refused.message), status_code=409)
    return HTMLResponse(pages.cancel_result(reservation, labels.CANCEL_DONE))


# --- training material: the requester FAQ is public (the booking SMS links to it); the manuals are the staff's ------


@router.get("/faq", response_class=HTMLResponse)
def requester_faq() -> HTMLResponse:
    """よくある質問（ご依頼者向け）: the page the booking SMS links to."""
    return HTMLResponse(training.faq_page())


@router.get("/manuals", response_model=list[ManualSummary])
def list_manuals(_: Worker) -> list[dict]:
    """The twelve items of §3, requesters', shops' and operators' in the spec's order."""
    return [training.summary(manual) for manual in training.MANUALS.values()]


@router.get("/manuals/{name}", response_model=ManualRead)
def read_manual(_: Worker, name: training.ManualName) -> dict:
    """The manual's Markdown as people read it (the dashboards' 運用マニュアル page shows it)."""
    return training.summary(training.MANUALS[name]) | {"markdown": training.readable(name)}


@router.get("/manuals/{name}/pdf", **media("application/pdf"))
def manual_pdf(_: Worker, name: training.ManualName) -> Response:
    return Response(
        training.manual_pdf(name),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="qrv-{name}.pdf"'},
    )


# --- sandbox checkout: lets a person "pay" a sandbox payment link when no real provider is set ----------


def _sandbox_only() -> None:
    settings = get_settings()
    if settings.payment_provider != "sandbox" or settings.env == "production":
        raise NotFound("サンドボックス決済は無効です", code="sandbox_disabled")


@router.get("/sandbox/checkout/{session_id}", response_class=HTMLResponse, dependencies=[Depends(_sandbox_only)])
def sandbox_checkout(session_id: str, db: DbSession) -> HTMLResponse:
    return _checkout_page(session_id, payments.by_session(db, session_id), utcnow())


def _checkout_page(session_id: str, payment: Payment, now: datetime, *, status_code: int = 200) -> HTMLResponse:
    page = pages.sandbox_checkout(
        session_id,
        payment.amount,
        paid=payment.paid_at is not None,
        expired=payments.checkout_expired(payment, now),
    )
    return HTMLResponse(page, status_code=status_code)


@router.post("/sandbox/checkout/{session_id}", response_class=HTMLResponse, dependencies=[Depends(_sandbox_only)])
def sandbox_pay(session_id: str, db: DbSession) -> HTMLResponse:
    """Pays the session as Stripe would: an expired one takes no payment and says so (410)."""
    now = utcnow()
    payment = payments.by_session(db, session_id)  # 404 for a session that is not ours
    if payments.checkout_expired(payment, now):
        return _checkout_page(session_id, payment, now, status_code=410)
    payments.paid(  # refreshes the same row
        db,
        session_id=session_id,
        paid_at=now,
        payment_intent=f"pi_sandbox_{session_id}",
        actor=EventActor("webhook", "sandbox"),
        provider_ids={},
        now=now,
    )
    return _checkout_page(session_id, payment, now)


# --- catalogue: service types and shops ----------------------------------------------------------


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
    return _page([ShopRead.model_validate(s) for s in rows], total, paging)


@router.get("/shops/export", **exports.DOWNLOAD)
def export_shops(_: Worker, flt: ShopFilters) -> exports.Download:
    """The listed shops in call order, in the columns POST /shops/import reads."""
    return exports.download(catalog.shop_export(**flt), "qrv_shops", "提携店一覧")


@router.post("/shops/import", response_model=ShopImportResult)
def import_shops(caller: Operator, db: DbSession, file: Annotated[UploadFile, File()]) -> dict:
    """Create or update shops by name from the same CSV the export writes; one bad row imports nothing."""
    return catalog.import_shops(db, data=file.file.read(), actor=caller.actor, now=utcnow())


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


# --- incidents ---------------------------------------------------------------------------------


@router.get("/incidents", response_model=Page[IncidentRead])
def list_incidents(_: Reader, db: DbSession, paging: Paging, flt: IncidentFilters) -> Page:
    """Newest first; overdue: not responded to nor recovered within the level's target response time (§5.1)."""
    rows, total = incidents.list_incidents(db, flt=flt, now=utcnow(), offset=paging.offset, limit=paging.page_size)
    return _page(rows, total, paging)


@router.get("/incidents/export", **exports.DOWNLOAD)
def export_incidents(_: Reader, flt: IncidentFilters) -> exports.Download:
    """Every incident the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.incident_export(flt, utcnow()), "qrv_incidents", "インシデント一覧")


@router.post("/incidents", response_model=IncidentRead, status_code=201)
def create_incident(body: IncidentCreate, caller: Worker, db: DbSession) -> dict:
    """Record an incident; a Critical one is reported to the executives at once (e-mail and #qrv-alerts)."""
    incident = incidents.create_incident(db, data=body, actor=caller.actor, now=utcnow())
    return incidents.incident_of(db, incident.id, utcnow())


@router.get("/incidents/{incident_id:int}", response_model=IncidentRead)
def get_incident(_: Reader, incident: PathIncident, db: DbSession) -> dict:
    return incidents.incident_of(db, incident.id, utcnow())


@router.patch("/incidents/{incident_id:int}", response_model=IncidentRead)
def update_incident(body: IncidentUpdate, caller: Worker, incident: PathIncident, db: DbSession) -> dict:
    incidents.update_incident(db, incident=incident, data=body, actor=caller.actor, now=utcnow())
    db.flush()
    return incidents.incident_of(db, incident.id, utcnow())


@router.post("/incidents/{incident_id}/escalate", response_model=IncidentRead)
def escalate_incident(caller: Worker, incident: PathIncident, db: DbSession) -> dict:
    """Report the incident to the executives now (e-mail and #qrv-alerts); 409 when already reported."""
    incidents.report(db, incident=incident, actor=caller.actor, now=utcnow())
    return incidents.incident_of(db, incident.id, utcnow())


# --- support inquiries (§7) ----------------------------------------------------------------------


@router.get("/kpis/support", response_model=SupportKpis, dependencies=CONSOLE_ONLY)
def support_kpis(_: Reader, db: DbSession) -> dict:
    """§7.3.1 per calendar week (the last 8): inquiries, those answered and the median first-response time."""
    return support.weekly_kpis(db, now=utcnow())


@router.get("/inquiries", response_model=Page[InquiryRead])
def list_inquiries(_: Worker, db: DbSession, paging: Paging, flt: InquiryFilters) -> Page:
    """Newest first by when they arrived; unanswered: no first response yet."""
    rows, total = support.list_inquiries(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return _page(rows, total, paging)


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


# --- the asker's survey page (no login: the signed token is the credential) -------------------------


@router.get("/survey/{inquiry_id:int}", response_class=HTMLResponse)
@declares(403)  # another inquiry's token
def survey_page(inquiry: PathInquiry, token: Annotated[str, Query(max_length=100), SingleLine]) -> HTMLResponse:
    surveys.check_token(inquiry.id, token)
    return HTMLResponse(pages.survey_form(token, surveys.answer_refusal(inquiry, utcnow())))


@router.post("/survey/{inquiry_id:int}", response_class=HTMLResponse)
@declares(403)  # another inquiry's token
def answer_survey(
    request: Request,
    inquiry: PathInquiry,
    db: DbSession,
    token: Annotated[str, Form(max_length=100), SingleLine],
    rating: Annotated[Satisfaction, Form()],
) -> HTMLResponse:
    """The answer (1–5) is the inquiry's satisfaction; already answered or past its days: a 409 page saying so."""
    surveys.check_token(inquiry.id, token)
    actor = Actor(
        type="anonymous",
        label=labels.SURVEY_ACTOR,
        client_address=client_address(request),
        request_id=current_request_id(),
    )
    try:
        surveys.answer(db, inquiry=inquiry, rating=rating, actor=actor, now=utcnow())
    except Conflict as refused:
        return HTMLResponse(pages.survey_result(refused.message), status_code=409)
    return HTMLResponse(pages.survey_result(labels.SURVEY_THANKS))


# --- MCP clients -------------------------------------------------------------------------------


@router.get("/mcp-clients", response_model=list[McpClientRead])
def list_mcp_clients(_: Operator, db: DbSession) -> list:
    return clients.list_clients(db)


@router.post("/mcp-clients", response_model=McpClientCreated, status_code=201)
def create_mcp_client(body: McpClientCreate, caller: Operator, db: DbSession) -> McpClientCreated:
    """A new client and its API key, shown this once."""
    client, key = clients.create_client(db, name=body.name, actor=caller.actor, now=utcnow())
    return McpClientCreated(**McpClientRead.model_validate(client).model_dump(), api_key=key)


@router.post("/mcp-clients/{client_id}/revoke", response_model=McpClientRead)
def revoke_mcp_client(caller: Operator, client: PathClient, db: DbSession):
    clients.revoke_client(db, client=client, actor=caller.actor, now=utcnow())
    return client


# --- executive ---------------------------------------------------------------------------------


@router.get("/executive/summary", response_model=ExecutiveSummary)
def executive_summary(_: ReportReader, db: DbSession, months: Annotated[int, Query(ge=1, le=36)] = 12) -> dict:
    """Monthly reservations and revenue, service-type share and the shop ranking (from the nightly summary)."""
    return executive.summary(db, now=utcnow(), months=months)


@router.get("/executive/weekly-report", **media("application/pdf"))
def weekly_report(
    _: ReportReader, db: DbSession, week: Annotated[str, Query(max_length=10), Normalised, SingleLine]
) -> Response:
    """The weekly PDF report (§6.2) of the week holding `week` (any of its days, YYYY-MM-DD)."""
    monday = weekly.parse_week(week, utcnow())
    return Response(
        weekly.report_pdf(db, monday=monday, now=utcnow()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="qrv-weekly-{monday}.pdf"'},
    )


@router.get("/executive/report", **media("application/pdf"))
def executive_report(
    _: ReportReader, db: DbSession, month: Annotated[str, Query(pattern=MONTH_PATTERN), Normalised, SingleLine]
) -> Response:
    """The monthly PDF report."""
    chosen = executive.parse_month(month, utcnow())
    return Response(
        executive.report_pdf(db, month=chosen, now=utcnow()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="qrv-report-{month}.pdf"'},
    )
