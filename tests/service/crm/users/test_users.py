"""ユーザー管理: the CRM profile beside the platform user and its crm grant; what a CRM admin may not do to another
domain's account."""

import pytest
from sqlalchemy import select

from service.identity.models import Grant
from tests.factories import make_user
from tests.service.crm.conftest import made


def signed_in_with_own_password(client, login_id: str, given: str) -> dict[str, str]:
    """Signed in with the password an administrator gave, which must be changed before anything else; then their own."""
    login = client.post("/api/auth/login", json={"login_id": login_id, "password": given}).json()
    assert login["user"]["password_must_change"] is True
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    held = client.get("/api/crm/me", headers=headers)
    assert held.status_code == 403 and held.json()["error"]["code"] == "password_change_required"
    changed = client.post(
        "/api/auth/password", json={"current_password": given, "new_password": f"{given}-own"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    return {"Authorization": f"Bearer {changed.headers['X-Renewed-Token']}"}


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
    session = signed_in_with_own_password(client, "new-sales", "long-enough-1")
    me = client.get("/api/crm/me", headers=session).json()
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
def test_a_password_the_crm_admin_resets_is_changed_by_its_owner_at_their_next_sign_in(client, db, world):
    body = {"login_id": "new-op", "name": "新人", "password": "long-enough-1", "role": "operator"}
    created = made(client.post("/api/crm/users", json=body, headers=world.admin))
    signed_in_with_own_password(client, "new-op", "long-enough-1")
    version = created["version"]
    for given in ("reset-pass-1", "reset-pass-2"):  # each reset, again
        reset = client.patch(
            f"/api/crm/users/{created['user_id']}", json={"password": given, "version": version}, headers=world.admin
        )
        assert reset.status_code == 200, reset.text
        version = reset.json()["version"]
        signed_in_with_own_password(client, "new-op", given)
