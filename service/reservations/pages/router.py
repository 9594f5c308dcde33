"""The pages a requester opens without signing in: the cancellation link and the satisfaction survey (the signed
token is the credential), and the sandbox checkout, which lets a person "pay" a sandbox payment link when no real
provider is set. Thin handlers; pages.py writes the HTML."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse

from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.errors import Conflict, NotFound
from service.openapi import declares
from service.reservations import labels, lookups, payments, status_links
from service.reservations.booking import booking, next_step
from service.reservations.dependencies import PathInquiry
from service.reservations.models import Payment
from service.reservations.pages import pages
from service.reservations.state_machine import EventActor
from service.reservations.support import surveys
from service.reservations.support.schemas import Satisfaction
from service.schemas import SingleLine

router = APIRouter(prefix="/reservations", tags=["reservations"])
REQUESTER = EventActor("requester", "cancel-url")
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}  # a page only its link's holder sees


@router.get("/cancel/{code}", response_class=HTMLResponse)
def cancel_page(code: str, token: Annotated[str, Query(max_length=100), SingleLine], db: DbSession) -> HTMLResponse:
    reservation = booking.for_requester(db, code=code, token=token)
    deadline_passed = utcnow() >= reservation.cancel_deadline_at
    return HTMLResponse(pages.cancel_form(reservation, token, deadline_passed=deadline_passed))


@router.post("/cancel/{code}", response_class=HTMLResponse)
def cancel_by_link(code: str, token: Annotated[str, Form(max_length=100), SingleLine], db: DbSession) -> HTMLResponse:
    """Cancels before the deadline; after it, says to call support (and opens the late-cancellation operation). Sent
    again (a second tap, the back button), it cancels nothing twice and says the booking is cancelled."""
    try:
        reservation = booking.cancel_by_requester(
            db, code=code, token=token, actor=REQUESTER, reason=labels.REASONS["cancel_url"], now=utcnow()
        )
    except Conflict as refused:
        if refused.code not in ("cancel_deadline_passed", "already_cancelled"):
            raise
        status = 200 if refused.code == "already_cancelled" else 409
        return HTMLResponse(pages.cancel_result(lookups.get_by_code(db, code), refused.message), status_code=status)
    return HTMLResponse(pages.cancel_result(reservation, labels.CANCEL_DONE))


@router.get("/status/{token}", response_class=HTMLResponse, include_in_schema=False)
def status_page(token: str, db: DbSession) -> HTMLResponse:
    """The requester's status page, no sign-in: the token is the credential. A refused link is a 404 page (HTML, as
    the parent's barcode page: a page for a phone's browser, out of the API's schema)."""
    try:
        reservation = status_links.reservation_for(db, token, utcnow())
    except NotFound as refused:
        return HTMLResponse(pages.status_refused(refused.message), status_code=404, headers=PRIVATE)
    step = next_step.next_step(db, reservation, now=utcnow())
    return HTMLResponse(pages.status_page(reservation, step), headers=PRIVATE)


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
