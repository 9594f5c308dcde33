"""Signing in with the company's account in Chromium, through panva's certified OpenID Provider (`oidc-provider`,
pinned in tools/jscheck/package.json, run by node: tests/support/oidc_provider.mjs): 「会社のアカウントでログイン」
leads to the provider's page, and back to the dashboards as the person, with their grants; a person the directory
deactivates over SCIM is on the sign-in page at their next click; a password sign-in of a person from the provider is
refused in Japanese."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pydantic import SecretStr

from service.audit.service import operator_actor
from service.config import get_settings
from service.identity import company_sign_in, dependencies, oidc
from service.identity import service as identity
from service.identity.models import User
from service.identity.scim import tokens as scim_tokens
from tests.factories import make_user
from tests.support.live_server import server_process
from tests.support.ports import free_port
from tests.support.streamlit_browser import PAGE_WIDTH, TIMEOUT_MS, drawn, landed
from tools.js_check import JSCHECK, ensure_node_packages

pytestmark = [pytest.mark.embedded_only, pytest.mark.outside]

CLIENT_ID, CLIENT_SECRET = "daicho", "browser-tests-client-secret"
ACCOUNTS = {
    "sub-hanako": {"email": "hanako@example.jp", "email_verified": True, "name": "山田 花子"},
    "sub-stranger": {"email": "stranger@example.jp", "email_verified": True, "name": "知らない 人"},
}


@pytest.fixture(scope="module")
def provider_process(live_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider on a free port, its one client registered with the live API's callback; yields its issuer."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (Debian package nodejs)")
    ensure_node_packages()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    callback = f"{live_api}/api/auth/oidc/callback"
    script = Path(__file__).resolve().parents[1] / "support" / "oidc_provider.mjs"
    folder = JSCHECK / "node_modules" / "oidc-provider"
    command = [node, str(script), str(folder), str(port), CLIENT_ID, CLIENT_SECRET, callback, json.dumps(ACCOUNTS)]
    log = tmp_path_factory.mktemp("oidc-provider") / "provider.log"
    with server_process(command, f"{issuer}/.well-known/openid-configuration", log):
        yield issuer


@pytest.fixture
def provider(provider_process: str, live_api: str, dashboards_url: str, monkeypatch) -> str:
    """The service configured with the provider; the browser comes back to the live API (APP_PUBLIC_BASE_URL)."""
    settings = get_settings()
    monkeypatch.setattr(settings, "public_base_url", live_api)
    monkeypatch.setattr(settings, "oidc_issuer", provider_process)
    monkeypatch.setattr(settings, "oidc_client_id", CLIENT_ID)
    monkeypatch.setattr(settings, "oidc_client_secret", SecretStr(CLIENT_SECRET))
    oidc.forget_provider()
    return provider_process


def window(browser) -> BrowserContext:
    """A browser window in Japanese; the provider's development pages ask Google for a font, which no test reaches."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": PAGE_WIDTH, "height": 900}, locale="ja-JP")
    context.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    return context


def sign_in_at_provider(page: Page, dashboards_url: str, issuer: str, subject: str) -> None:
    """From the dashboards' sign-in page to the provider's, signed in there as `subject` (any password), consenting."""
    page.goto(dashboards_url)
    drawn(page)
    page.get_by_role("button", name="会社のアカウントでログイン").click()
    page.wait_for_url(f"{issuer}/**")
    page.locator("input[name=login]").fill(subject)
    page.locator("input[name=password]").fill("whatever-the-provider-checks")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def directory_person(db, role: str = "viewer") -> User:
    user = make_user(db, "hanako", name="山田 花子", email="hanako@example.jp", grants={"fleet": role})
    user.password_hash, user.source, user.oidc_subject = None, identity.DIRECTORY, "sub-hanako"
    db.commit()
    return user


def test_the_company_account_leads_through_the_provider_back_to_the_dashboards(db, browser, dashboards_url, provider):
    directory_person(db)
    page = window(browser).new_page()
    sign_in_at_provider(page, dashboards_url, provider, "sub-hanako")

    landed(page, "レポート")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("山田 花子")).to_be_visible()
    expect(sidebar.get_by_text("端末管理: 閲覧のみ")).to_be_visible()
    assert "sign_in=" not in page.url
    page.reload()  # the session cookie a password sign-in sets holds this one too
    expect(page.get_by_role("heading", name="レポート")).to_be_visible()


def test_the_provider_vouching_for_a_stranger_gets_them_a_japanese_refusal(browser, dashboards_url, provider):
    page = window(browser).new_page()
    sign_in_at_provider(page, dashboards_url, provider, "sub-stranger")
    expect(page.get_by_role("heading", name="ログインできませんでした")).to_be_visible()
    expect(page.get_by_text(company_sign_in.UNKNOWN_PERSON)).to_be_visible()
    page.get_by_role("link", name="ログイン画面に戻る").click()
    expect(page.get_by_role("button", name="会社のアカウントでログイン")).to_be_visible()


def test_a_person_the_directory_deactivates_is_on_the_sign_in_page_at_their_next_click(
    db, browser, dashboards_url, provider, live_api
):
    person = directory_person(db, "operator")
    secret = scim_tokens.make_token(db, name="entra-prod", actor=operator_actor()).secret
    db.commit()
    page = window(browser).new_page()
    sign_in_at_provider(page, dashboards_url, provider, "sub-hanako")
    landed(page, "ダッシュボード")

    deactivation = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    off = httpx.patch(
        f"{live_api}/api/scim/v2/Users/{person.id}", json=deactivation, headers={"Authorization": f"Bearer {secret}"}
    )
    assert off.status_code == 200, off.text

    page.get_by_test_id("stSidebar").get_by_role("link", name="端末一覧").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    expect(page.get_by_text(f"{dependencies.ACCOUNT_DISABLED}。")).to_be_visible()
    expect(page.get_by_role("heading", name="端末一覧")).to_have_count(0)
    page.reload()  # the browser's session cookie went with the session
    drawn(page)
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)


def test_a_password_sign_in_of_a_provider_person_is_refused_in_japanese(db, browser, dashboards_url, provider):
    directory_person(db)
    page = window(browser).new_page()
    page.goto(dashboards_url)
    drawn(page)
    page.get_by_label("ログインID").fill("hanako")
    page.get_by_label("パスワード").fill("a-guessed-password")
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_text(identity.COMPANY_ACCOUNT)).to_be_visible()
