import threading
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.config import get_settings
from service.identity import security
from service.identity.models import User
from tests.conftest import TEST_BCRYPT_ROUNDS
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user


def login(client, login_id="user1", password=DEFAULT_PASSWORD):
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password})


def test_login_returns_token_that_authenticates_me(client, db):
    make_user(db, "user1", grants={"fleet": "operator"})
    db.commit()
    response = login(client)
    assert response.status_code == 200
    body = response.json()
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["login_id"] == "user1"
    assert me.json()["grants"][0]["role_label"] == "運用オペレーター"


@pytest.mark.dialect
def test_wrong_password_says_attempts_left_and_is_audited(client, db):
    make_user(db, "user1")
    db.commit()
    response = login(client, password="wrong-password")
    assert response.status_code == 401
    assert response.json()["error"]["details"]["attempts_left"] == 4
    assert "あと4回" in response.json()["error"]["message"]
    with_failed = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login_failed"))
    assert with_failed == 1


@pytest.mark.dialect
def test_five_failures_lock_even_the_right_password(client, db):
    make_user(db, "user1")
    db.commit()
    statuses = [login(client, password="wrong-password").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    locked = login(client)
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "account_locked"
    assert "10分後" in locked.json()["error"]["message"]


@pytest.mark.dialect
def test_lockout_holds_under_concurrent_attempts(app, client, db, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_spread_addresses", 100)  # the lock alone, from an address each
    make_user(db, "user1")
    db.commit()

    def attempt(number: int) -> int:  # each from its own address (one address checks one password at a time)
        return login(TestClient(app, client=(f"203.0.113.{number}", 40000)), password="wrong-password").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    assert statuses.count(401) <= 4
    assert set(statuses) <= {401, 423}
    assert login(client).status_code == 423


@pytest.mark.dialect
def test_unknown_login_id_gets_the_same_answer_as_a_wrong_password(client):
    response = login(client, login_id="nobody")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"


@pytest.mark.dialect
def test_unknown_login_ids_bcrypt_work_runs_in_the_check_threads_alone(client, monkeypatch):
    """The check threads run below the requests' priority: the first misses of a process, at once, hash nothing in
    the requests' threads."""
    security._dummy_hash.cache_clear()
    threads: list[str] = []
    for name in ("hashpw", "checkpw"):
        monkeypatch.setattr(bcrypt, name, _recording_thread(getattr(bcrypt, name), threads))
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda number: login(client, login_id=f"nobody{number}").status_code, range(4)))
    assert statuses == [401] * 4
    assert len(threads) == 4 and all(thread.startswith("password-check") for thread in threads)


def _recording_thread(work, threads: list[str]):
    def recorded(*args):
        threads.append(threading.current_thread().name)
        return work(*args)

    return recorded


@pytest.mark.dialect
def test_inactive_user_cannot_log_in_and_is_told_so_only_after_the_right_password(client, db):
    make_user(db, "user1", is_active=False)
    db.commit()
    for _ in range(6):  # more than the lock's failures: the right password is no failure
        refused = login(client)
        assert refused.status_code == 401
        assert refused.json()["error"] == {
            "code": "account_inactive",
            "message": "このアカウントは無効になっています。管理者にお問い合わせください",
            "details": None,
        }
    wrong = login(client, password="not-the-password")
    assert (wrong.json()["error"]["code"], "無効" in wrong.json()["error"]["message"]) == ("bad_credentials", False)
    failed = select(AuditEntry.changes).where(AuditEntry.action == "login_failed").order_by(AuditEntry.seq)
    reasons = db.scalars(failed).all()
    assert [r["reason"] for r in reasons] == ["inactive"] * 6 + ["bad_credentials"]


def test_logout_revokes_the_token(client, db):
    make_user(db, "user1")
    db.commit()
    token = login(client).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    response = client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


def test_garbage_and_expired_tokens_are_401(client, db):
    from datetime import timedelta

    from service.database import utcnow
    from service.identity.security import issue_token

    user = make_user(db, "user1")
    db.commit()
    garbage = client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert garbage.status_code == 401
    old = issue_token(subject=str(user.id), kind="user", now=utcnow() - timedelta(hours=9)).token
    expired = client.get("/api/auth/me", headers={"Authorization": f"Bearer {old}"})
    assert expired.json()["error"]["code"] == "token_expired"


@pytest.mark.dialect
def test_password_is_never_in_the_audit_log(client, db):
    admin = make_user(db, "admin", grants={"platform": "admin"})
    db.commit()
    created = client.post(
        "/api/admin/users",
        json={"login_id": "newbie", "name": "新人", "password": "secret-pass-123"},
        headers=auth_headers(admin),
    )
    assert created.status_code == 201
    login(client, "newbie", "bad-password-x")
    rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert rows
    dumped = " ".join(str(r.changes) for r in rows)
    assert "secret-pass-123" not in dumped and "bad-password-x" not in dumped
    assert "$2b$" not in dumped


def test_me_names_the_tenant_of_each_scoped_grant(client, db):
    from service.crm.models import Agency
    from service.fleet.models import Customer

    customer, agency = Customer(company_name="東都リテール"), Agency(code="AG01", name="みなと代理店")
    db.add_all([customer, agency])
    db.flush()
    grants = {
        "fleet": ("viewer", str(customer.id)),
        "crm": ("sales", str(agency.id)),
        "loaners": ("staff", "関東"),
        "reservations": "operator",
    }
    user = make_user(db, "scoped", grants=grants)
    db.commit()
    me = client.get("/api/auth/me", headers=auth_headers(user)).json()
    assert {g["domain"]: g["scope_name"] for g in me["grants"]} == {
        "fleet": "東都リテール",
        "crm": "みなと代理店",
        "loaners": None,  # the scope is the jurisdiction's name already
        "reservations": None,
    }


@pytest.mark.dialect
def test_a_password_at_another_cost_is_rehashed_at_the_services_when_signed_in_with_and_only_then(client, db):
    """So a change of APP_BCRYPT_ROUNDS reaches every password; the person's sessions go on."""
    user = make_user(db, "user1")
    other_cost = TEST_BCRYPT_ROUNDS + 1
    user.password_hash = security.hash_password(DEFAULT_PASSWORD, rounds=other_cost)
    db.commit()
    assert login(client, password="wrong-password").status_code == 401
    assert security.bcrypt_cost(stored_hash(db, user)) == other_cost
    first = login(client)
    assert first.status_code == 200
    rehashed = stored_hash(db, user)
    assert security.bcrypt_cost(rehashed) == TEST_BCRYPT_ROUNDS
    assert security.verify_password(DEFAULT_PASSWORD, rehashed)
    again = login(client)
    assert again.status_code == 200 and stored_hash(db, user) == rehashed
    for session in (first, again):
        headers = {"Authorization": f"Bearer {session.json()['access_token']}"}
        assert client.get("/api/auth/me", headers=headers).status_code == 200


def stored_hash(db, user) -> str:
    db.expire_all()
    stored = db.scalar(select(User.password_hash).where(User.id == user.id))
    db.commit()
    return stored
