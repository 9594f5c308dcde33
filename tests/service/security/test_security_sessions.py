"""A password change (by an admin, the CLI or a CRM admin) ends every session issued before it."""

import io
import sys

from service.cli import main
from tests.factories import auth_headers, make_user

NEW_PASSWORD = "brand-new-pass-7"


def me(client, headers):
    return client.get("/api/auth/me", headers=headers)


def login_headers(client, login_id: str, password: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"login_id": login_id, "password": password})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_an_admin_password_change_revokes_the_users_older_tokens(client, db):
    admin = make_user(db, "admin1", grants={"platform": "admin"})
    victim = make_user(db, "victim", grants={"fleet": "viewer"})
    db.commit()
    stolen = auth_headers(victim)
    assert me(client, stolen).status_code == 200
    changed = client.patch(
        f"/api/admin/users/{victim.id}", json={"password": NEW_PASSWORD}, headers=auth_headers(admin)
    )
    assert changed.status_code == 200
    refused = me(client, stolen)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert me(client, login_headers(client, "victim", NEW_PASSWORD)).status_code == 200  # a new login works at once


def test_other_changes_leave_sessions_alone(client, db):
    admin = make_user(db, "admin1", grants={"platform": "admin"})
    user = make_user(db, "user1", grants={"fleet": "viewer"})
    db.commit()
    headers = auth_headers(user)
    assert client.patch(f"/api/admin/users/{user.id}", json={"name": "改名"}, headers=auth_headers(admin)).is_success
    assert me(client, headers).status_code == 200


def test_changing_ones_own_password_ends_ones_older_sessions_too(client, db):
    admin = make_user(db, "admin1", grants={"platform": "admin"})
    db.commit()
    other_device = auth_headers(admin)
    current = auth_headers(admin)
    changed = client.patch(f"/api/admin/users/{admin.id}", json={"password": NEW_PASSWORD}, headers=current)
    assert changed.status_code == 200
    assert me(client, other_device).status_code == 401
    assert me(client, login_headers(client, "admin1", NEW_PASSWORD)).status_code == 200


def test_the_cli_set_password_revokes_too(client, db, monkeypatch):
    user = make_user(db, "user1", grants={"fleet": "viewer"})
    db.commit()
    stolen = auth_headers(user)
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert main(["users", "set-password", "user1", "--password-stdin"]) == 0
    assert me(client, stolen).status_code == 401
