"""The second factor: enrolled with an authenticator app (TOTP) and confirmed with one of its codes, it asks every
password sign-in for a code or a one-time recovery code, each code taken once; the break-glass administrator must enrol
it while the company's provider is configured. A lost phone: an administrator resets another person's, the operator's
CLI anyone's."""

from datetime import timedelta

import pyotp
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.cli import main
from service.config import get_settings
from service.database import utcnow
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


def next_code(app: pyotp.TOTP) -> str:
    """The app's code after the one it showed at enrolment: that one is taken."""
    return app.at(utcnow(), counter_offset=1)


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
    signed_in = login(client, "kimura", next_code(app))
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
    assert login(client, "root", next_code(app)).json()["user"]["second_factor_required"] is False


def test_a_code_passes_once_and_none_before_it_after(db):
    user = make_user(db, "kimura")
    user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
    app, now = pyotp.TOTP(user.totp_secret), utcnow()
    step = timedelta(seconds=app.interval)

    def passes(code: str) -> bool:
        return second_factor.passes(db, user=user, code=code, now=now)

    assert passes(app.at(now)) is True
    assert passes(app.at(now)) is False  # replayed within its window
    assert passes(app.at(now - step)) is False  # an earlier step's code, still within the window
    assert passes(app.at(now + step)) is True  # the app's next code
    assert passes(app.at(now + step)) is False
    db.expire_all()
    assert user.totp_last_step == app.timecode(now + step)


def test_a_replayed_code_signs_in_no_one(client, db):
    user = make_user(db, "kimura")
    db.commit()
    app, _ = enrolled(client, auth_headers(user))
    assert login(client, "kimura", app.at(utcnow(), counter_offset=-1)).status_code == 401  # before the enrolment's
    code = next_code(app)
    assert login(client, "kimura", code).status_code == 200
    replayed = login(client, "kimura", code)
    assert replayed.status_code == 401 and replayed.json()["error"]["message"].startswith(identity.BAD_CODE)
    reasons = db.scalars(select(AuditEntry.changes).where(AuditEntry.action == "login_failed")).all()
    assert [r["reason"] for r in reasons] == ["bad_second_factor"] * 2


def enrolled_in_db(db, user) -> None:
    user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
    db.commit()


def reset(client, user, headers):
    return client.delete(f"/api/admin/users/{user.id}/second-factor", headers=headers)


def test_an_administrator_resets_a_lost_phones_second_factor(client, db):
    admin = make_user(db, "root", name="管理 者", grants={"platform": "admin"})
    user = make_user(db, "kimura")
    db.commit()
    _, recovery = enrolled(client, auth_headers(user))
    assert login(client, "kimura").json()["error"]["code"] == "second_factor_code_required"

    assert reset(client, user, auth_headers(admin)).status_code == 204
    signed_in = login(client, "kimura")  # the password alone: nothing is required of them
    assert signed_in.status_code == 200 and signed_in.json()["user"]["second_factor_enabled"] is False
    again = reset(client, user, auth_headers(admin))
    assert again.status_code == 409 and again.json()["error"]["message"] == second_factor.NOT_ENABLED
    (entry,) = db.scalars(select(AuditEntry).where(AuditEntry.action == second_factor.RESET))
    assert (entry.actor_label, entry.target_id) == ("管理 者", str(user.id))
    assert entry.changes == {"second_factor": {"before": "totp", "after": None}}
    db.commit()

    app, new_recovery = enrolled(client, auth_headers(user))  # enrolled again, with new recovery codes
    assert set(recovery).isdisjoint(new_recovery)
    assert login(client, "kimura", recovery[0]).status_code == 401
    assert login(client, "kimura", next_code(app)).status_code == 200


def test_the_break_glass_administrators_own_is_reset_only_on_the_server(client, db, provider_configured):
    root = make_user(db, "root", grants={"platform": "admin"})
    other = make_user(db, "other-admin", grants={"platform": "admin"})
    enrolled_in_db(db, root)
    enrolled_in_db(db, other)
    headers = auth_headers(root)
    own = reset(client, root, headers)
    assert own.status_code == 403 and own.json()["error"]["message"] == second_factor.OWN_RESET

    assert reset(client, other, headers).status_code == 204
    session = login(client, "other-admin").json()  # enrols again before anything else
    assert session["user"]["second_factor_required"] is True
    held = client.get("/api/admin/users", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert held.status_code == 403 and held.json()["error"]["code"] == "second_factor_setup_required"

    assert main(["users", "reset-second-factor", "root"]) == 0
    assert login(client, "root").json()["user"]["second_factor_required"] is True
    assert main(["users", "reset-second-factor", "root"]) == 1  # nothing left to reset
    actors = db.scalars(select(AuditEntry.actor_type).where(AuditEntry.action == second_factor.RESET)).all()
    assert sorted(actors) == ["cli", "user"]
