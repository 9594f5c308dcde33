"""The MCP server AI-chat clients book through: streamable HTTP at /mcp (official MCP SDK), stateless JSON answers so
any API worker can serve any request. A client's API key is its Bearer token; a client sees only the reservations it
created. Every refusal, down to a missing argument or a wrong key, is in the API's error shape, in Japanese."""

import functools
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, NotRequired, cast
from urllib.parse import urlsplit

import anyio.to_thread
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, InputRequiredResult, TextContent, ToolAnnotations
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config
from pydantic_core import PydanticCustomError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send
from typing_extensions import TypedDict

from service import VERSION
from service.body_guard import NUL_BYTE
from service.config import get_settings
from service.database import session_scope, utcnow
from service.errors import (
    DATABASE_BUSY,
    DATABASE_UNAVAILABLE,
    Conflict,
    DomainError,
    Fields,
    NotFound,
    Unauthorized,
    ValidationFailed,
    error_body,
    validation_details,
)
from service.reservations import handover, labels, lookups, messages, status_links
from service.reservations.booking import booking, clients, quotas, retries
from service.reservations.booking.next_step import next_step
from service.reservations.booking.schemas import ReservationCreate
from service.reservations.models import Reservation, Shop
from service.reservations.shops import catalog, hours
from service.reservations.state_machine import EventActor
from service.schemas import multi_line

log = logging.getLogger("daicho.reservations.mcp")
FIELDS = Fields("reservations")
WRONG_KEY = "APIキーが正しくないか、無効になっています。Authorization: Bearer でクライアントのAPIキーを送ってください"
INT64 = (-(2**63), 2**63 - 1)
INSTRUCTIONS = (
    "QRV (Qualfia Reservation) books services at partner shops for a requester. Call list_services (its "
    "next_open_days and each shop's closed_days, 定休日, tell which days work), then "
    "create_reservation with the requester's name, phone number (E.164 or Japanese format) and desired date and "
    "time (ISO 8601 with its offset, e.g. 2026-12-03T14:00+09:00; without one it is Japan time, Asia/Tokyo). Every "
    "answer gives times as ISO 8601 with +09:00 and in Japanese words (2026年12月3日（木）14:00): read the words to "
    "the requester. The answer has the reservation id (QRV-XXXXXX) at once; "
    "the requester gets an SMS, shops are called and a payment link follows by SMS. Tell the requester the id "
    "and the cancellation URL, or, when free_cancellation is false (booked less than 48 hours ahead), that it cannot "
    "be cancelled free. get_reservation_status follows it; cancel_reservation needs the cancellation token. Both "
    "writes are safe to retry: pass an idempotency_key, and a request sent again answers the first (repeat: true). "
    "When an answer has requires_escalation: true, a person is handling the booking: tell the requester "
    "escalation.message and give them escalation.continue_url, a page they can open without signing in to follow it. "
    "A refusal is an error result whose structured content is {error: {code, message, details}}; a booking refused "
    "with booking_quota_exceeded may be sent again after details.retry_after_seconds."
)


class ClientKeyVerifier:
    """The SDK's token-verifier hook: a Bearer token is valid when it is an active client's API key."""

    async def verify_token(self, token: str) -> AccessToken | None:
        found = await anyio.to_thread.run_sync(_client_for_key, token)
        if found is None:
            return None
        client_id, name = found
        return AccessToken(token=token, client_id=str(client_id), scopes=["reservations"], subject=name)


def _client_for_key(key: str) -> tuple[int, str] | None:
    with session_scope() as db:
        client = clients.authenticate(db, key, now=utcnow())
        return (client.id, client.name) if client else None


def _caller() -> tuple[int, str]:
    token = get_access_token()
    if token is None:
        raise Unauthorized("APIキーが必要です", code="invalid_api_key")
    return int(token.client_id), token.subject or token.client_id


class ToolFailure(ToolError):
    """A tool's refusal in the API's error shape {"error": {code, message, details}}: the result's structured content
    (a quota's retry_after_seconds read without parsing words) and, as JSON, its text."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        self.body = error_body(code, message, details)
        super().__init__(json.dumps(self.body, ensure_ascii=False))

    def result(self) -> CallToolResult:
        return CallToolResult(
            content=[TextContent(type="text", text=str(self))], structured_content=self.body, is_error=True
        )


def _invalid(exc: ValidationError) -> ToolFailure:
    """In Japanese naming the argument and its rule, as the API's 422 words them."""
    return ToolFailure("validation_failed", "入力内容に誤りがあります", validation_details(exc.errors(), FIELDS))


