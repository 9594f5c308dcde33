"""/auth/login's client-address throttle: a count of the distinct login ids an address failed on, which decays; while
it is full the address is refused (429, naming the address, with Retry-After) before any password is checked, whatever
id it tries; the per-account lockout beside it; and the browser address the dashboards forward, believed only with
their key."""

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.access import DASHBOARDS_CLIENT_HEADER, DASHBOARDS_KEY_HEADER
from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.errors import DomainError
from service.identity import service as identity
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.identity.devices import password_checks

pytestmark = pytest.mark.dialect

SETTINGS = get_settings()
LIMIT = SETTINGS.login_address_max_failures
WINDOW = timedelta(minutes=SETTINGS.login_address_window_minutes)
LEAK = WINDOW / LIMIT  # one failure stops counting this often
THROTTLED = "この接続元からの試行が多すぎます"
DASHBOARDS_SERVER = "10.20.0.5"


def from_address(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def login(client: TestClient, login_id: str, password: str = "wrong-password", headers: dict | None = None):
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password}, headers=headers)


def made_up_failures(client: TestClient, count: int, headers: dict | None = None) -> list[int]:
    return [login(client, f"guess{i}", headers=headers).status_code for i in range(count)]


def for_browser(address: str, key: str | None = SETTINGS.dashboards_key) -> dict[str, str]:
    """The headers the dashboards send with a call they make for the browser at `address`."""
    return {DASHBOARDS_KEY_HEADER: key or "", DASHBOARDS_CLIENT_HEADER: address}


def outcome_at(db, login_id: str, password: str, *, address: str, now: datetime) -> str:
    """A login as the service judges it at `now`: "ok", or the refusal's code."""
    actor = Actor(type="anonymous", client_address=address)
    try:
        identity.authenticate(db, login_id=login_id, password=password, actor=actor, now=now)
    except DomainError as refusal:
        return refusal.code
    return "ok"


def audited_addresses(db, action: str) -> list[str]:
    addresses = db.scalars(select(AuditEntry.client_address).where(AuditEntry.action == action)).all()
    db.commit()
    return list(addresses)


def test_a_throttled_address_spraying_is_refused_before_any_password_check(app, db):
    make_user(db, "victim")
    db.commit()
    sprayer = from_address(app, "203.0.113.50")
    assert set(made_up_failures(sprayer, LIMIT - 1)) == {401}
    filled = login(sprayer, "guess-last")
    assert filled.status_code == 429 and filled.json()["error"]["code"] == "address_throttled"
    checks = password_checks()
    sprayed = [login(sprayer, f"spray{i}") for i in range(50)]
    right = login(sprayer, "victim", DEFAULT_PASSWORD)  # another account's right password: refused all the same
    assert password_checks() == checks
    for refused in [*sprayed, right]:
        error = refused.json()["error"]
        assert refused.status_code == 429 and error["code"] == "address_throttled"
        assert error["message"] == f"{THROTTLED}。あと1分後に再度お試しください" and "ロック" not in error["message"]
        assert 0 < int(refused.headers["Retry-After"]) <= LEAK.total_seconds()
    elsewhere = from_address(app, "203.0.113.52")
    assert login(elsewhere, "victim", DEFAULT_PASSWORD).status_code == 200  # the account itself was never locked
    assert login(elsewhere, "victim", DEFAULT_PASSWORD).status_code == 200  # and again


def test_an_address_counts_each_login_id_it_failed_on_once(app, db):
    make_user(db, "user1")
    db.commit()
    office = from_address(app, "203.0.113.51")
    assert [login(office, "user1").status_code for _ in range(4)] == [401] * 4  # one person's typos: one id
    assert set(made_up_failures(office, LIMIT - 2)) == {401}
    assert login(office, "user1", DEFAULT_PASSWORD).status_code == 200
    assert login(office, "one-more").status_code == 429
    reasons = db.scalars(
        select(AuditEntry.changes).where(AuditEntry.action == "login_failed").order_by(AuditEntry.id)
    ).all()
    db.commit()
    assert len(reasons) == 4 + LIMIT - 2 + 1  # refusals before a password check are not recorded one by one
    assert reasons[-1] == {"login_id": "one-more", "reason": "bad_credentials", "lock": "address_throttled"}


