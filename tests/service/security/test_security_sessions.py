"""A password change (by an admin, the CLI or a CRM admin) ends every session issued before it; people who change
their own password get a fresh token for the session they did it from, and the dashboards keep them signed in."""

import io
import sys

import pytest

from dashboards import api
from dashboards.auth import SESSION_EXPIRED
from service.cli import main
from service.identity.dependencies import RENEWED_TOKEN_HEADER
from tests.dashboards.conftest import button, live_api, open_app, open_page, texts  # noqa: F401 - fixtures
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


def renewed(response) -> dict[str, str]:
    """The fresh token a change of one's own password hands back, as headers."""
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.headers[RENEWED_TOKEN_HEADER]}"}


def test_changing_ones_own_password_ends_ones_older_sessions_and_renews_the_current_one(client, db):
    admin = make_user(db, "admin1", grants={"platform": "admin"})
    db.commit()
    other_device = auth_headers(admin)
    current = auth_headers(admin)
    changed = client.patch(f"/api/admin/users/{admin.id}", json={"password": NEW_PASSWORD}, headers=current)
    assert me(client, other_device).status_code == 401
    assert me(client, current).status_code == 401  # the token the change was made with ended too ...
    assert me(client, renewed(changed)).json()["login_id"] == "admin1"  # ... and this session goes on with a new one
    assert me(client, login_headers(client, "admin1", NEW_PASSWORD)).status_code == 200


def test_no_token_is_handed_back_for_someone_elses_password_or_other_changes(client, db):
    admin = make_user(db, "admin1", grants={"platform": "admin"})
    user = make_user(db, "user1", grants={"fleet": "viewer"})
    db.commit()
    headers = auth_headers(admin)
    for target, body in ((user, {"password": NEW_PASSWORD}), (admin, {"name": "改名"})):
        response = client.patch(f"/api/admin/users/{target.id}", json=body, headers=headers)
        assert response.status_code == 200 and RENEWED_TOKEN_HEADER not in response.headers
    assert me(client, headers).status_code == 200


@pytest.mark.dialect
def test_a_crm_admin_changing_their_own_password_stays_signed_in(client, db):
    admin = make_user(db, "crm-admin", grants={"crm": "admin"})
    db.commit()
    current = auth_headers(admin)
    version = client.get(f"/api/crm/users/{admin.id}", headers=current).json()["version"]
    changed = client.patch(
        f"/api/crm/users/{admin.id}", json={"password": NEW_PASSWORD, "version": version}, headers=current
    )
    assert me(client, current).status_code == 401
    assert client.get("/api/crm/me", headers=renewed(changed)).status_code == 200


def test_the_cli_set_password_revokes_too(client, db, monkeypatch):
    user = make_user(db, "user1", grants={"fleet": "viewer"})
    db.commit()
    stolen = auth_headers(user)
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert main(["users", "set-password", "user1", "--password-stdin"]) == 0
    assert me(client, stolen).status_code == 401


def test_the_dashboards_keep_an_admin_signed_in_after_changing_their_own_password(client, db, open_app, live_api):  # noqa: F811
    admin = make_user(db, "root", name="管理者", grants={"platform": "admin"})
    db.commit()
    at = open_page(open_app, admin, "app_pages/admin/users.py")
    before = {"Authorization": f"Bearer {at.session_state[api.TOKEN_KEY]}"}
    at.selectbox(key="admin_users_selected").select(admin.id).run()
    at.text_input(key=f"admin_users_edit_password_{admin.id}").input(NEW_PASSWORD)
    at = button(at, "保存").click().run()
    assert not at.exception, at.exception
    assert "ユーザー「root」のパスワードを変更しました。" in texts(at.success)[0]
    assert SESSION_EXPIRED not in texts(at.info)
    assert me(client, before).status_code == 401
    assert me(client, {"Authorization": f"Bearer {at.session_state[api.TOKEN_KEY]}"}).json()["login_id"] == "root"
    at = at.run()
    assert at.dataframe and not at.exception  # still on 管理 › ユーザー, signed in
