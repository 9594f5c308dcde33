"""Logins from a throttled address (or one whose password checks are all taken) refused ahead of the app: a flood of
them costs a dictionary lookup and a small answer each, not the routing, a database session and its queries.

The lockout (identity/lockout.py) keeps in `lockout.THROTTLED_ADDRESSES` every address it finds or makes throttled;
until then this guard lets every login through. A login route registers where its body names the key and the device
token (`guard_login`): a known device of a throttled address is let through to its sign-in, its body handed on
unchanged. An answer here is the app's own 429 (lockout.throttled_error, the error handler's shape and Retry-After),
with the request id and security headers every answer carries, counted on /metrics under its route, after a hold
(`APP_LOGIN_REFUSAL_HOLD_SECONDS`) that costs no CPU: a flood's connections wait out their refusals.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.body_guard import RequestHead
from service.database import utcnow
from service.errors import TooManyAttempts, error_response
from service.identity.lockout import THROTTLED_ADDRESSES, known_device, throttled_error
from service.identity.security import address_busy, password_checks
from service.metrics import request_metrics
from service.response_headers import SECURITY_HEADERS

MAX_BODY = 16 * 1024  # a login body is a few hundred bytes; a longer one goes on to the app (and its body guard)


@dataclass(frozen=True, slots=True)
class LoginForm:
    """Where a login route's JSON body names its key and the device token, and the kinds they are counted under."""

    key_kind: str
    address_kind: str
    key_field: str
    device_field: str

    @classmethod
    def of(cls, body: type[BaseModel], *, key_kind: str, address_kind: str, key: str, device: str) -> "LoginForm":
        """The form of a login body model: its key and device token fields as the JSON names them."""
        return cls(key_kind, address_kind, _json_name(body, key), _json_name(body, device))


def _json_name(body: type[BaseModel], field: str) -> str:
    return body.model_fields[field].alias or field


GUARDED: dict[str, LoginForm] = {}  # a login route's path under the API prefix → its form


def guard_login(path: str, form: LoginForm) -> None:
    """Have the guard answer this login route (its path under the API prefix) for a throttled address."""
    GUARDED[path] = form


class LoginGuard:
    """ASGI wrapper: a login route's POST from an address this process knows to be throttled is answered 429 here,
    unless its body carries a known device's token for its key."""

    def __init__(self, app: ASGIApp, prefix: str, hold_seconds: float) -> None:
        self.app = app
        self.prefix = prefix
        self.hold_seconds = hold_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        form = self._form(scope)
        client = scope.get("client")
        refusal = _refusal(form, client[0]) if form and client else None
        if form is None or refusal is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        chunks, complete = await _read(receive)
        if not complete or _known_device(form, b"".join(chunks)):
            await self.app(scope, _replay(chunks, complete, receive), send)
            return
        await asyncio.sleep(self.hold_seconds)
        await _refuse(scope, receive, send, refusal)
        route = scope["path"].removeprefix(self.prefix)
        request_metrics.record("POST", route, scope["path"], 429, time.perf_counter() - started)

    def _form(self, scope: Scope) -> LoginForm | None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith(self.prefix):
            return None
        return GUARDED.get(scope["path"].removeprefix(self.prefix))


async def _read(receive: Receive) -> tuple[list[bytes], bool]:
    """The body's chunks up to MAX_BODY, and whether that was all of it (False: too long, or the client went away)."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY:
        message = await receive()
        if message["type"] != "http.request":
            return chunks, False
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if not message.get("more_body", False):
            return chunks, size <= MAX_BODY
    return chunks, False


def _replay(chunks: list[bytes], complete: bool, receive: Receive) -> Receive:
    """A receive that hands on the chunks read, then (when there is more) the rest of the request as it comes."""
    pending = list(chunks)

    async def replayed() -> Message:
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending) or not complete}
        return await receive()

    return replayed


def _known_device(form: LoginForm, body: bytes) -> bool:
    """Whether the body is a login carrying a known device's token for the key it names (anything else: no)."""
    try:
        login: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(login, dict):
        return False
    key, device = login.get(form.key_field), login.get(form.device_field)
    if not isinstance(key, str) or not isinstance(device, str):
        return False
    return known_device(device, kind=form.key_kind, key=key.strip().lower()) is not None


def _refusal(form: LoginForm, address: str) -> TooManyAttempts | None:
    """What the app would answer an unknown device of this address before any password check: its throttle, or its
    checks' queue being full (security.PasswordChecks); None when this process knows of neither."""
    now = utcnow()
    until = THROTTLED_ADDRESSES.known(form.address_kind, address, now)
    if until is not None:
        return throttled_error(until, now)
    return address_busy() if password_checks().full(address) else None


async def _refuse(scope: Scope, receive: Receive, send: Send, error: TooManyAttempts) -> None:
    response = error_response(error.status_code, error.code, error.message, error.details, headers=error.headers)
    response.headers["x-request-id"] = RequestHead.of(scope).request_id
    response.raw_headers.extend(SECURITY_HEADERS)
    await response(scope, receive, send)
