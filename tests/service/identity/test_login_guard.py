"""A login from a throttled address is held before its 429 (APP_LOGIN_REFUSAL_HOLD_SECONDS), and the hold takes
nothing from anyone else: the app answers other requests while refusals wait. The shared app of the other tests holds
them for no time (tests/conftest.py). One address has at most LOGINS_IN_FLIGHT logins in the app at once, all addresses
LOGINS_IN_APP; a failing address's logins go one at a time, and only while no other address's is in the app; the
others wait their turn, never refused for it."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from starlette.responses import PlainTextResponse

from service.database import utcnow
from service.identity import lockout
from service.identity.lockout import THROTTLED_ADDRESSES
from service.identity.login_guard import (
    EVERYONE,
    FAILURES_BEFORE_ONE_AT_A_TIME,
    HOLD_SPREAD,
    LOGINS_IN_APP,
    LOGINS_IN_FLIGHT,
    LoginGuard,
)
from service.identity.service import USER_KIND
from service.main import API_PREFIX

FLOODER = "203.0.113.77"


async def answered_by_the_app(scope, receive, send) -> None:
    await PlainTextResponse("app")(scope, receive, send)


def guarded_client(hold_seconds: float) -> httpx.AsyncClient:
    return client_of(LoginGuard(answered_by_the_app, API_PREFIX, hold_seconds), FLOODER)


def client_of(guard: LoginGuard, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=guard, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://api")


def a_login(client: httpx.AsyncClient, login_id: str = "spray1", device: str | None = None):
    body = {"login_id": login_id, "password": "wrong"} | ({"device_token": device} if device else {})
    return client.post(f"{API_PREFIX}/auth/login", json=body)


def test_a_throttled_addresss_login_is_refused_after_the_hold():
    THROTTLED_ADDRESSES.remember(lockout.ADDRESS_KIND, FLOODER, utcnow() + timedelta(minutes=5))

    async def refused() -> tuple[httpx.Response, float]:
        async with guarded_client(0.3) as client:
            began = time.monotonic()
            answer = await a_login(client)
            return answer, time.monotonic() - began

    answer, waited = asyncio.run(refused())
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "address_throttled"
    assert waited >= 0.3 * (1 - HOLD_SPREAD)


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


class HeldApp:
    """The app, answering each request once released; `entered` counts the requests it has been given."""

    def __init__(self) -> None:
        self.status = 200
        self.refused: set[str] = set()  # addresses answered 401 whatever the status
        self.entered = 0
        self.changed = asyncio.Condition()
        self.released = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        async with self.changed:
            self.entered += 1
            self.changed.notify_all()
        await self.released.wait()
        status = 401 if scope["client"][0] in self.refused else self.status
        await PlainTextResponse("app", status_code=status)(scope, receive, send)

    async def given(self, count: int) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: self.entered >= count), timeout=10)


async def until(condition) -> None:
    """The event loop turned until `condition()` holds: the requests run in this loop, so a few turns suffice."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never came to pass")


def test_one_addresss_logins_beyond_those_in_flight_wait_their_turn_while_another_address_goes_in():
    async def burst() -> tuple[int, list[int]]:
        app = HeldApp()
        guard = LoginGuard(app, API_PREFIX, 0)
        async with client_of(guard, FLOODER) as flooder, client_of(guard, "198.51.100.9") as elsewhere:
            in_the_app = [asyncio.create_task(a_login(flooder, f"spray{n}")) for n in range(LOGINS_IN_FLIGHT)]
            await app.given(LOGINS_IN_FLIGHT)
            beyond = asyncio.create_task(a_login(flooder, "spray-beyond"))
            await until(lambda: FLOODER in guard.address_turns.waiting)
            other = asyncio.create_task(a_login(elsewhere))
            await app.given(LOGINS_IN_FLIGHT + 1)
            entered_before_release = app.entered
            app.released.set()
            answered = [(await login).status_code for login in [*in_the_app, beyond, other]]
            return entered_before_release, answered

    entered_before_release, answered = asyncio.run(burst())
    assert entered_before_release == LOGINS_IN_FLIGHT + 1  # the flooder's fifth waited; the other address went in
    assert answered == [200] * (LOGINS_IN_FLIGHT + 2)  # nobody refused for waiting


