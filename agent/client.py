"""The agent API (/api/fleet/agent) as the agent speaks it: request bodies, reply checks and a sync httpx client.

The body builders and reply parsers are plain functions so the simulator's async client uses the very same ones.
They validate by hand rather than with the service's pydantic schemas: the agent runs on store PCs with a 40 MB
memory budget and must not import the service.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from agent import AGENT_VERSION
from agent.buffer import Event
from agent.config import MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, AgentConfig
from agent.device import DeviceStatus, HostLoad
from clientkit.backoff import RetryLater, retry_after_seconds

log = logging.getLogger("agent.client")

API = "/api/fleet/agent"
ENROLL_PATH = f"{API}/enroll"
HEARTBEAT_PATH = f"{API}/heartbeat"
DIAGNOSTICS_PATH = f"{API}/diagnostics"
ROTATE_PATH = f"{API}/token/rotate"
MAX_EVENTS_PER_HEARTBEAT = 500
MAX_PROGRESS_MESSAGE_CHARS = 500
COMMAND_TYPES = ("firmware_update", "collect_diagnostics", "set_interval")
USER_AGENT = f"daicho-agent/{AGENT_VERSION}"


class AgentError(Exception):
    """Base for what can go wrong talking to the server."""


class ServerUnreachable(AgentError, RetryLater):
    """No answer, a timeout, a 429 or a 5xx: try again later with backoff (not before its Retry-After)."""


class Rejected(AgentError):
    """The server refused the request with a 4xx and said why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code


class TokenRejected(Rejected):
    """401: the terminal token is unknown, rotated away or revoked."""


class GarbageResponse(AgentError):
    """A 2xx whose body is not what the contract promises."""


@dataclass(frozen=True)
class Enrollment:
    terminal_id: int
    serial_number: str
    token: str
    interval_seconds: int


@dataclass(frozen=True)
class Command:
    id: str
    type: str
    params: dict[str, Any]


@dataclass(frozen=True)
class HeartbeatReply:
    interval_seconds: int
    commands: list[Command]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).isoformat()


def enroll_body(*, code: str, serial_number: str, firmware_version: str) -> dict[str, str]:
    return {
        "enrollment_code": code,
        "serial_number": serial_number,
        "firmware_version": firmware_version,
        "agent_version": AGENT_VERSION,
    }


def heartbeat_body(
    *, status: DeviceStatus, firmware_version: str, load: HostLoad, events: list[Event], now: datetime | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sent_at": now_iso(now),
        "status": status.state,
        "firmware_version": firmware_version,
        "cpu": _percent(load.cpu),
        "memory": _percent(load.memory),
        "disk": _percent(load.disk),
        "agent_version": AGENT_VERSION,
        "events": [e.as_json() for e in events[:MAX_EVENTS_PER_HEARTBEAT]],
    }
    if status.state == "error":
        body["error_message"] = (status.error_message or "terminal error")[:500]
    return body


def _percent(value: float) -> float:
    return max(0.0, min(100.0, round(float(value), 1)))


def progress_body(*, state: str, progress: int, message: str) -> dict[str, Any]:
    return {
        "state": state,
        "progress": max(0, min(100, int(progress))),
        "message": message[:MAX_PROGRESS_MESSAGE_CHARS],
    }


def check_response(response: httpx.Response) -> Any:
    """The JSON body of a 2xx; otherwise the matching AgentError."""
    if response.status_code >= 500 or response.status_code == 429:
        raise ServerUnreachable(
            f"server answered HTTP {response.status_code}",
            retry_after=retry_after_seconds(response.headers),
        )
    if response.status_code >= 300:
        code, message = _error_fields(response)
        kind = TokenRejected if response.status_code == 401 else Rejected
        raise kind(response.status_code, code, message)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise GarbageResponse(f"HTTP {response.status_code} body is not JSON: {_snippet(response.content)}") from None


def _error_fields(response: httpx.Response) -> tuple[str, str]:
    """code and message (with details, which name the broken rule) of the common error shape, or placeholders."""
    try:
        error = response.json()["error"]
        message = str(error.get("message", ""))
        if error.get("details"):
            message += f" {json.dumps(error['details'], ensure_ascii=False)[:300]}"
        return str(error.get("code", "error")), message
    except (ValueError, KeyError, TypeError, AttributeError):
        return "http_error", _snippet(response.content)


def _snippet(content: bytes) -> str:
    return repr(content[:120].decode("utf-8", errors="replace"))


