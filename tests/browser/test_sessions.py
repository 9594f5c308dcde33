"""A sign-in outlives the Streamlit session: a reload and a second tab stay signed in through the HttpOnly cookie,
under whichever loopback name the dashboards were opened; logging out, or a password change, ends it everywhere."""

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from dashboards import api
from tests.factories import DEFAULT_PASSWORD, make_user, token_for
from tests.support.streamlit_browser import PAGE_WIDTH, TIMEOUT_MS, open_from_sidebar, sign_in
from tests.support.waiting import wait_until

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.embedded_only, pytest.mark.outside]


def session_cookie(context: BrowserContext) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == api.SESSION_COOKIE), None)


def wait_for_cookie(context: BrowserContext, present: bool) -> dict | None:
    """The browser stores (or drops) the cookie when the service's answer arrives, just after the page changed."""
    wait_until(
        lambda: (session_cookie(context) is not None) == present,
        timeout=TIMEOUT_MS / 1000,
        message=f"the session cookie {present=}",
    )
    return session_cookie(context)


def tabs(browser) -> BrowserContext:
    """One browser window (a context: its tabs share cookies), in Japanese."""
    expect.set_options(timeout=TIMEOUT_MS)
    return browser.new_context(viewport={"width": PAGE_WIDTH, "height": 900}, locale="ja-JP")


def under_host(url: str, host: str) -> str:
    """The same address under another host name."""
    parts = urlsplit(url)
    return parts._replace(netloc=f"{host}:{parts.port}").geturl()


def expect_signed_in(page: Page, name: str, heading: str) -> None:
    expect(page.get_by_test_id("stSidebar").get_by_text(name)).to_be_visible()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


@pytest.mark.slow
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_reload_and_a_second_tab_stay_signed_in_until_logout(db, dashboards_url: str, browser, host: str):
    """The service knows the dashboards as http://127.0.0.1:<port>; opened as localhost they work the same."""
    make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"})
    db.commit()
    dashboards_url = under_host(dashboards_url, host)
    page = tabs(browser).new_page()
    sign_in(page, dashboards_url, "root", DEFAULT_PASSWORD, "ダッシュボード")
    open_from_sidebar(page, "利用者管理（全体）", "admin-users")

    cookie = wait_for_cookie(page.context, present=True)
    assert (cookie["domain"], cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (host, True, "Lax", False)
    page.reload()
    expect_signed_in(page, "管理者 太郎", "利用者管理（全体）")
    assert page.url.endswith("/admin-users")

    second = page.context.new_page()
    second.goto(dashboards_url)
    expect_signed_in(second, "管理者 太郎", "ダッシュボード")

    page.get_by_test_id("stSidebar").get_by_role("button", name="ログアウト").click()
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()
    wait_for_cookie(page.context, present=False)
    for tab in (page, second):
        tab.reload()
        expect(tab.get_by_role("heading", name="ログイン")).to_be_visible()
        expect(tab.get_by_test_id("stSidebar")).to_have_count(0)


@pytest.mark.slow
def test_a_password_change_sends_the_next_reload_to_the_login_page_with_a_message(
    db, dashboards_url: str, live_api: str, new_page
):
    user = make_user(db, "viewer", name="閲覧 花子", grants={"fleet": "viewer"})
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()
    page = new_page()
    sign_in(page, dashboards_url, "viewer", DEFAULT_PASSWORD, "レポート")
    wait_for_cookie(page.context, present=True)

    changed = httpx.patch(
        f"{live_api}/api/admin/users/{user.id}",
        json={"password": "a-new-password-1"},
        headers={"Authorization": f"Bearer {token_for(admin)}"},
    )
    changed.raise_for_status()
    page.reload()

    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    changed_words = "パスワードが変更されました。新しいパスワードで再度ログインしてください。"
    expect(page.get_by_text(changed_words)).to_be_visible()
    wait_for_cookie(page.context, present=False)
    page.reload()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    expect(page.get_by_text(changed_words)).to_have_count(0)
