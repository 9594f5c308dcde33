"""The second factor: enrolled with an authenticator app (TOTP) and confirmed with one of its codes, it asks every
password sign-in for a code or a one-time recovery code; the break-glass administrator must enrol it while the
company's provider is configured."""

import pyotp
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.config import get_settings
from service.identity import second_factor
from service.identity import service as identity
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user

pytestmark = pytest.mark.dialect  # a wrong code counts as a failed sign-in (lockout's upsert and row lock)


def login(client, login_id: str, code: str | None = None):
    body = {"login_id": login_id, "password": DEFAULT_PASSWORD} | ({"second_factor_code": code} if code else {})
    return client.post("/api/auth/login", json=body)


def enrolled(client, headers: dict[str, str]) -> tuple[pyotp.TOTP, list[str]]:
    """The person's app (its TOTP) and their recovery codes, once they scanned the QR code and confirmed a code."""
    started = client.post("/api/auth/second-factor", headers=headers)
    assert started.status_code == 200
    body = started.json()
    assert "<svg" in body["qr_svg"]
    app = pyotp.parse_uri(body["uri"])
    assert app.secret == body["secret"]
    wrong = client.post("/api/auth/second-factor/confirm", json={"code": "000000"}, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["error"]["message"] == second_factor.WRONG_CODE
    confirmed = client.post("/api/auth/second-factor/confirm", json={"code": app.now()}, headers=headers)
    assert confirmed.status_code == 200
    return app, confirmed.json()["recovery_codes"]


def test_once_enrolled_a_password_sign_in_asks_for_the_apps_code(client, db):
    user = make_user(db, "kimura")
    db.commit()
    app, recovery = enrolled(client, auth_headers(user))
    assert len(set(recovery)) == second_factor.RECOVERY_CODES

    asked = login(client, "kimura")
    assert asked.status_code == 401 and asked.json()["error"]["code"] == "second_factor_code_required"
    assert asked.json()["error"]["message"] == identity.SECOND_FACTOR_ASKED
    wrong = login(client, "kimura", "123456" if app.now() != "123456" else "654321")
    assert wrong.status_code == 401 and wrong.json()["error"]["message"].startswith(identity.BAD_CODE)
    signed_in = login(client, "kimura", app.now())
    assert signed_in.status_code == 200 and signed_in.json()["user"]["second_factor_enabled"] is True
    (enable,) = db.scalars(select(AuditEntry).where(AuditEntry.action == second_factor.ENABLE))
    assert enable.changes == {"second_factor": {"before": None, "after": "totp"}}
    assert app.secret not in str([e.changes for e in db.scalars(select(AuditEntry))])


def test_a_recovery_code_signs_in_once(client, db):
    user = make_user(db, "kimura")
    db.commit()
    _, recovery = enrolled(client, auth_headers(user))
    assert login(client, "kimura", recovery[0].upper()).status_code == 200
    assert login(client, "kimura", recovery[0]).status_code == 401
    assert login(client, "kimura", recovery[1]).status_code == 200


def test_enrolled_is_enrolled_until_reset(client, db):
    user = make_user(db, "kimura")
    db.commit()
    enrolled(client, auth_headers(user))
    again = client.post("/api/auth/second-factor", headers=auth_headers(user))
    assert again.status_code == 409 and again.json()["error"]["message"] == second_factor.ALREADY


@pytest.fixture
def provider_configured(monkeypatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "oidc_issuer", "https://idp.example.jp")
    monkeypatch.setattr(settings, "oidc_client_id", "daicho")
    monkeypatch.setattr(settings, "oidc_client_secret", SecretStr("not-used-here"))


def test_the_break_glass_administrator_enrols_before_anything_else(client, db, provider_configured):
    make_user(db, "root", grants={"platform": "admin"})
    make_user(db, "clerk", grants={"fleet": "operator"})
    db.commit()
    session = login(client, "root").json()
    assert session["user"]["second_factor_required"] is True
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    held = client.get("/api/admin/users", headers=headers)
    assert held.status_code == 403 and held.json()["error"]["code"] == "second_factor_setup_required"
    clerk = login(client, "clerk").json()  # only the administrator's password needs it
    assert clerk["user"]["second_factor_required"] is False

    app, _ = enrolled(client, headers)
    assert client.get("/api/admin/users", headers=headers).status_code == 200
    assert login(client, "root", app.now()).json()["user"]["second_factor_required"] is False