def _field(data: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(data, dict):
        raise GarbageResponse(f"expected a JSON object, got {type(data).__name__}")
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise GarbageResponse(f"field {name!r} missing or of the wrong type: {value!r:.80}")
    return value


def parse_interval(value: Any) -> int:
    """An interval the agent accepts from the server, or GarbageResponse."""
    low, high = MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GarbageResponse(f"interval_seconds must be an integer {low}-{high}: {value!r:.40}")
    return value


def parse_enrollment(data: Any) -> Enrollment:
    return Enrollment(
        terminal_id=_field(data, "terminal_id", int),
        serial_number=_field(data, "serial_number", str),
        token=_field(data, "token", str),
        interval_seconds=parse_interval(_field(data, "interval_seconds", int)),
    )


def parse_heartbeat_reply(data: Any) -> HeartbeatReply:
    """interval and commands; a malformed command is skipped with a log line, the rest still run."""
    interval = parse_interval(_field(data, "interval_seconds", int))
    commands = []
    for item in _field(data, "commands", list):
        try:
            commands.append(parse_command(item))
        except GarbageResponse as exc:
            log.error("ignoring a malformed command from the server: %s", exc)
    return HeartbeatReply(interval, commands)


def parse_command(item: Any) -> Command:
    command_id = _field(item, "id", (int, str))
    params = item.get("params") if isinstance(item.get("params"), dict) else {}
    return Command(id=str(command_id), type=_field(item, "type", str), params=params)


def new_http_client(config: AgentConfig) -> httpx.Client:
    return httpx.Client(
        base_url=config.server_url.rstrip("/"),
        timeout=httpx.Timeout(config.request_timeout_seconds, connect=min(5.0, config.request_timeout_seconds)),
        headers={"User-Agent": USER_AGENT},
        verify=config.ca_bundle or True,
        follow_redirects=False,
    )


class AgentClient:
    """One terminal's conversation with the server over a shared httpx.Client."""

    def __init__(self, http: httpx.Client, token: str | None = None) -> None:
        self.http = http
        self.token = token

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = bearer(self.token) if self.token else {}
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"{type(exc).__name__}: {exc}") from None
        return check_response(response)

    def enroll(self, *, code: str, serial_number: str, firmware_version: str) -> Enrollment:
        """Trade a one-time enrolment code for this terminal's own token (sent without any token)."""
        self.token = None
        body = enroll_body(code=code, serial_number=serial_number, firmware_version=firmware_version)
        enrollment = parse_enrollment(self._call("POST", ENROLL_PATH, json=body))
        self.token = enrollment.token
        return enrollment

    def heartbeat(self, body: dict[str, Any]) -> HeartbeatReply:
        return parse_heartbeat_reply(self._call("POST", HEARTBEAT_PATH, json=body))

    def report_progress(self, command_id: str, *, state: str, progress: int, message: str) -> None:
        body = progress_body(state=state, progress=progress, message=message)
        self._call("POST", f"{API}/commands/{command_id}/progress", json=body)

    def upload_diagnostics(self, command_id: str, lines: list[str]) -> None:
        self._call(
            "POST",
            DIAGNOSTICS_PATH,
            json={"command_id": _id_value(command_id), "collected_at": now_iso(), "lines": lines},
        )

    def rotate_token(self) -> str:
        token = _field(self._call("POST", ROTATE_PATH), "token", str)
        self.token = token
        return token

    def download(self, path: str, dest: Path, max_bytes: int, on_progress: Callable[[int], None]) -> None:
        """Stream a file to dest; refuse more than max_bytes (the size the server announced)."""
        headers = bearer(self.token) if self.token else {}
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.http.stream("GET", path, headers=headers) as response, dest.open("wb") as out:
                if response.status_code != 200:
                    response.read()
                    check_response(response)
                    raise GarbageResponse(f"download answered HTTP {response.status_code}")
                received = 0
                for chunk in response.iter_bytes(64 * 1024):
                    received += len(chunk)
                    if received > max_bytes:
                        raise GarbageResponse(f"download is larger than the announced {max_bytes} bytes")
                    out.write(chunk)
                    on_progress(received)
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"{type(exc).__name__}: {exc}") from None


def _id_value(command_id: str) -> int | str:
    """Send the command id back as the type the server used (it arrives as an int in JSON)."""
    return int(command_id) if command_id.isdigit() else command_id
