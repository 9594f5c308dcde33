"""/auth/login is throttled per client address as well as per account; the account lockout is unchanged."""

from fastapi.testclient import TestClient

from service.config import get_settings
from tests.factories import DEFAULT_PASSWORD, make_user


def login(client: TestClient, login_id: str, password: str = "wrong-password") -> int:
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password}).status_code


def test_one_address_cannot_keep_trying_account_after_account(app, db):
    make_user(db, "victim")
    db.commit()
    attacker = TestClient(app, client=("203.0.113.50", 40000))
    limit = get_settings().login_address_max_failures
    statuses = [login(attacker, f"guess{i}") for i in range(limit)]
    assert statuses[:-1] == [401] * (limit - 1) and statuses[-1] == 423
    refused = attacker.post("/api/auth/login", json={"login_id": "victim", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 423 and "分後" in refused.json()["error"]["message"]
    elsewhere = TestClient(app, client=("203.0.113.51", 40000))
    assert login(elsewhere, "victim", DEFAULT_PASSWORD) == 200  # the account itself was never locked


def test_a_good_login_does_not_reset_the_address_count(app, db):
    make_user(db, "insider")
    db.commit()
    attacker = TestClient(app, client=("203.0.113.60", 40000))
    limit = get_settings().login_address_max_failures
    assert {login(attacker, f"guess{i}") for i in range(limit - 1)} == {401}
    assert login(attacker, "insider", DEFAULT_PASSWORD) == 200
    assert login(attacker, "guess-last") == 423


def test_the_account_lockout_is_unchanged(app, db):
    make_user(db, "user1")
    db.commit()
    client = TestClient(app, client=("203.0.113.70", 40000))
    assert [login(client, "user1") for _ in range(5)] == [401, 401, 401, 401, 423]
    other = TestClient(app, client=("203.0.113.71", 40000))
    response = other.post("/api/auth/login", json={"login_id": "user1", "password": DEFAULT_PASSWORD})
    assert response.status_code == 423 and response.json()["error"]["details"]["minutes_left"] == 10