def test_the_failures_of_an_address_decay(app, db):
    make_user(db, "user1")
    db.commit()
    address = "203.0.113.53"
    office = from_address(app, address)
    assert login(office, "user1").status_code == 401
    made_up_failures(office, 25)
    now = utcnow()
    assert outcome_at(db, "user1", DEFAULT_PASSWORD, address=address, now=now) == "address_throttled"
    # one failure has leaked out: the address may try an id with failures again
    assert outcome_at(db, "user1", DEFAULT_PASSWORD, address=address, now=now + LEAK) == "ok"
    # a window later none counts: the address fails LIMIT - 1 times before it is throttled again
    later = [outcome_at(db, f"later{i}", "wrong-password", address=address, now=now + WINDOW) for i in range(LIMIT)]
    assert later == ["bad_credentials"] * (LIMIT - 1) + ["address_throttled"]


def test_a_good_login_does_not_empty_the_count_of_its_address(app, db):
    make_user(db, "insider")
    make_user(db, "user1")
    db.commit()
    office = from_address(app, "203.0.113.60")
    assert login(office, "user1").status_code == 401
    assert set(made_up_failures(office, LIMIT - 2)) == {401}
    assert login(office, "insider", DEFAULT_PASSWORD).status_code == 200
    last = login(office, "guess-last")
    assert last.status_code == 429 and last.json()["error"]["code"] == "address_throttled"
    assert login(office, "user1", DEFAULT_PASSWORD).status_code == 429


def test_the_account_lockout_is_unchanged(app, db):
    make_user(db, "user1")
    db.commit()
    client = from_address(app, "203.0.113.70")
    assert [login(client, "user1").status_code for _ in range(5)] == [401, 401, 401, 401, 423]
    other = from_address(app, "203.0.113.71")
    response = login(other, "user1", DEFAULT_PASSWORD)
    error = response.json()["error"]
    assert response.status_code == 423 and error["code"] == "account_locked" and error["details"]["minutes_left"] == 10
    assert "ロックされています" in error["message"]


def test_logins_through_the_dashboards_are_throttled_by_the_browsers_address(app, db):
    make_user(db, "user1")
    make_user(db, "user2")
    db.commit()
    dashboards = from_address(app, DASHBOARDS_SERVER)
    guesser, colleague = "198.51.100.10", "198.51.100.11"
    assert login(dashboards, "user1", headers=for_browser(guesser)).status_code == 401
    assert login(dashboards, "user2", headers=for_browser(colleague)).status_code == 401
    assert set(made_up_failures(dashboards, LIMIT, headers=for_browser(guesser))) == {401, 429}
    refused = login(dashboards, "user1", DEFAULT_PASSWORD, headers=for_browser(guesser))
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "address_throttled"
    # the colleague has a failure of their own too, yet signs in: their browser's address is not the guesser's
    assert login(dashboards, "user2", DEFAULT_PASSWORD, headers=for_browser(colleague)).status_code == 200
    assert set(audited_addresses(db, "login_failed")) == {guesser, colleague}
    assert audited_addresses(db, "login") == [colleague]


@pytest.mark.parametrize(
    "forged",
    [
        for_browser("198.51.100.30", key="a-guessed-dashboards-key-of-some-length"),
        for_browser("198.51.100.31", key=None),
        {DASHBOARDS_CLIENT_HEADER: "198.51.100.32"},
        {"X-Forwarded-For": "198.51.100.33"},
    ],
    ids=["wrong key", "empty key", "no key", "x-forwarded-for"],
)
def test_a_forged_forwarding_header_is_ignored(app, db, forged):
    make_user(db, "user1")
    db.commit()
    direct = from_address(app, "203.0.113.80")
    assert login(direct, "user1", headers=forged).status_code == 401
    made_up_failures(direct, LIMIT, headers=forged)
    assert set(audited_addresses(db, "login_failed")) == {"203.0.113.80"}
    refused = login(direct, "user1", DEFAULT_PASSWORD, headers=forged)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "address_throttled"


def test_the_dashboards_key_with_a_value_that_is_no_address_is_ignored(app, db):
    dashboards = from_address(app, DASHBOARDS_SERVER)
    assert login(dashboards, "nobody", headers=for_browser("not-an-address")).status_code == 401
    assert audited_addresses(db, "login_failed") == [DASHBOARDS_SERVER]
