"""代理店管理, ユーザー管理 (the CRM profile beside the platform user and its crm grant) and 監査ログ."""

import pytest
from sqlalchemy import select

from service.identity.models import Grant
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user
from tests.service.crm.conftest import made, submit


@pytest.mark.dialect
def test_agencies_are_registered_edited_and_deactivated_with_versions(client, world):
    created = made(
        client.post(
            "/api/crm/agencies",
            json={"name": "個人 田中代理店", "code": "TANAKA", "phone": "090-1234-5678"},
            headers=world.admin,
        )
    )
    assert (created["is_active"], created["version"], created["sales_count"]) == (True, 1, 0)
    duplicate = client.post("/api/crm/agencies", json={"name": "別", "code": "tanaka"}, headers=world.admin)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["details"] == {"field": "code", "rule": "unique"}
    bad_phone = client.post(
        "/api/crm/agencies", json={"name": "x", "code": "X1", "phone": "12345"}, headers=world.admin
    )
    assert bad_phone.status_code == 422 and bad_phone.json()["error"]["details"][0]["rule"] == "phone_number"
    off = made(
        client.patch(f"/api/crm/agencies/{created['id']}", json={"is_active": False, "version": 1}, headers=world.admin)
    )
    assert (off["is_active"], off["version"]) == (False, 2)
    stale = client.patch(f"/api/crm/agencies/{created['id']}", json={"name": "古い", "version": 1}, headers=world.admin)
    assert stale.status_code == 409 and stale.json()["error"]["details"]["current_version"] == 2
    listed = client.get("/api/crm/agencies", params={"active": True}, headers=world.operator).json()
    assert [(a["code"], a["sales_count"]) for a in listed["items"]] == [("AAA", 2), ("BBB", 1)]


@pytest.mark.dialect
def test_a_crm_user_is_a_platform_user_with_a_scoped_grant_and_a_profile(client, db, world):
    body = {
        "login_id": "new-sales",
        "name": "新人営業",
        "password": "long-enough-1",
        "role": "sales",
        "agency_id": world.agency_b,
        "sales_staff_code": "LCK0C0CY",
        "l_code": "L0100",
    }
    created = made(client.post("/api/crm/users", json=body, headers=world.admin))
    assert (created["role"], created["role_label"], created["agency_name"], created["l_code"]) == (
        "sales",
        "営業担当者",
        "株式会社BBB代理店",
        "L0100",
    )
    grant = db.scalar(select(Grant).where(Grant.user_id == created["user_id"], Grant.domain == "crm"))
    assert (grant.role, grant.scope) == ("sales", str(world.agency_b))
    db.commit()
    login = client.post("/api/auth/login", json={"login_id": "new-sales", "password": "long-enough-1"}).json()
    me = client.get("/api/crm/me", headers={"Authorization": f"Bearer {login['access_token']}"}).json()
    assert (me["role"], me["agency_id"], me["sales_staff_code"]) == ("sales", world.agency_b, "LCK0C0CY")
    moved = made(
        client.patch(
            f"/api/crm/users/{created['user_id']}",
            json={"role": "operator", "clear_agency": True, "version": 1},
            headers=world.admin,
        )
    )
    assert (moved["role"], moved["agency_id"]) == ("operator", None)
    db.expire_all()
    grant = db.scalar(select(Grant).where(Grant.user_id == created["user_id"], Grant.domain == "crm"))
    assert (grant.role, grant.scope) == ("operator", None)
    db.commit()
    assert client.delete(f"/api/crm/users/{created['user_id']}", headers=world.admin).status_code == 204
    assert client.get(f"/api/crm/users/{created['user_id']}", headers=world.admin).status_code == 404


@pytest.mark.dialect
def test_user_rules(client, db, world):
    no_agency = client.post(
        "/api/crm/users",
        json={"login_id": "sales-2", "name": "x", "password": "long-enough-1", "role": "sales"},
        headers=world.admin,
    )
    assert no_agency.status_code == 422 and no_agency.json()["error"]["details"]["rule"] == "required_for_sales"
    fleet_admin = make_user(db, "fleet-boss", grants={"fleet": "admin", "crm": "operator"})
    db.commit()
    takeover = client.patch(f"/api/crm/users/{fleet_admin.id}", json={"password": "hijacked-123"}, headers=world.admin)
    assert takeover.status_code == 403 and takeover.json()["error"]["code"] == "foreign_account"
    lockout = client.patch(f"/api/crm/users/{fleet_admin.id}", json={"is_active": False}, headers=world.admin)
    assert lockout.status_code == 403
    outsider = make_user(db, "fleet-only", grants={"fleet": "viewer"})
    db.commit()
    assert client.get(f"/api/crm/users/{outsider.id}", headers=world.admin).status_code == 404
    staff = client.get("/api/crm/sales-staff", params={"agency_id": world.agency_a}, headers=world.operator).json()
    assert sorted(u["login_id"] for u in staff["items"]) == ["sales-a", "sales-a2"]


@pytest.mark.dialect
def test_the_audit_log_shows_the_crm_domain_only(client, db, world):
    made(submit(client, world.sales_a))
    platform_admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    db.commit()
    entries = client.get("/api/crm/audit", headers=platform_admin).json()
    assert entries["total"] >= 3 and {e["domain"] for e in entries["items"]} == {"crm"}
    creates = client.get(
        "/api/crm/audit", params={"action": "create", "target_type": "request"}, headers=world.admin
    ).json()
    assert [e["actor_label"] for e in creates["items"]] == ["sales-a"]
    assert creates["items"][0]["changes"]["status"] == {"before": None, "after": "in_progress"}


def test_the_crm_audit_log_lists_crm_users_logins_and_logouts(client, db):
    make_user(db, "crm-seller", grants={"crm": "operator"})
    make_user(db, "fleet-only", grants={"fleet": "operator"})
    admin = auth_headers(make_user(db, "crm-boss", grants={"crm": "admin"}))
    db.commit()
    for login_id in ("crm-seller", "fleet-only"):
        token = client.post("/api/auth/login", json={"login_id": login_id, "password": DEFAULT_PASSWORD}).json()
        assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token['access_token']}"}).is_success
    entries = client.get("/api/crm/audit", headers=admin).json()["items"]
    assert [(e["action"], e["actor_label"]) for e in entries if e["action"] in ("login", "logout")] == [
        ("logout", "crm-seller"),
        ("login", "crm-seller"),
    ]
    logins = client.get("/api/crm/audit", params={"action": "login"}, headers=admin).json()
    assert logins["total"] == 1 and logins["items"][0]["changes"] == {"login_id": "crm-seller", "device": "trusted"}
