"""The store agent's API: enrolment, heartbeats, command progress, firmware, diagnostics, token rotation.

The two heartbeat routes are the hot path (every terminal, every few minutes): they read the raw body with pydantic's
JSON parser and are served by the fast lane (service/lanes.py) before the request enters the middleware stack.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from service.audit.service import Actor
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.fleet import agents, firmware, heartbeats, terminals
from service.fleet.dependencies import AgentTerminal, terminal_holding, token_hash_of
from service.fleet.schemas import (
    AgentTokenOut,
    DiagnosticsIn,
    EnrollIn,
    EnrollOut,
    HeartbeatIn,
    HeartbeatReply,
    ProgressIn,
)
from service.identity.dependencies import bearer
from service.lanes import LaneRequest, LaneRouter, parse_body
from service.openapi import declares, media

router = APIRouter(prefix="/fleet/agent", tags=["fleet-agent"])


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
@declares(401)  # a wrong or expired enrollment code
def enroll(body: EnrollIn, db: DbSession, actor: Annotated[Actor, Depends(anonymous_actor)]) -> EnrollOut:
    terminal, token = agents.enroll(db, body=body, actor=actor, now=utcnow())
    return EnrollOut(
        terminal_id=terminal.id,
        serial_number=terminal.serial_number,
        token=token,
        interval_seconds=terminal.interval_seconds,
    )


lanes = LaneRouter(router, security=bearer)
VALID = b'{"valid":true}'
reply_json = HeartbeatReply.__pydantic_serializer__.to_json


@lanes.post("/heartbeat", body=HeartbeatIn, response_model=HeartbeatReply)
async def heartbeat(request: LaneRequest) -> tuple[int, bytes]:
    """Authenticated and stored durably in one group-committed transaction; the answer carries the waiting commands."""
    token_hash = token_hash_of(request.head.authorization)
    beat = heartbeats.Beat(token_hash, parse_body(HeartbeatIn, request.body))
    return 200, reply_json(await heartbeats.record(beat))


@lanes.post("/heartbeat/validate", body=HeartbeatIn)
async def validate_heartbeat(request: LaneRequest) -> tuple[int, bytes]:
    """The same checks as /heartbeat, storing nothing: a dry run for agents and the bench's baseline."""
    await terminal_holding(token_hash_of(request.head.authorization))
    parse_body(HeartbeatIn, request.body)
    return 200, VALID


@router.post("/commands/{command_id}/progress", status_code=204)
def command_progress(command_id: int, body: ProgressIn, terminal: AgentTerminal, db: DbSession) -> None:
    firmware.report_progress(db, terminal_id=terminal.terminal_id, command_id=command_id, body=body, now=utcnow())


@router.get("/firmware/{release_id}", **media("application/octet-stream"))
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
@declares(404, 409)  # body command_id: not this terminal's diagnostics command, or already finished
def upload_diagnostics(body: DiagnosticsIn, terminal: AgentTerminal, db: DbSession) -> dict:
    diagnostic = terminals.store_diagnostics(db, terminal_id=terminal.terminal_id, body=body, now=utcnow())
    return {"id": diagnostic.id, "lines": len(diagnostic.lines)}


@router.post("/token/rotate", response_model=AgentTokenOut)
def rotate_token(
    terminal: AgentTerminal, db: DbSession, actor: Annotated[Actor, Depends(terminal_actor)]
) -> AgentTokenOut:
    return AgentTokenOut(token=agents.rotate_token(db, terminal_id=terminal.terminal_id, actor=actor, now=utcnow()))
