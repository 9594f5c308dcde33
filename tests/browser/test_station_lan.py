"""Works on a LAN without internet: the dashboards, the scan station, the parent's barcode page and the API docs request
nothing from any host but the service's and the dashboards' own (no CDN favicon, font or script, no usage statistics,
no schema validator); every other request is refused, as the network would."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from service.entry_logs import parent_links
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.entry_logs.world import make_world
from tests.support.streamlit_browser import open_from_sidebar, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
LAN_NAME = "daicho.lan"  # the service's name on the office's network: served by this machine
LOCAL = {"127.0.0.1", "localhost", LAN_NAME}


def lan_only(page: Page) -> list[str]:
    """Every URL the page's context requests from now on: those to another host than this machine are refused, and
    LAN_NAME is answered from 127.0.0.1."""
    seen: list[str] = []

    def answer(route: Route) -> None:
        seen.append(route.request.url)
        address = urlsplit(route.request.url)
        if address.hostname == LAN_NAME:
            route.fulfill(response=route.fetch(url=address._replace(netloc=f"127.0.0.1:{address.port}").geturl()))
        elif address.hostname in LOCAL:
            route.fallback()
        else:
            route.abort("internetdisconnected")

    page.context.route("**/*", answer)
    return seen


def everything_loaded(page: Page) -> None:
    """Wait until the page has fetched what it loads by itself: the document's resources (its load event), and the
    fonts its text is drawn in (fetched as text needs them)."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")


def outside(requested: list[str]) -> list[str]:
    return [url for url in requested if urlsplit(url).hostname not in LOCAL and not url.startswith("data:")]


def test_nothing_is_fetched_from_the_internet(db, dashboards_url: str, live_api: str, new_page):
    world = make_world(db, "sakura", name="さくら保育園")
    make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"})
    db.commit()
    token = parent_links.link_token(world.parents[0])
    page = new_page()
    requested = lan_only(page)

    sign_in(page, dashboards_url, "root", DEFAULT_PASSWORD, "ダッシュボード")
    for title, url_path in (("入退管理ログ", None), ("保護者・園児管理", None), ("利用者管理（全体）", "admin-users")):
        open_from_sidebar(page, title, url_path)
    page.goto(f"{live_api}/api/station/")
    expect(page.get_by_role("heading", name="入退登録システム")).to_be_visible()
    page.goto(f"{live_api}/api/parent-barcode/{token}")
    expect(page.get_by_role("img", name=str(world.parents[0].id))).to_be_visible()
    everything_loaded(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed: what it keeps for offline, fetched

    assert requested, "the request log recorded nothing"
    assert outside(requested) == []


def test_the_api_docs_render_from_the_service_alone(live_api: str, new_page):
    page = new_page()
    requested = lan_only(page)

    page.goto(f"http://{LAN_NAME}:{urlsplit(live_api).port}/api/docs")  # Swagger UI treats loopback specially
    login = page.locator(".opblock", has=page.locator("[data-path='/api/auth/login']"))
    expect(login.locator(".opblock-summary-description")).to_have_text("Login")
    everything_loaded(page)

    assert f"http://{LAN_NAME}:{urlsplit(live_api).port}/api/openapi.json" in requested
    assert outside(requested) == []
