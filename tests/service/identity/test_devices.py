"""Device tokens (OWASP's device cookies): a browser that signed in before keeps signing in while its account is locked
by failures from elsewhere, or its address throttled; its own failures lock it alone; an unknown device keeps the
specification's lockout (5 failures, 10 minutes). And the bound on bcrypt checks running at once."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.config import get_settings
from service.identity.security import CHECK_NICENESS, PasswordChecks
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.waiting import wait_until

HOME = "198.51.100.7"


def from_address(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def login(client: TestClient, login_id: str, password: str = "wrong-password", device: str | None = None):
    body = {"login_id": login_id, "password": password} | ({"device_token": device} if device else {})
    return client.post("/api/auth/login", json=body)


def signed_in_device(app, login_id: str) -> str:
    """The device token the owner's browser keeps from a sign-in at home."""
    answer = login(from_address(app, HOME), login_id, DEFAULT_PASSWORD)
    assert answer.status_code == 200
    return answer.json()["device_token"]


def locked_from_elsewhere(app, login_id: str) -> None:
    """Five wrong passwords from another address: the account locks for unknown devices."""
    elsewhere = from_address(app, "203.0.113.1")
    statuses = [login(elsewhere, login_id).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]


def device_audit(db, action: str) -> list[tuple[str | None, str | None]]:
    rows = db.scalars(select(AuditEntry.changes).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()
    db.commit()
    return [(changes.get("device"), changes.get("lock")) for changes in rows]


def test_a_known_browsers_password_is_checked_at_the_requests_priority_an_unknown_ones_below(app, db, monkeypatch):
    """A busy machine slows a person's morning sign-in no more than their pages; a guesser, with no device token of
    that account, checks below them. Each sign-in twice: the check threads are reused."""
    make_user(db, "owner")
    db.commit()
    niceness: list[int] = []
    checked = bcrypt.checkpw

    def recorded(*args):
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return checked(*args)

    device = signed_in_device(app, "owner")
    monkeypatch.setattr(bcrypt, "checkpw", recorded)
    home = from_address(app, HOME)
    for _ in range(2):
        assert login(home, "owner", DEFAULT_PASSWORD, device).status_code == 200
        assert login(from_address(app, "203.0.113.9"), "owner", DEFAULT_PASSWORD).status_code == 200
        assert login(from_address(app, "203.0.113.9"), "owner", DEFAULT_PASSWORD, "forged").status_code == 200
    requests = os.getpriority(os.PRIO_PROCESS, 0)
    below = max(CHECK_NICENESS, requests)
    assert requests < below and niceness == [requests, below, below] * 2


@pytest.mark.dialect
def test_a_known_browser_signs_in_while_its_account_is_locked_from_elsewhere(app, db):
    make_user(db, "owner")
    db.commit()
    device = signed_in_device(app, "owner")
    locked_from_elsewhere(app, "owner")
    unknown = login(from_address(app, "198.51.100.8"), "owner", DEFAULT_PASSWORD)
    error = unknown.json()["error"]
    assert unknown.status_code == 423 and error["code"] == "account_locked" and error["details"]["minutes_left"] == 10
    assert error["message"] == "ログイン試行回数の上限に達したため、ロックされています。あと10分後に再度お試しください"
    home = from_address(app, HOME)
    first = login(home, "owner", DEFAULT_PASSWORD, device)
    assert first.status_code == 200
    again = login(home, "owner", DEFAULT_PASSWORD, first.json()["device_token"])  # the renewed token, next morning
    assert again.status_code == 200
    assert device_audit(db, "login") == [("trusted", None), ("known", None), ("known", None)]
    assert device_audit(db, "login_failed")[-1] == (None, "account_locked")
    recorded = str(db.scalars(select(AuditEntry.changes)).all())
    db.commit()
    assert device not in recorded and first.json()["device_token"] not in recorded  # never a secret
    assert login(from_address(app, "198.51.100.8"), "owner", DEFAULT_PASSWORD).status_code == 423  # still locked


@pytest.mark.dialect
def test_a_known_device_is_locked_by_its_own_failures_alone(app, db):
    make_user(db, "owner")
    db.commit()
    device = signed_in_device(app, "owner")
    stolen = from_address(app, "203.0.113.9")
    statuses = [login(stolen, "owner", device=device).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    refused = login(stolen, "owner", DEFAULT_PASSWORD, device)
    assert refused.status_code == 423 and refused.json()["error"]["code"] == "device_locked"
    assert "ロックされています" in refused.json()["error"]["message"]
    assert device_audit(db, "login_failed")[-1] == (None, "device_locked")
    # the account is not locked for the owner's other browsers: the device's failures were its own
    assert login(from_address(app, "198.51.100.9"), "owner", DEFAULT_PASSWORD).status_code == 200


@pytest.mark.dialect
def test_a_device_token_of_another_account_or_forged_makes_no_device_known(app, db):
    make_user(db, "owner")
    make_user(db, "colleague")
    db.commit()
    colleagues = signed_in_device(app, "colleague")
    locked_from_elsewhere(app, "owner")
    home = from_address(app, HOME)
    for device in (colleagues, colleagues[:-2] + "xx", "not-a-token"):
        refused = login(home, "owner", DEFAULT_PASSWORD, device)
        assert refused.status_code == 423 and refused.json()["error"]["code"] == "account_locked"


@pytest.mark.dialect
def test_a_known_browser_signs_in_from_a_throttled_address(app, db):
    make_user(db, "owner")
    db.commit()
    device = signed_in_device(app, "owner")
    home = from_address(app, HOME)
    statuses = [login(home, f"guess{i}").status_code for i in range(get_settings().login_address_max_failures)]
    assert statuses[-1] == 429
    assert login(home, "owner", DEFAULT_PASSWORD).status_code == 429  # an unknown browser at the same address
    assert login(home, "owner", DEFAULT_PASSWORD, device).status_code == 200


def test_password_checks_run_one_per_address_and_a_few_in_all_the_others_waiting_their_turn():
    checks = PasswordChecks(1)
    entered: list[str] = []

    def check(address: str) -> None:
        with checks.slot(address):
            entered.append(address)

    with ThreadPoolExecutor(max_workers=2) as pool:
        with checks.slot("203.0.113.1"):
            same, other = pool.submit(check, "203.0.113.1"), pool.submit(check, "203.0.113.2")
            wait_until(lambda: checks.addresses["203.0.113.1"].waiting == 2)  # in line behind the holder
            assert entered == []  # the other address waits for the one check in all
        same.result(), other.result()  # neither refused: each had its turn
    assert sorted(entered) == ["203.0.113.1", "203.0.113.2"] and checks.addresses == {}
