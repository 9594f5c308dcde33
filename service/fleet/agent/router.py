"""The store agent's API: enrolment, heartbeats, command progress, firmware, diagnostics, token rotation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from service.audit.service import Actor
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.fleet import credentials
from service.fleet.agent import heartbeats
from service.fleet.agent.dependencies import AgentTerminal, TokenHash
from service.fleet.registry import terminals
from service.fleet.rollouts import firmware
from service.fleet.wire import (
    AgentTokenOut,
    DiagnosticsIn,
    EnrollIn,
    EnrollOut,
    HeartbeatIn,
    HeartbeatReply,
    ProgressIn,
)
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
    terminal, token = credentials.enroll(db, body=body, actor=actor, now=utcnow())
    return EnrollOut(
        terminal_id=terminal.id,
        serial_number=terminal.serial_number,
        token=token,
        interval_seconds=terminal.interval_seconds,
    )


@router.post("/heartbeat", response_model=HeartbeatReply)
async def heartbeat(body: HeartbeatIn, token_hash: TokenHash) -> HeartbeatReply:
    """Authenticated and stored durably in one group-committed transaction; the answer carries the waiting commands."""
    return await heartbeats.record(heartbeats.Beat(token_hash, body))


@router.post("/heartbeat/validate")
def validate_heartbeat(body: HeartbeatIn, terminal: AgentTerminal) -> dict:
    """The same checks as /heartbeat, storing nothing: a dry run for agents and the bench's baseline."""
    return {"valid": True}


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
    return AgentTokenOut(
        token=credentials.rotate_token(db, terminal_id=terminal.terminal_id, actor=actor, now=utcnow())
    )