@contextmanager
def _as_tool_errors() -> Iterator[None]:
    """{"error": {code, message, details}}; a lost or busy database is "unavailable", as the API's 503."""
    try:
        yield
    except DomainError as exc:
        raise ToolFailure(exc.code, exc.message, exc.details) from exc
    except ValidationError as exc:
        raise _invalid(exc) from exc
    except OperationalError as exc:
        log.error("database unavailable in an MCP tool: %s", exc.orig)
        raise ToolFailure("unavailable", DATABASE_UNAVAILABLE) from exc
    except PoolTimeout as exc:
        log.error("database connection pool exhausted in an MCP tool: %s", exc)
        raise ToolFailure("unavailable", DATABASE_BUSY) from exc


def _check_argument(name: str, value: Any) -> None:
    """The rules the REST API enforces on every request: no control character in text, integers within 64 bits."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationFailed(NUL_BYTE, details={"field": name, "rule": "nul_byte"})
    if isinstance(value, str):
        try:
            multi_line(value)
        except PydanticCustomError as exc:
            raise ValidationFailed(exc.message(), details={"field": name, "rule": exc.type}) from exc
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        raise ValidationFailed("数値が大きすぎます", details={"field": name, "rule": "number_too_large"})


def _checked(tool: Callable[..., Any]) -> Callable[..., Any]:
    """Refuses a broken argument before anything runs, as a structured error result (ToolFailure)."""

    @functools.wraps(tool)
    def run(**arguments: Any) -> Any:
        try:
            with _as_tool_errors():
                for name, value in arguments.items():
                    _check_argument(name, value)
            return tool(**arguments)
        except ToolFailure as failure:
            return failure.result()

    return run


class Refusal(TypedDict):
    """The API's error shape's inner object: a machine code, a Japanese message and what it concerns."""

    code: str
    message: str
    details: dict[str, Any] | list[dict[str, Any]] | None


def _or_refused(schema: dict[str, Any]) -> None:
    """The MCP Inspector checks an error result's structured content against the output schema too."""
    schema["properties"]["error"] = TypeAdapter(Refusal).json_schema()
    schema["anyOf"] = [{"required": schema.pop("required")}, {"required": ["error"]}]


ANSWER = ConfigDict(json_schema_extra=_or_refused)


class OpenDay(TypedDict):
    """A day open for booking: its date (ISO 8601), in words with its hours, and the hours (「終日」: any time)."""

    date: str
    text: str
    hours: list[str]


class ShopDays(TypedDict):
    """A partner shop offering the service: its hours, its 定休日 as it keeps them (「水・祝」: Wednesdays and public
    holidays; empty: none) and its next open days."""

    name: str
    hours: str
    closed_days: str
    next_open_days: list[OpenDay]


class Service(TypedDict):
    id: int
    name: str
    price_yen: int
    duration_minutes: int
    description: str
    time_zone: str
    shop_hours: list[str]
    next_open_days: list[OpenDay]
    shops: list[ShopDays]


@with_config(ANSWER)
class Services(TypedDict):
    result: list[Service]


class Escalation(TypedDict):
    """A person has the booking (a manual operation is open on it), as Google's UCP answers requires_escalation: why
    (reason: the operation's type), what to tell the requester (message, Japanese) and the requester's status page
    (continue_url: no sign-in; a new link in each answer, every one valid until 30 days after the booking's date)."""

    reason: str
    message: str
    continue_url: str


@with_config(ANSWER)
class ReservationStatus(TypedDict):
    """Where a reservation stands; each time as ISO 8601 with +09:00 and in Japanese words. next_step is what happens
    next in the requester's words (the status page's; e.g. that the calls start when the shops open) and hear_back_by
    when the requester hears from us at the latest, if known. While a person has it, requires_escalation is true and
    escalation says why and where the requester can follow it."""

    reservation_id: str
    status: str
    status_label: str
    service: str
    desired_at: str
    desired_at_text: str
    cancel_deadline: str
    cancel_deadline_text: str
    time_zone: str
    free_cancellation: bool
    next_step: str
    hear_back_by: NotRequired[str]
    hear_back_by_text: NotRequired[str]
    requires_escalation: bool
    escalation: NotRequired[Escalation]


class Answer(ReservationStatus):
    """A write's answer: what to tell the requester, and whether it answers a request made before (repeat)."""

    message: str
    repeat: bool


