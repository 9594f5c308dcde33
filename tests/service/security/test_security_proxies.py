"""Forwarded headers are believed only from APP_TRUSTED_PROXIES; anyone else is known by the socket peer."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.config import Settings

SPOOFED = "198.51.100.23"


def failed_login_address(client: TestClient, db, headers: dict[str, str]) -> str:
    client.post("/api/auth/login", json={"login_id": "nobody", "password": "wrong-password"}, headers=headers)
    address = db.scalar(select(AuditEntry.client_address).where(AuditEntry.action == "login_failed"))
    db.commit()
    return address


def test_no_proxy_is_trusted_by_default():
    assert Settings(_env_file=None, trusted_proxies="").trusted_proxy_hosts == []


@pytest.mark.dialect
def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address(app, db):
    direct = TestClient(app, client=("203.0.113.7", 40000))
    assert failed_login_address(direct, db, {"X-Forwarded-For": SPOOFED}) == "203.0.113.7"


@pytest.mark.dialect
def test_a_trusted_proxy_forwards_the_client_address(client, db):
    # tests/conftest.py trusts the test client's peer name "testclient", as production trusts its reverse proxy
    assert failed_login_address(client, db, {"X-Forwarded-For": SPOOFED}) == SPOOFED


@pytest.mark.dialect
def test_a_spoofed_address_cannot_lock_a_station_login_out(app, client, db):
    direct = TestClient(app, client=("203.0.113.8", 40000))
    body = {"nurseryCode": "nowhere", "password": "wrong-pass"}
    statuses = [
        direct.post("/api/auth/entry-exit-login", json=body, headers={"X-Forwarded-For": SPOOFED}).status_code
        for _ in range(6)
    ]
    assert statuses[-1] == 423
    victim = client.post(
        "/api/auth/entry-exit-login", json={**body, "nurseryCode": "other"}, headers={"X-Forwarded-For": SPOOFED}
    )
    assert victim.status_code == 401  # the victim's address was never locked: only the attacker's peer was
