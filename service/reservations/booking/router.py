"""The booking API for operators: editing a reservation, accepting a shop, resuming calls, sending the payment link
again, cancelling; and the MCP clients with their keys. The MCP tools themselves are mcp_server.py's, at /mcp.
Thin handlers; the rules live in booking.py and clients.py."""

from typing import Annotated

from fastapi import APIRouter, Body

from service.database import utcnow
from service.deps import DbSession
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
from service.reservations.console.schemas import ReservationDetail
from service.reservations.dependencies import Operator, PathClient, PathReservation

router = APIRouter(prefix="/reservations", tags=["reservations"])


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