class Booking(Answer):
    """A booking's answer: the cancellation token to the first caller only, the URL only while free to cancel."""

    cancel_token: NotRequired[str]
    cancel_url: NotRequired[str]


def _own(db, client_id: int, reservation_id: str) -> Reservation:
    """Another client's id is not found."""
    reservation = lookups.get_by_code(db, reservation_id)
    if reservation.mcp_client_id != client_id:
        raise NotFound("指定された予約は見つかりません", details={"resource": "reservation", "id": reservation_id})
    return reservation


def _status(db: Session, reservation: Reservation) -> ReservationStatus:
    """Each time is given twice, so it cannot be misread: ISO 8601 with the offset (+09:00) and in words."""
    now = utcnow()
    step = next_step(db, reservation, now=now)
    answer: ReservationStatus = {
        "reservation_id": reservation.code,
        "status": reservation.status,
        "status_label": labels.STATUSES[reservation.status],
        "service": reservation.service_type.name,
        "desired_at": messages.iso_local(reservation.desired_at),
        "desired_at_text": messages.when_text(reservation.desired_at),
        "cancel_deadline": messages.iso_local(reservation.cancel_deadline_at),
        "cancel_deadline_text": messages.when_text(reservation.cancel_deadline_at),
        "time_zone": _time_zone(),
        "free_cancellation": messages.free_cancellation(reservation, now),
        "next_step": step.message,
        "requires_escalation": False,
    }
    if step.hear_by is not None:
        answer["hear_back_by"] = messages.iso_local(step.hear_by)
        answer["hear_back_by_text"] = messages.when_text(step.hear_by)
    operation = handover.needing_a_person(db, reservation)
    if operation is None:
        return answer
    return answer | {"requires_escalation": True, "escalation": _escalation(reservation, operation.op_type)}


def _escalation(reservation: Reservation, op_type: str) -> Escalation:
    url = status_links.link(reservation)
    return {"reason": op_type, "message": labels.ESCALATIONS[op_type], "continue_url": url}


def list_services() -> Services:
    """The services that can be booked: id, name, price in yen, duration in minutes, description, the time zone its
    times are read in (a desired time without an offset is that zone's), the shops' opening hours in it, the next 7
    days some shop is open (next_open_days: book one of these, within its hours) and each shop offering it with its
    hours, its 定休日 (closed_days, e.g. 「水・祝」: Wednesdays and public holidays) and its own next open days."""
    with session_scope() as db:
        zone, now = _time_zone(), utcnow()
        offered: list[Service] = []
        for s in catalog.list_services(db, active_only=True):
            shops = catalog.call_list(db, s.id)
            offered.append(
                {
                    "id": s.id,
                    "name": s.name,
                    "price_yen": s.price,
                    "duration_minutes": s.duration_minutes,
                    "description": s.description,
                    "time_zone": zone,
                    "shop_hours": hours.distinct_hours(shops),
                    "next_open_days": _open_days(shops, now),
                    "shops": [_shop_days(shop, now) for shop in shops],
                }
            )
        return {"result": offered}


def _open_days(shops: list[Shop], now: datetime) -> list[OpenDay]:
    return [cast(OpenDay, day.as_answer()) for day in hours.open_days(shops, now)]


def _shop_days(shop: Shop, now: datetime) -> ShopDays:
    return {
        "name": shop.name,
        "hours": hours.hours_text(shop),
        "closed_days": hours.closed_days_text(shop),
        "next_open_days": _open_days([shop], now),
    }


def _time_zone() -> str:
    """「Asia/Tokyo (UTC+09:00)」."""
    offset = messages.iso_local(utcnow())[-6:]
    return f"{get_settings().timezone} (UTC{offset})"


IdempotencyKey = Annotated[
    str,
    Field(
        max_length=200,
        description=(
            "optional; any text of yours naming this request (a UUID, say), kept per client (another client's same "
            "key is another request). Sending the same key with the same arguments again within 24 hours answers the "
            "first result with repeat: true and does nothing twice; the same key with other arguments is refused "
            "(idempotency_key_reused)"
        ),
    ),
]


