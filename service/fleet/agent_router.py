"""The store agent's API: enrolment, heartbeats, command progress, firmware, diagnostics, token rotation.

The two heartbeat routes are the hot path (every terminal, every few minutes): they read the raw body with pydantic's
JSON parser and are served by `AgentLane` before the request enters the middleware stack. They stay ordinary routes
too: declared here, listed in OpenAPI, reachable through FastAPI's routing, and their errors rendered by the app's
handlers.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.types import Receive, Scope, Send

from service.audit.service import Actor
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.fleet import agents, firmware, heartbeats, terminals
from service.fleet.dependencies import AgentTerminal, terminal_holding, token_hash_of
from service.fleet.schemas import DiagnosticsIn, EnrollIn, EnrollOut, HeartbeatIn, HeartbeatReply, ProgressIn, TokenOut
from service.observability import BodyGuard, RequestHead, request_id_var, request_metrics

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
reply_json = HeartbeatReply.__pydantic_serializer__.to_json


def heartbeat_body(raw: bytes) -> HeartbeatIn:
    """The body parsed by pydantic's JSON parser; errors as FastAPI reports a body (400 malformed JSON, else 422)."""
    try:
        return HeartbeatIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError([error | {"loc": ("body", *error["loc"])} for error in errors]) from None


async def store_heartbeat(authorization: str, raw: bytes) -> bytes:
    """Authenticated and stored durably in one group-committed transaction; the answer carries the waiting commands."""
    token_hash = token_hash_of(authorization)
    return reply_json(await heartbeats.record(heartbeats.Beat(token_hash, heartbeat_body(raw))))


async def check_heartbeat(authorization: str, raw: bytes) -> bytes:
    """The same checks as storing, storing nothing."""
    await terminal_holding(token_hash_of(authorization))
    heartbeat_body(raw)
    return VALID


async def _answer(handler: Callable[[str, bytes], Awaitable[bytes]], request: Request) -> Response:
    return Response(await handler(request.headers.get("authorization", ""), await request.body()), media_type=JSON)


@router.post("/heartbeat", response_model=HeartbeatReply, openapi_extra=HEARTBEAT_BODY)
async def heartbeat(request: Request) -> Response:
    """Authenticated and stored durably in one group-committed transaction; the answer carries the waiting commands."""
    return await _answer(store_heartbeat, request)


@router.post("/heartbeat/validate", openapi_extra=HEARTBEAT_BODY)
async def validate_heartbeat(request: Request) -> Response:
    """The same checks as /heartbeat, storing nothing: a dry run for agents and the bench's baseline."""
    return await _answer(check_heartbeat, request)


class AgentLane:
    """Serves the heartbeat routes ahead of the middleware stack, FastAPI's routing and dependency solving.

    The platform's request id, body guard, metrics (labelled with the declared route's template) and error handlers
    apply as on every route. A heartbeat that succeeds is counted but not written to the access log, which would
    otherwise carry thousands of lines a second; refused ones are logged. CORS does not apply: agents are no browsers.
    """

    def __init__(self, app: FastAPI, prefix: str) -> None:
        self.app = app
        self.guard = BodyGuard()
        handlers = {heartbeat: store_heartbeat, validate_heartbeat: check_heartbeat}
        self.routes = {
            prefix + r.path: (r.path, handlers[r.endpoint])
            for r in router.routes
            if getattr(r, "endpoint", None) in handlers
        }

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request when it is a heartbeat route's; False (nothing read) for any other request."""
        lane = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if lane is None:
            return False
        started = time.perf_counter()
        head = RequestHead.of(scope)
        token = request_id_var.set(head.request_id)
        status = 500
        try:
            status = await self._answer(scope, receive, send, head, lane[1])
        finally:
            request_id_var.reset(token)
            request_metrics.record(
                "POST", lane[0], scope["path"], status, time.perf_counter() - started, log_success=False
            )
        return True

    async def _answer(self, scope: Scope, receive: Receive, send: Send, head: RequestHead, handler) -> int:
        """Run the handler on the guarded body and send its answer (or the app's rendering of its error); the status."""
        try:
            raw = await self.guard.read(scope, receive, head)
            if raw is None:
                return 499  # the client went away before its body arrived
            body = await handler(head.authorization, raw)
        except Exception as exc:
            scope["app"] = self.app
            response = await _error_response(self.app, Request(scope, receive, send), exc)
            response.headers["x-request-id"] = head.request_id
            await response(scope, receive, send)
            return response.status_code
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
            (b"x-request-id", head.request_id.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return 200


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
