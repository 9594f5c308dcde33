"""監査ログ: the crm domain's entries only, and crm users' logins and logouts."""

import pytest

from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user
from tests.service.crm.conftest import made, submit


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
    assert [e["actor_label"] for e in creates["items"]] == ["営業A"]
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
