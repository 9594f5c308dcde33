"""The sign-in page with the company's provider configured: what it offers, and the hand-off code the API's callback
sends the browser back with, traded once for the person's session (the whole way through a browser:
tests/browser/test_company_sign_in.py)."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from pydantic import SecretStr

from dashboards import api, auth
from dashboards.app_pages.admin import break_glass
from service import links
from service.config import get_settings
from service.database import utcnow
from service.identity import oidc
from tests.dashboards.conftest import open_page, texts
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, Account, Provider, running_provider


@pytest.fixture(scope="module")
def provider_running():
    with running_provider(links.oidc_callback()) as provider:
        yield provider


@pytest.fixture
def provider(provider_running: Provider, monkeypatch) -> Provider:
    settings = get_settings()
    monkeypatch.setattr(settings, "oidc_issuer", provider_running.issuer)
    monkeypatch.setattr(settings, "oidc_client_id", CLIENT_ID)
    monkeypatch.setattr(settings, "oidc_client_secret", SecretStr(CLIENT_SECRET))
    oidc.forget_provider()
    return provider_running


def handoff_code(live_api: str, provider: Provider, account: Account) -> str:
    """What the browser brings back to the dashboards after signing in at the provider as `account`."""
    with httpx.Client(base_url=live_api, follow_redirects=False) as web:
        started = web.get("/api/auth/oidc/start")
        provider.signs_in = account
        back = urlsplit(httpx.get(started.headers["location"]).headers["location"])
        answered = web.get(f"{back.path}?{back.query}")
    return parse_qs(urlsplit(answered.headers["location"]).query)[api.HANDOFF_PARAMETER][0]


def directory_person(db, login_id: str, subject: str, **grants: str):
    user = make_user(db, login_id, name="山田 花子", grants=grants)
    user.password_hash, user.source, user.oidc_subject = None, "directory", subject
    db.commit()
    return user


def test_the_sign_in_page_offers_the_company_account_above_the_password(open_app, provider):
    at = open_app()
    assert not at.exception
    assert [b.label for b in at.button][0] == auth.COMPANY_ACCOUNT
    assert texts(at.caption) == [auth.PASSWORD_WORDS["all"]]
    at.button(key="login_company").click().run()
    assert not at.exception


def test_with_passwords_off_the_page_has_no_password_form(open_app, provider, monkeypatch):
    monkeypatch.setattr(get_settings(), "password_sign_in", "off")
    at = open_app()
    assert [b.label for b in at.button] == [auth.COMPANY_ACCOUNT]
    assert not at.text_input


def test_the_code_brought_back_signs_the_person_in_once(db, live_api, open_app, provider):
    directory_person(db, "hanako", "sub-hanako", fleet="viewer")
    code = handoff_code(live_api, provider, Account("sub-hanako"))

    at = open_app()
    at.query_params[api.HANDOFF_PARAMETER] = code
    at.run()
    assert not at.exception
    assert "**山田 花子**（hanako）" in texts(at.sidebar.markdown)
    assert texts(at.sidebar.caption) == ["端末管理: 閲覧のみ"]
    assert api.HANDOFF_PARAMETER not in at.query_params

    again = open_app()
    again.query_params[api.HANDOFF_PARAMETER] = code
    again.run()
    assert api.TOKEN_KEY not in again.session_state
    assert texts(again.info) == ["ログインの引き継ぎに失敗しました。もう一度ログインしてください。"]


def test_the_administrators_home_shows_each_break_glass_sign_in(db, client, open_app, provider):
    admin = make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"})
    admin.totp_secret, admin.totp_enabled_at = pyotp.random_base32(), utcnow()  # required of them: enrolled already
    db.commit()
    quiet = open_page(open_app, admin, "app_pages/admin/users.py")
    assert not [w for w in texts(quiet.warning) if break_glass.HEADING in w]

    for step in range(2):  # a code signs in once: the app's next one, the second time
        code = pyotp.TOTP(admin.totp_secret).at(utcnow(), counter_offset=step)
        body = {"login_id": "root", "password": DEFAULT_PASSWORD, "second_factor_code": code}
        assert client.post("/api/auth/login", json=body).is_success
    at = open_page(open_app, admin, "app_pages/admin/users.py")
    (warning,) = [w for w in texts(at.warning) if break_glass.HEADING in w]
    assert "（2件）" in warning
    shown = at.dataframe[0].value
    assert list(shown["管理者"]) == ["管理者 太郎（root）"] * 2