def create_reservation(
    service_id: Annotated[int, Field(description="id from list_services")],
    requester_name: Annotated[str, Field(description="the requester's name")],
    requester_phone: Annotated[str, Field(description="E.164 (+819012345678) or Japanese (090-1234-5678)")],
    desired_at: Annotated[
        str,
        Field(
            description=(
                "ISO 8601 date and time, best with its offset: 2026-12-03T14:00+09:00 (Japan time); without an offset "
                "it is read as Japan time. A time in the past or outside the shops' opening hours is refused; a day "
                "every shop is closed (定休日) is refused as closed_day with details.nearest_open_day"
            )
        ),
    ],
    details: Annotated[str, Field(description="what the requester wants, for the shop")] = "",
    requester_email: Annotated[str, Field(description="optional; confirmations are emailed too")] = "",
    idempotency_key: IdempotencyKey = "",
) -> Booking:
    """Book a service: answers the reservation id (QRV-XXXXXX) at once, with the cancellation token and URL; booked
    less than 48 hours ahead, the message says at once that it cannot be cancelled free and no URL is given.
    Safe to retry: with an idempotency_key, a request sent again within 24 hours answers the first reservation (repeat:
    true, its token and URL again, the reservation as it stands now) and books, texts and calls nothing twice, and
    the same key with other arguments is refused (idempotency_key_reused); without one, the same requester (name and
    phone), service and desired time booked again within 10 minutes answers the reservation already made instead of
    making another, without its cancellation token (the requester has the link by SMS)."""
    with _as_tool_errors():
        client_id, name = _caller()
        data = ReservationCreate(
            service_type_id=service_id,
            requester_name=requester_name,
            requester_phone=requester_phone,
            requester_email=requester_email,
            desired_at=desired_at,
            details=details,
        )
        key = retries.booking_request(idempotency_key, data)
        with session_scope() as db:
            client = lookups.get_client(db, client_id)
            now = utcnow()

            def book() -> Reservation:
                quotas.require_room(db, client, now)
                return booking.create_reservation(db, data=data, client=client, actor=EventActor("ai", name), now=now)

            reservation, repeat = retries.once(
                db, client_id=client_id, key=key, tool="create_reservation", now=now, write=book
            )
            answer = _created(db, reservation) if key.own or not repeat else _identical(db, reservation)
            return _repeated(answer, repeat)


def _repeated(answer: dict[str, Any], repeat: bool) -> Any:
    if repeat:
        return answer | {"repeat": True, "message": labels.MCP_REPEATED + answer["message"]}
    return answer | {"repeat": False}


def _created(db: Session, reservation: Reservation) -> dict[str, Any]:
    answer = {**_status(db, reservation), "cancel_token": messages.cancel_token(reservation.code)}
    if answer["free_cancellation"]:
        return answer | {"message": labels.MCP_CREATED, "cancel_url": messages.cancel_url(reservation.code)}
    return answer | {"message": labels.MCP_CREATED + messages.no_free_cancellation()}


def _identical(db: Session, reservation: Reservation) -> dict[str, Any]:
    """Nothing only the first caller was given (no cancellation token, no link)."""
    answer = dict(_status(db, reservation))
    if answer["free_cancellation"]:
        return answer | {"message": labels.MCP_IDENTICAL}
    return answer | {"message": messages.no_free_cancellation()}


def get_reservation_status(
    reservation_id: Annotated[str, Field(description="QRV-XXXXXX")],
) -> ReservationStatus:
    """Where a reservation this client made stands now; while a person has it, requires_escalation is true and
    escalation gives the reason, the words for the requester and the requester's status page (continue_url)."""
    with _as_tool_errors():
        client_id, _ = _caller()
        with session_scope() as db:
            return _status(db, _own(db, client_id, reservation_id))


def cancel_reservation(
    reservation_id: Annotated[str, Field(description="QRV-XXXXXX")],
    cancel_token: Annotated[str, Field(description="the token create_reservation answered")],
    idempotency_key: IdempotencyKey = "",
) -> Answer:
    """Cancel before the deadline (48 hours before the reservation; paid amounts are refunded). After it the
    answer is an error saying to contact customer support (cancel_deadline_passed), a person takes the request over and
    the error's details.escalation gives the requester's status page. Safe to retry with an idempotency_key: the same
    request sent again within 24 hours answers the first cancellation (repeat: true, the reservation as it stands now)
    and cancels nothing twice; the same key with other arguments is refused (idempotency_key_reused)."""
    with _as_tool_errors():
        client_id, name = _caller()
        with session_scope() as db:
            code = _own(db, client_id, reservation_id).code
            now = utcnow()

            def cancel() -> Reservation:
                return booking.cancel_by_requester(
                    db,
                    code=code,
                    token=cancel_token,
                    actor=EventActor("ai", name),
                    reason=labels.REASONS["cancel_mcp"],
                    now=now,
                )

            with _late_to_a_person(db, code):
                if not idempotency_key:
                    return _repeated({**_status(db, cancel()), "message": labels.CANCEL_DONE}, False)
                reservation, repeat = retries.once(
                    db,
                    client_id=client_id,
                    key=retries.keyed(idempotency_key, {"reservation_id": code, "cancel_token": cancel_token}),
                    tool="cancel_reservation",
                    now=now,
                    write=cancel,
                )
            return _repeated({**_status(db, reservation), "message": labels.CANCEL_DONE}, repeat)


