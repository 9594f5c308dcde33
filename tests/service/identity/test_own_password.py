"""A person changes their own password; a password someone else set (an account made, a reset) is changed by its owner
at their next sign-in, before their session may do anything else."""

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.identity import service as identity
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user

NEW_PASSWORD = "my-own-password-42"

pytestmark = pytest.mark.dialect  # a sign-in refused counts its failure (lockout's upsert and row lock)


def login(client, login_id: str, password: str = DEFAULT_PASSWORD):
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def change(client, token: str, current: str, new: str = NEW_PASSWORD):
    return client.post(
        "/api/auth/password", json={"current_password": current, "new_password": new}, headers=bearer(token)
    )


def test_a_person_changes_their_own_password_and_their_other_sessions_end(client, db):
    make_user(db, "kimura", grants={"fleet": "viewer"})
    db.commit()
    first, second = (login(client, "kimura").json()["access_token"] for _ in range(2))

    changed = change(client, first, DEFAULT_PASSWORD)
    assert changed.status_code == 200
    renewed = changed.headers["X-Renewed-Token"]
    assert client.get("/api/auth/me", headers=bearer(renewed)).status_code == 200
    for ended in (first, second):
        assert client.get("/api/auth/me", headers=bearer(ended)).json()["error"]["code"] == "token_revoked"
    assert login(client, "kimura").status_code == 401
    assert login(client, "kimura", NEW_PASSWORD).status_code == 200
    (entry,) = db.scalars(select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.target_type == "user"))
    assert entry.changes == {"password": {"before": "[REDACTED]", "after": "[REDACTED]"}}


def test_the_current_password_must_be_right_and_the_new_one_another(client, db):
    make_user(db, "kimura")
    db.commit()
    token = login(client, "kimura").json()["access_token"]
    wrong = change(client, token, "not-my-password")
    assert wrong.status_code == 422 and wrong.json()["error"]["message"] == identity.WRONG_CURRENT
    same = change(client, token, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    assert same.status_code == 422 and same.json()["error"]["message"] == identity.SAME_PASSWORD
    short = change(client, token, DEFAULT_PASSWORD, "short")
    assert short.status_code == 422
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200  # nothing changed


def test_a_directory_person_has_no_password_to_change(client, db):
    user = make_user(db, "yamada")
    user.password_hash, user.source, user.oidc_subject = None, identity.DIRECTORY, "sub-yamada"
    db.commit()
    refused = change(client, auth_headers(user)["Authorization"].split()[1], "anything")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "company_account"


def test_an_account_an_administrator_made_changes_its_password_before_anything_else(client, db):
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()
    made = client.post(
        "/api/admin/users",
        json={"login_id": "newcomer", "name": "新人", "password": "initial-pass-1"},
        headers=auth_headers(admin),
    )
    client.put(
        f"/api/admin/users/{made.json()['id']}/grants/fleet", json={"role": "operator"}, headers=auth_headers(admin)
    )
    token = login(client, "newcomer", "initial-pass-1").json()["access_token"]
    assert client.get("/api/auth/me", headers=bearer(token)).json()["password_must_change"] is True
    held = client.get("/api/fleet/dashboard", headers=bearer(token))
    assert held.status_code == 403 and held.json()["error"]["code"] == "password_change_required"

    renewed = change(client, token, "initial-pass-1").headers["X-Renewed-Token"]
    me = client.get("/api/auth/me", headers=bearer(renewed)).json()
    assert me["password_must_change"] is False, me
    assert [g["role"] for g in me["grants"]] == ["operator"]
    allowed = client.get("/api/fleet/dashboard", headers=bearer(renewed))
    assert allowed.status_code == 200, allowed.text


def test_a_reset_by_an_administrator_is_changed_again_but_an_administrators_own_is_not(client, db):
    admin = make_user(db, "root", grants={"platform": "admin"})
    clerk = make_user(db, "clerk")
    db.commit()
    for user in (clerk, admin):
        reset = client.patch(
            f"/api/admin/users/{user.id}", json={"password": "reset-pass-9"}, headers=auth_headers(admin)
        )
        assert reset.status_code == 200
    assert [login(client, who, "reset-pass-9").json()["user"]["password_must_change"] for who in ("clerk", "root")] == [
        True,
        False,
    ]
