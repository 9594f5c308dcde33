"""Request and response bodies of booking: a reservation as the MCP tools take it, an operator's edits and
decisions, and the MCP clients."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictBool, StringConstraints

from service.fields import rules
from service.reservations.kinds import SendChannel
from service.reservations.models import AMOUNT_MAX, McpClient, Reservation
from service.reservations.schemas import REASON_MAX, LocalDateTime, Phone, Read, RequesterEmail, Strict
from service.schemas import MultiLine


class ReservationCreate(Strict):
    service_type_id: int
    requester_name: Annotated[str, rules(Reservation.requester_name)]
    requester_phone: Phone
    requester_email: RequesterEmail = ""
    desired_at: LocalDateTime
    details: Annotated[str, rules(Reservation.details, strip=False)] = ""


# A changed amount (§2.2.5: the shop asked for another size or price) moves the payment link with it (booking.edit).
Amount = Annotated[int, Field(ge=1, le=AMOUNT_MAX)]


class ReservationUpdate(Strict):
    requester_name: Annotated[str, rules(Reservation.requester_name)] | None = None
    requester_phone: Phone | None = None
    requester_email: RequesterEmail | None = None
    desired_at: LocalDateTime | None = None
    details: Annotated[str, rules(Reservation.details, strip=False)] | None = None
    amount: Amount | None = None


class OneOffShopIn(Strict):
    """A shop the operator found by phone (§2.2.1), not in the call list."""

    name: Annotated[str, rules(Reservation.one_off_shop_name)]
    phone: Phone
    notes: Annotated[str, rules(Reservation.one_off_shop_notes, strip=False)] = ""


class AcceptIn(Strict):
    """The shop that said yes: a listed one (shop_id; none: the last one called), or a one-off shop kept on this
    reservation only, unless add_to_call_list registers it as a listed shop offering the reservation's service."""

    shop_id: int | None = None
    one_off_shop: OneOffShopIn | None = None
    add_to_call_list: StrictBool = False


class PaymentLinkIn(Strict):
    channel: SendChannel = SendChannel.SMS


class CancelIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX), MultiLine]
    refund: StrictBool = True


class McpClientCreate(Strict):
    name: Annotated[str, rules(McpClient.name)]


class McpClientRead(Read):
    id: int
    name: str
    key_prefix: str
    active: bool
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class McpClientCreated(McpClientRead):
    api_key: str = Field(description="shown once; only its hash is stored")