@contextmanager
def _late_to_a_person(db: Session, code: str) -> Iterator[None]:
    """A cancellation past the deadline goes to a person (late_cancellation): the refusal's details carry the
    escalation, as a status answer would."""
    try:
        yield
    except Conflict as refused:
        if refused.code == "cancel_deadline_passed":
            escalation = _escalation(lookups.get_by_code(db, code), "late_cancellation")
            refused.details = {**refused.details, "escalation": escalation}
        raise


READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
# A booking reaches out (SMS, shop calls, payment); a retry with its idempotency_key does nothing twice.
BOOK = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
CANCEL = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True)
TOOLS: tuple[tuple[Callable[..., Any], ToolAnnotations], ...] = (
    (list_services, READ),
    (create_reservation, BOOK),
    (get_reservation_status, READ),
    (cancel_reservation, CANCEL),
)


class ReservationsServer(MCPServer):
    """The SDK's server, answering what the SDK refuses before a tool runs in the API's error shape, in Japanese:
    arguments that do not fit a tool's input schema (validation_failed, each argument and rule named), a tool it
    does not have (unknown_tool); a crash is "internal_error" and its text stays in the log."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            log.exception("MCP tool %s failed", name)
            return ToolFailure("internal_error", "サーバー内部でエラーが発生しました").result()
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                return _invalid(exc.__cause__).result()
            return ToolFailure("unknown_tool", f"ツール「{name}」はありません", {"tool": name}).result()


def build_server() -> MCPServer:
    settings = get_settings()
    server = ReservationsServer(
        "qrv-reservations",
        title="QRV 予約",
        version=VERSION,
        instructions=INSTRUCTIONS,
        token_verifier=ClientKeyVerifier(),
        auth=AuthSettings(issuer_url=settings.public_base_url, resource_server_url=None),
        log_level="WARNING",
    )
    for tool, annotations in TOOLS:
        server.tool(annotations=annotations, structured_output=True)(_checked(tool))
    return server


def _transport_security() -> TransportSecuritySettings:
    """DNS-rebinding protection: localhost and the configured URLs."""
    settings = get_settings()
    hosts = {"127.0.0.1", "localhost", "[::1]"}
    hosts |= {urlsplit(url).hostname or "" for url in (settings.public_base_url, settings.api_url)} - {""}
    return TransportSecuritySettings(
        allowed_hosts=sorted({h for host in hosts for h in (host, f"{host}:*")}),
        allowed_origins=sorted(
            {f"{scheme}://{h}" for host in hosts for h in (host, f"{host}:*") for scheme in ("http", "https")}
        ),
    )


class RequireClientKey:
    """Within the SDK's Bearer authentication: a request without an active client's API key is refused before the
    SDK's own check, as the service's 401 in its error shape and in Japanese. The SDK's refusal would carry a
    WWW-Authenticate challenge, which sends clients (the MCP Inspector) into OAuth discovery; no OAuth is offered
    here, the key is simply wrong."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not isinstance(scope.get("user"), AuthenticatedUser):
            raise Unauthorized(WRONG_KEY, code="invalid_api_key")
        await self.app(scope, receive, send)


def _errors_to_the_service(sdk_app: Starlette) -> ASGIApp:
    """Without the error middleware Starlette wraps around every app (a plain 500): an error in it reaches the service's
    handlers and is answered in the one error shape (a lost database: 503)."""
    stack: ASGIApp = RequireClientKey(sdk_app.router)
    for cls, args, kwargs in reversed(sdk_app.user_middleware):
        stack = cls(stack, *args, **kwargs)
    return stack


def streamable_app(path: str) -> tuple[ASGIApp, StreamableHTTPSessionManager]:
    """The server's streamable HTTP app at `path` (mcp_mount.PATH), stateless with JSON answers, behind the service's
    errors, and its session manager, which the app's lifespan runs (mcp_mount.py)."""
    server = build_server()
    endpoint = server.streamable_http_app(
        streamable_http_path=path, stateless_http=True, json_response=True, transport_security=_transport_security()
    )
    return _errors_to_the_service(endpoint), server.session_manager
