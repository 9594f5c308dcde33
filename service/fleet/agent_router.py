"""The store agent's API: enrolment, heartbeats, command progress, firmware, diagnostics, token rotation.

The two heartbeat routes are the hot path (every terminal, every few minutes): they read the raw body with pydantic's
JSON parser and are served by `AgentLane` straight from the middleware stack. They stay ordinary routes too: declared
here, listed in OpenAPI, reachable through FastAPI's routing, and their errors rendered by the app's handlers.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from service.audit.service import Actor
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.fleet import agents, firmware, heartbeats, terminals
from service.fleet.dependencies import AgentTerminal, bearer_token_hash, terminal_holding
from service.fleet.schemas import DiagnosticsIn, EnrollIn, EnrollOut, HeartbeatIn, HeartbeatReply, ProgressIn, TokenOut

router = APIRouter(prefix="/fleet/agent", tags=["fleet-agent"])
JSON = "application/json"


def terminal_actor(request: Request, terminal: AgentTerminal) -> Actor:
    return Actor(
        type="terminal",
        id=str(terminal.terminal_id),
        label=f"terminal:{terminal.terminal_id}",
        client_address=client_address(request),
        request_id=current_request_id(),
    )


def anonymous_actor(request: Request) -> Actor:
    return Actor(
        type="anonymous", label="agent", client_address=client_address(request), request_id=current_request_id()
    )


@router.post("/enroll", response_model=EnrollOut, status_code=201)
def enroll(body: EnrollIn, db: DbSession, actor: Annotated[Actor, Depends(anonymous_actor)]) -> EnrollOut:
    terminal, token = agents.enroll(db, body=body, actor=actor, now=utcnow())
    return EnrollOut(
        terminal_id=terminal.id,
        serial_number=terminal.serial_number,
        token=token,
        interval_seconds=terminal.interval_seconds,
    )


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with nested models written in place (a route's openapi_extra cannot add components)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, list):
            return [expand(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return expand(definitions[node["$ref"].removeprefix("#/$defs/")])
        return {key: expand(value) for key, value in node.items()}

    return expand(schema)


HEARTBEAT_BODY = {"requestBody": {"required": True, "content": {JSON: {"schema": _inline_schema(HeartbeatIn)}}}}
VALID = b'{"valid":true}'


def heartbeat_body(raw: bytes) -> HeartbeatIn:
    """The body parsed by pydantic's JSON parser; errors as FastAPI reports a body (400 malformed JSON, else 422)."""
    try:
        return HeartbeatIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError([error | {"loc": ("body", *error["loc"])} for error in errors]) from None


@router.post("/heartbeat", response_model=HeartbeatReply, openapi_extra=HEARTBEAT_BODY)
async def heartbeat(request: Request) -> Response:
    """Authenticated and stored durably in one group-committed transaction; the answer carries the waiting commands."""
    token_hash = await bearer_token_hash(request)
    body = heartbeat_body(await request.body())
    reply = await heartbeats.record(heartbeats.Beat(token_hash, body))
    return Response(reply.model_dump_json(), media_type=JSON)


@router.post("/heartbeat/validate", openapi_extra=HEARTBEAT_BODY)
async def validate_heartbeat(request: Request) -> Response:
    """The same checks as /heartbeat, storing nothing: a dry run for agents and the bench's baseline."""
    await terminal_holding(await bearer_token_hash(request))
    heartbeat_body(await request.body())
    return Response(VALID, media_type=JSON)


class AgentLane:
    """Serves the heartbeat routes past FastAPI's routing, dependency solving and exception middleware.

    Mounted innermost, so the request id, body guard and metrics still apply; the endpoint and route object are the
    declared ones (the metrics label is the route's template), and an error is rendered by the app's own handler.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/api") -> None:
        self.app = app
        lean = (heartbeat, validate_heartbeat)
        self.routes = {prefix + r.path: r for r in router.routes if getattr(r, "endpoint", None) in lean}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route
        request = Request(scope, receive, send)
        try:
            response = await route.endpoint(request)
        except Exception as exc:
            response = await _error_response(scope["app"], request, exc)
        await response(scope, receive, send)


async def _error_response(app: FastAPI, request: Request, exc: Exception) -> Response:
    """What the app's exception handler for this error (or its nearest base class) answers."""
    for kind in type(exc).__mro__:
        handler = app.exception_handlers.get(kind)
        if handler is not None:
            return await handler(request, exc)
    raise exc


@router.post("/commands/{command_id}/progress", status_code=204)
def command_progress(command_id: int, body: ProgressIn, terminal: AgentTerminal, db: DbSession) -> None:
    firmware.report_progress(db, terminal_id=terminal.terminal_id, command_id=command_id, body=body, now=utcnow())


@router.get("/firmware/{release_id}")
def download_firmware(release_id: int, terminal: AgentTerminal, db: DbSession) -> Response:
    """The file in one body: a streamed FileResponse is cut short by the platform's body-replaying guard middleware."""
    release = firmware.firmware_for_terminal(db, terminal_id=terminal.terminal_id, release_id=release_id)
    return Response(
        firmware.firmware_path(release).read_bytes(),
        media_type="application/octet-stream",
        headers={
            "X-Checksum-SHA256": release.sha256,
            "Content-Disposition": f'attachment; filename="{release.version}.bin"',
        },
    )


@router.post("/diagnostics", status_code=202)
def upload_diagnostics(body: DiagnosticsIn, terminal: AgentTerminal, db: DbSession) -> dict:
    diagnostic = terminals.store_diagnostics(db, terminal_id=terminal.terminal_id, body=body, now=utcnow())
    return {"id": diagnostic.id, "lines": len(diagnostic.lines)}


@router.post("/token/rotate", response_model=TokenOut)
def rotate_token(terminal: AgentTerminal, db: DbSession, actor: Annotated[Actor, Depends(terminal_actor)]) -> TokenOut:
    return TokenOut(token=agents.rotate_token(db, terminal_id=terminal.terminal_id, actor=actor, now=utcnow()))