def test_logins_beyond_those_the_app_takes_at_once_wait_for_a_turn_and_are_answered():
    addresses = [f"198.51.100.{n}" for n in range(LOGINS_IN_APP + 1)]

    async def burst() -> tuple[int, list[int]]:
        app = HeldApp()
        guard = LoginGuard(app, API_PREFIX, 0)
        clients = [client_of(guard, address) for address in addresses]
        try:
            logins = [asyncio.create_task(a_login(client)) for client in clients[:LOGINS_IN_APP]]
            await app.given(LOGINS_IN_APP)
            logins.append(asyncio.create_task(a_login(clients[-1])))
            await until(lambda: EVERYONE in guard.app_turns.waiting)
            entered_before_release = app.entered
            app.released.set()
            return entered_before_release, [(await login).status_code for login in logins]
        finally:
            for client in clients:
                await client.aclose()

    entered_before_release, answered = asyncio.run(burst())
    assert entered_before_release == LOGINS_IN_APP
    assert answered == [200] * (LOGINS_IN_APP + 1)


def test_an_address_whose_logins_failed_sends_one_at_a_time_until_one_succeeds_each_time_round():
    async def sprayed() -> list[tuple[int, list[int]]]:
        app = HeldApp()
        guard = LoginGuard(app, API_PREFIX, 0)
        rounds = []
        async with client_of(guard, FLOODER) as flooder, client_of(guard, "198.51.100.9") as elsewhere:
            for _ in range(2):  # the second round follows a success, which ended the first's failing
                app.status, app.released = 401, asyncio.Event()
                app.released.set()
                for n in range(FAILURES_BEFORE_ONE_AT_A_TIME):
                    await a_login(flooder, f"spray{n}")
                app.released.clear()
                entered = app.entered
                sprays = [asyncio.create_task(a_login(flooder, f"more{n}")) for n in range(2)]
                await app.given(entered + 1)
                await until(lambda: EVERYONE in guard.failing_turns.waiting)
                other = asyncio.create_task(a_login(elsewhere))
                await app.given(entered + 2)
                in_the_app = app.entered - entered
                app.status = 200
                app.released.set()
                rounds.append((in_the_app, [(await login).status_code for login in [*sprays, other]]))
        return rounds

    # the flooder's second waited behind its first, the other address went in; nobody refused for waiting
    assert asyncio.run(sprayed()) == [(2, [200, 200, 200])] * 2


@asynccontextmanager
async def a_failing_address() -> AsyncIterator[tuple[HeldApp, LoginGuard, httpx.AsyncClient, httpx.AsyncClient]]:
    """The app, its guard, a client at FLOODER, whose logins the app refuses and whose last one failed, and a client
    at another address."""
    app = HeldApp()
    guard = LoginGuard(app, API_PREFIX, 0)
    async with client_of(guard, FLOODER) as flooder, client_of(guard, "198.51.100.9") as elsewhere:
        app.refused.add(FLOODER)
        app.released.set()
        await a_login(flooder)
        yield app, guard, flooder, elsewhere


async def another_addresss_login_in_the_app(app: HeldApp, elsewhere: httpx.AsyncClient) -> tuple[int, asyncio.Task]:
    """A round's start, the app held: the requests it had been given before, and another address's login it holds."""
    app.released = asyncio.Event()
    entered = app.entered
    other = asyncio.create_task(a_login(elsewhere))
    await app.given(entered + 1)
    return entered, other


def test_a_failing_addresss_login_waits_for_a_moment_no_other_addresss_login_is_in_the_app_each_time():
    async def sprayed() -> list[tuple[int, int, list[int]]]:
        rounds = []
        async with a_failing_address() as (app, guard, flooder, elsewhere):
            for _ in range(2):
                entered, other = await another_addresss_login_in_the_app(app, elsewhere)
                spray = asyncio.create_task(a_login(flooder, "spray-next"))
                await until(lambda: bool(guard.others_in_app.waiting))
                while_other_in = app.entered - entered
                app.released.set()
                answers = [(await login).status_code for login in (other, spray)]
                rounds.append((while_other_in, app.entered - entered, answers))
        return rounds

    assert asyncio.run(sprayed()) == [(1, 2, [200, 401])] * 2  # the spray went in only once the other was answered


def test_a_failing_addresss_login_with_a_known_device_goes_in_beside_another_addresss_each_time():
    """Someone in an office where a password was just mistyped signs in from their own browser: not held as a spray."""
    office_login = lockout.Login(USER_KIND, "staff1", lockout.ADDRESS_KIND, FLOODER)
    device = lockout.device_token(office_login, None, utcnow())

    async def signed_in() -> list[tuple[int, list[int]]]:
        rounds = []
        async with a_failing_address() as (app, _, office, elsewhere):
            for _ in range(2):
                entered, other = await another_addresss_login_in_the_app(app, elsewhere)
                known = asyncio.create_task(a_login(office, "staff1", device))
                await app.given(entered + 2)
                in_the_app = app.entered - entered
                app.released.set()
                rounds.append((in_the_app, [(await login).status_code for login in (other, known)]))
        return rounds

    assert asyncio.run(signed_in()) == [(2, [200, 401])] * 2  # both in the app at once
