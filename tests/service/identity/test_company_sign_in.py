"""Signing in with the company's account (OpenID Connect), against a provider served over HTTP (tests/support/
oidc_provider.py), and who may still sign in with a password. The flow's single-use state and hand-off code are
statements whose answer depends on concurrent transactions: both backends."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from service import links
from service.audit.models import AuditEntry
from service.config import Settings, get_settings
from service.database import utcnow
from service.identity import company_sign_in, oidc
from service.identity.models import User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, Account, Provider, running_provider

pytestmark = pytest.mark.dialect

START = "/api/auth/oidc/start"
EXCHANGE = "/api/auth/oidc/exchange"


@pytest.fixture(scope="module")
def provider_running():
    with running_provider(links.oidc_callback()) as provider:
        yield provider


@pytest.fixture
def provider(provider_running: Provider, monkeypatch) -> Provider:
    """The service configured with the provider (APP_OIDC_*), which signs in nobody until the test says whom."""
    settings = get_settings()
    monkeypatch.setattr(settings, "oidc_issuer", provider_running.issuer)
    monkeypatch.setattr(settings, "oidc_client_id", CLIENT_ID)
    monkeypatch.setattr(settings, "oidc_client_secret", SecretStr(CLIENT_SECRET))
    oidc.forget_provider()
    provider_running.signs_in, provider_running.nonce_override = None, None
    return provider_running


def browser(app) -> TestClient:
    """A browser of its own: its cookies (the flow's) stay with it."""
    return TestClient(app, follow_redirects=False)


def at_provider(web: TestClient, provider: Provider, account: Account) -> str:
    """The path and query of the callback the provider sends the browser back to, once `account` signed in there."""
    started = web.get(START)
    assert started.status_code == 303
    provider.signs_in = account
    answered = httpx.get(started.headers["location"], follow_redirects=False)
    assert answered.status_code == 302, answered.text
    back = urlsplit(answered.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == links.oidc_callback()
    return f"{back.path}?{back.query}"


def handoff_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == links.dashboard_page("login")
    return parse_qs(target.query)["sign_in"][0]


def from_dashboards() -> dict[str, str]:
    """The dashboards' server sends its key (APP_DASHBOARDS_KEY) with the hand-off code."""
    return {"X-Dashboards-Key": get_settings().dashboards_key}


def signed_in(app, client, provider: Provider, account: Account) -> dict:
    """The session the dashboards receive for the person `account` signs in as."""
    web = browser(app)
    code = handoff_of(web.get(at_provider(web, provider, account)))
    exchanged = client.post(EXCHANGE, json={"code": code}, headers=from_dashboards())
    assert exchanged.status_code == 200, exchanged.text
    return exchanged.json()


def me(client, session: dict) -> dict:
    answer = client.get("/api/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert answer.status_code == 200
    return answer.json()


def audit_actions(db, action: str) -> list[AuditEntry]:
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
    db.commit()  # the test's session holds no lock the next request needs
    return entries


def directory_person(db, login_id: str, *, subject: str | None, email: str, grants=None) -> User:
    user = make_user(db, login_id, email=email, grants=grants)
    user.password_hash, user.source, user.oidc_subject = None, "directory", subject
    db.flush()
    return user


def test_a_person_is_found_by_subject_with_the_session_a_password_gives(app, client, db, provider, caplog):
    directory_person(db, "tanaka", subject="sub-tanaka", email="tanaka@example.jp", grants={"fleet": "operator"})
    db.commit()
    before = utcnow()
    session = signed_in(app, client, provider, Account("sub-tanaka", "other@example.jp", name="田中"))
    person = me(client, session)
    assert person["login_id"] == "tanaka"
    assert [(g["domain"], g["role"]) for g in person["grants"]] == [("fleet", "operator")]
    lifetime = timedelta(minutes=get_settings().jwt_expiry_minutes)
    assert before + lifetime <= datetime.fromisoformat(session["expires_at"]) <= utcnow() + lifetime
    (login,) = audit_actions(db, "login")
    assert (login.changes, login.actor_label) == ({"login_id": "tanaka", "method": "oidc"}, "tanaka")
    again = signed_in(app, client, provider, Account("sub-tanaka"))  # used twice: the same person
    assert me(client, again)["id"] == person["id"]
    audited = " ".join(str(entry.changes) for entry in db.scalars(select(AuditEntry)))
    assert CLIENT_SECRET not in caplog.text + audited


def test_a_first_sign_in_links_a_verified_email_to_its_person_once(app, client, db, provider):
    make_user(db, "sato", email="Sato@Example.jp", grants={"loaners": "staff"})
    db.commit()
    first = signed_in(app, client, provider, Account("sub-sato", "sato@example.jp"))
    assert me(client, first)["login_id"] == "sato"
    (link,) = audit_actions(db, "oidc_link")
    assert link.changes == {"oidc_subject": {"before": None, "after": "sub-sato"}}
    later = signed_in(app, client, provider, Account("sub-sato", "renamed@example.jp"))
    assert me(client, later)["login_id"] == "sato"
    assert len(audit_actions(db, "oidc_link")) == 1


def refusal(app, provider: Provider, account: Account) -> httpx.Response:
    web = browser(app)
    return web.get(at_provider(web, provider, account))


def test_an_unverified_email_finds_nobody(app, db, provider):
    make_user(db, "suzuki", email="suzuki@example.jp")
    db.commit()
    refused = refusal(app, provider, Account("sub-x", "suzuki@example.jp", email_verified=False))
    assert refused.status_code == 403
    assert company_sign_in.UNKNOWN_PERSON in refused.text
    assert db.scalar(select(User.oidc_subject).where(User.login_id == "suzuki")) is None
    (failed,) = audit_actions(db, "login_failed")
    assert failed.changes["reason"] == "email_unverified"


def test_nobody_unknown_gets_in(app, db, provider):
    refused = refusal(app, provider, Account("sub-stranger", "stranger@example.jp"))
    assert refused.status_code == 403
    assert '<html lang="ja">' in refused.text and "登録されていません" in refused.text
    assert refused.headers["cache-control"] == "no-store"
    (failed,) = audit_actions(db, "login_failed")
    assert (failed.changes["reason"], failed.actor_label) == ("unknown_person", "stranger@example.jp")


def test_a_deactivated_person_is_refused(app, db, provider):
    directory_person(db, "leaver", subject="sub-leaver", email="leaver@example.jp").is_active = False
    db.commit()
    refused = refusal(app, provider, Account("sub-leaver"))
    assert refused.status_code == 403
    assert company_sign_in.INACTIVE in refused.text


def test_a_state_is_used_once_and_only_in_the_browser_that_began(app, client, db, provider):
    directory_person(db, "ito", subject="sub-ito", email="ito@example.jp")
    db.commit()
    web = browser(app)
    callback = at_provider(web, provider, Account("sub-ito"))
    elsewhere = browser(app).get(callback)  # login CSRF: a victim's browser sent an attacker's callback
    assert elsewhere.status_code == 401 and company_sign_in.FLOW_FAILED in elsewhere.text
    assert handoff_of(web.get(callback))
    replayed = web.get(callback)
    assert replayed.status_code == 401 and company_sign_in.FLOW_FAILED in replayed.text


def test_an_answer_naming_another_issuer_is_refused(app, db, provider):
    directory_person(db, "ueda", subject="sub-ueda", email="ueda@example.jp")
    db.commit()
    web = browser(app)
    callback = at_provider(web, provider, Account("sub-ueda"))
    refused = web.get(f"{callback}&iss=https%3A%2F%2Fanother-provider.example.jp")
    assert refused.status_code == 401 and company_sign_in.PROVIDER_FAILED in refused.text
    assert audit_actions(db, "login") == []


def test_an_id_token_for_another_nonce_is_refused(app, db, provider):
    directory_person(db, "kato", subject="sub-kato", email="kato@example.jp")
    db.commit()
    provider.nonce_override = "a-nonce-of-another-sign-in"
    refused = refusal(app, provider, Account("sub-kato"))
    assert refused.status_code == 401
    assert company_sign_in.PROVIDER_FAILED in refused.text
    assert audit_actions(db, "login") == []


def test_a_handoff_code_gives_one_session(app, client, db, provider):
    directory_person(db, "mori", subject="sub-mori", email="mori@example.jp")
    db.commit()
    web = browser(app)
    code = handoff_of(web.get(at_provider(web, provider, Account("sub-mori"))))
    assert client.post(EXCHANGE, json={"code": code}, headers=from_dashboards()).status_code == 200
    again = client.post(EXCHANGE, json={"code": code}, headers=from_dashboards())
    assert again.status_code == 401 and again.json()["error"]["code"] == "handoff_invalid"
    assert client.post(EXCHANGE, json={"code": "made-up"}, headers=from_dashboards()).status_code == 401


def test_with_the_dashboards_key_only_the_dashboards_exchange(app, client, db, provider, monkeypatch):
    monkeypatch.setattr(get_settings(), "dashboards_key", "k" * 40)
    directory_person(db, "abe", subject="sub-abe", email="abe@example.jp")
    db.commit()
    web = browser(app)
    code = handoff_of(web.get(at_provider(web, provider, Account("sub-abe"))))
    assert client.post(EXCHANGE, json={"code": code}).status_code == 403
    keyed = client.post(EXCHANGE, json={"code": code}, headers={"X-Dashboards-Key": "k" * 40})
    assert keyed.status_code == 200


def test_without_a_provider_nothing_of_it_is_offered(client):
    assert client.get("/api/auth/sign-in-options").json() == {"company_account": False, "password": "all"}
    assert client.get(START).status_code == 404


def login(client, login_id: str, password: str = DEFAULT_PASSWORD) -> httpx.Response:
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password})


@pytest.mark.parametrize("configured", [True, False], ids=["provider", "no provider"])
def test_a_directory_person_cannot_sign_in_with_a_password(client, db, request, configured):
    if configured:
        request.getfixturevalue("provider")
    directory_person(db, "yamada", subject="sub-yamada", email="yamada@example.jp")
    db.commit()
    for password in (DEFAULT_PASSWORD, "anything-at-all"):
        refused = login(client, "yamada", password)
        assert refused.status_code == 403
        assert refused.json()["error"]["message"].startswith("このアカウントは会社のアカウントでログインします")
    assert [e.changes["reason"] for e in audit_actions(db, "login_failed")] == ["company_account"] * 2


def test_the_break_glass_admin_signs_in_with_a_password_and_each_use_is_audited(client, db, provider):
    make_user(db, "root-admin", grants={"platform": "admin"})
    db.commit()
    for _ in range(2):
        assert login(client, "root-admin").status_code == 200
    uses = audit_actions(db, "break_glass_login")
    assert [(u.actor_label, u.target_id) for u in uses] == [("root-admin", uses[0].target_id)] * 2


def test_without_a_provider_a_password_sign_in_is_no_break_glass(client, db):
    make_user(db, "root-admin", grants={"platform": "admin"})
    db.commit()
    assert login(client, "root-admin").status_code == 200
    assert audit_actions(db, "break_glass_login") == []


def test_password_sign_in_admins_leaves_passwords_to_platform_admins(client, db, provider, monkeypatch):
    monkeypatch.setattr(get_settings(), "password_sign_in", "admins")
    make_user(db, "root-admin", grants={"platform": "admin"})
    make_user(db, "clerk", grants={"fleet": "operator"})
    db.commit()
    assert login(client, "root-admin").status_code == 200
    refused = login(client, "clerk")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_sign_in_admins"
    wrong = login(client, "clerk", "wrong-password")  # a wrong password says only that
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_credentials"
    assert client.get("/api/auth/sign-in-options").json() == {"company_account": True, "password": "admins"}


def test_password_sign_in_off_refuses_every_password(client, db, provider, monkeypatch):
    monkeypatch.setattr(get_settings(), "password_sign_in", "off")
    make_user(db, "root-admin", grants={"platform": "admin"})
    db.commit()
    refused = login(client, "root-admin")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_sign_in_off"


def test_settings_take_the_provider_whole_and_never_show_its_secret():
    with pytest.raises(ValidationError, match="APP_OIDC_CLIENT_SECRET"):
        Settings(oidc_issuer="https://idp.example.jp", oidc_client_id="daicho")
    with pytest.raises(ValidationError, match="APP_PASSWORD_SIGN_IN=admins needs"):
        Settings(password_sign_in="admins")
    settings = Settings(oidc_issuer="https://idp.example.jp", oidc_client_id="c", oidc_client_secret="s3cr3t-value")
    assert settings.oidc_configured and "s3cr3t-value" not in repr(settings)
