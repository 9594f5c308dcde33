"""A login from a throttled address is held before its 429 (APP_LOGIN_REFUSAL_HOLD_SECONDS), and the hold takes
nothing from anyone else: the app answers other requests while refusals wait. The shared app of the other tests holds
them for no time (tests/conftest.py)."""

import asyncio
import time
from datetime import timedelta

import httpx
from starlette.responses import PlainTextResponse

from service.database import utcnow
from service.identity import lockout
from service.identity.lockout import THROTTLED_ADDRESSES
from service.identity.login_guard import LoginGuard
from service.main import API_PREFIX

FLOODER = "203.0.113.77"


async def answered_by_the_app(scope, receive, send) -> None:
    await PlainTextResponse("app")(scope, receive, send)


def guarded_client(hold_seconds: float) -> httpx.AsyncClient:
    guard = LoginGuard(answered_by_the_app, API_PREFIX, hold_seconds)
    transport = httpx.ASGITransport(app=guard, client=(FLOODER, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://api")


def a_login(client: httpx.AsyncClient):
    return client.post(f"{API_PREFIX}/auth/login", json={"loginId": "spray1", "password": "wrong"})


def test_a_throttled_addresss_login_is_refused_after_the_hold():
    THROTTLED_ADDRESSES.remember(lockout.ADDRESS_KIND, FLOODER, utcnow() + timedelta(minutes=5))

    async def refused() -> tuple[httpx.Response, float]:
        async with guarded_client(0.3) as client:
            began = time.monotonic()
            answer = await a_login(client)
            return answer, time.monotonic() - began

    answer, waited = asyncio.run(refused())
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "address_throttled"
    assert waited >= 0.3


def test_other_requests_are_answered_while_a_refusal_is_held():
    THROTTLED_ADDRESSES.remember(lockout.ADDRESS_KIND, FLOODER, utcnow() + timedelta(minutes=5))

    async def meanwhile() -> tuple[str, bool]:
        async with guarded_client(60) as client:
            held = asyncio.create_task(a_login(client))
            other = await client.get(f"{API_PREFIX}/health")
            still_held = not held.done()
            held.cancel()
            return other.text, still_held

    assert asyncio.run(meanwhile()) == ("app", True)
