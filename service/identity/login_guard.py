"""Logins from a throttled address refused ahead of the app: a flood costs a dictionary lookup and a small answer each,
not the routing, a database session and its queries. The others take turns: at most LOGINS_IN_FLIGHT of one address's
logins and LOGINS_IN_APP of all in this process's app at once, the rest waiting in the event loop (no thread, no CPU),
each address's in order. Addresses whose last FAILURES_BEFORE_ONE_AT_A_TIME logins here failed send one at a time among
them all, and only while no other address's login is in the app: a spray's wrong passwords hold one password check of
the process, and never while someone else's is being checked, as the lockout counts them. A busy machine
makes the turns longer and never refuses a sign-in: refusals count attempts (an account's failures, an address's
distinct keys: `lockout.py`), never time or concurrency.

A known device of a throttled address is let through, its body handed on unchanged. The answer is the app's own 429
(shape, Retry-After, request id, security headers, metrics), after a hold (`APP_LOGIN_REFUSAL_HOLD_SECONDS` on average)
that costs no CPU: a flood's connections wait out their refusals."""

import asyncio
import random
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.body_guard import RequestHead
from service.database import utcnow
from service.errors import TooManyAttempts, error_response
from service.identity.lockout import THROTTLED_ADDRESSES, known_device, throttled_error
from service.identity.turns import Gaps, Turns
from service.metrics import request_metrics
from service.response_headers import SECURITY_HEADERS

MAX_BODY = 16 * 1024  # a longer one goes on to the app (and its body guard)
LOGINS_IN_FLIGHT = 2  # one address's logins in this process's app at once (an office's sign-ins take turns of ~0.3 s)
LOGINS_IN_APP = 8  # every address's: more would only wait in the app's threads for a password check
EVERYONE = ""
FAILURES_BEFORE_ONE_AT_A_TIME = 1  # an address's logins answered 401 in a row, here, with no success between them
MAX_FAILING = 50_000  # addresses remembered as failing, the oldest forgotten first
HOLD_SPREAD = 0.5  # a hold lasts the setting ± this share of it, at random: a flood's refusals do not come back at once


@dataclass(frozen=True, slots=True)
class LoginForm:
    key_kind: str
    address_kind: str
    key_field: str
    device_field: str

    @classmethod
    def of(cls, body: type[BaseModel], *, key_kind: str, address_kind: str, key: str, device: str) -> "LoginForm":
        return cls(key_kind, address_kind, _json_name(body, key), _json_name(body, device))


def _json_name(body: type[BaseModel], field: str) -> str:
    return body.model_fields[field].alias or field


GUARDED: dict[str, LoginForm] = {}


def guard_login(path: str, form: LoginForm) -> None:
    GUARDED[path] = form


class FailingAddresses:
    """Each address's logins this process answered 401 since its last one answered with success."""

    def __init__(self) -> None:
        self.failures: OrderedDict[str, int] = OrderedDict()

    def failing(self, address: str) -> bool:
        return self.failures.get(address, 0) >= FAILURES_BEFORE_ONE_AT_A_TIME

    def watching(self, address: str, send: Send) -> Send:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._answered(address, message["status"])
            await send(message)

        return watched

    def _answered(self, address: str, status: int) -> None:
        if status < 400:
            self.failures.pop(address, None)
        elif status == 401:
            if address not in self.failures and len(self.failures) >= MAX_FAILING:
                self.failures.popitem(last=False)
            self.failures[address] = self.failures.get(address, 0) + 1


@asynccontextmanager
async def turn_of(turns: Turns, key: str) -> AsyncIterator[None]:
    await turns.take(key)
    try:
        yield
    finally:
        turns.give_back(key)


class LoginGuard:
    """Unless its body carries a known device's token for its key; such a login from a failing address takes no
    failing address's turn either."""

    def __init__(self, app: ASGIApp, prefix: str, hold_seconds: float) -> None:
        self.app = app
        self.prefix = prefix
        self.hold_seconds = hold_seconds
        self.address_turns = Turns(LOGINS_IN_FLIGHT)
        self.app_turns = Turns(LOGINS_IN_APP)
        self.failing = FailingAddresses()
        self.failing_turns = Turns(1)
        self.others_in_app = Gaps()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        form = self._form(scope)
        client = scope.get("client")
        if form is None or not client:
            await self.app(scope, receive, send)
            return
        address = client[0]
        refusal = self._refusal(form, address)
        if refusal is None and not self.failing.failing(address):
            await self._in_turn(address, scope, receive, send)
            return
        started = time.perf_counter()
        chunks, complete = await _read(receive)
        known = complete and _known_device(form, b"".join(chunks))
        if refusal is None or known or not complete:
            await self._in_turn(address, scope, _replay(chunks, complete, receive), send, known_device=known)
            return
        await self._refuse_after_hold(scope, receive, send, refusal, started)

    async def _refuse_after_hold(
        self, scope: Scope, receive: Receive, send: Send, refusal: TooManyAttempts, started: float
    ) -> None:
        await asyncio.sleep(self.hold_seconds * random.uniform(1 - HOLD_SPREAD, 1 + HOLD_SPREAD))
        await _refuse(scope, receive, send, refusal)
        route = scope["path"].removeprefix(self.prefix)
        request_metrics.record("POST", route, scope["path"], 429, time.perf_counter() - started)

    def _form(self, scope: Scope) -> LoginForm | None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith(self.prefix):
            return None
        return GUARDED.get(scope["path"].removeprefix(self.prefix))

    def _refusal(self, form: LoginForm, address: str) -> TooManyAttempts | None:
        """None when this process knows of nothing against the address."""
        now = utcnow()
        until = THROTTLED_ADDRESSES.known(form.address_kind, address, now)
        return None if until is None else throttled_error(until, now)

    async def _in_turn(
        self, address: str, scope: Scope, receive: Receive, send: Send, *, known_device: bool = False
    ) -> None:
        """The app's answer once the address's turn, a failing address's turn among them and a gap in the others'
        (unless the login carries a known device's token: a guesser holds none), and then one of the app's have come
        (an address throttled while its logins waited is refused by the app, before any password work)."""
        async with AsyncExitStack() as turns:
            await turns.enter_async_context(turn_of(self.address_turns, address))
            if self.failing.failing(address) and not known_device:
                await turns.enter_async_context(turn_of(self.failing_turns, EVERYONE))
                await self.others_in_app.gap()
            else:
                self.others_in_app.hold()
                turns.callback(self.others_in_app.let_go)
            await turns.enter_async_context(turn_of(self.app_turns, EVERYONE))
            await self.app(scope, receive, self.failing.watching(address, send))


async def _read(receive: Receive) -> tuple[list[bytes], bool]:
    """False: too long, or the client went away."""
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
    pending = list(chunks)

    async def replayed() -> Message:
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending) or not complete}
        return await receive()

    return replayed


def _known_device(form: LoginForm, body: bytes) -> bool:
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


async def _refuse(scope: Scope, receive: Receive, send: Send, error: TooManyAttempts) -> None:
    response = error_response(error.status_code, error.code, error.message, error.details, headers=error.headers)
    response.headers["x-request-id"] = RequestHead.of(scope).request_id
    response.raw_headers.extend(SECURITY_HEADERS)
    await response(scope, receive, send)
