"""Works on a LAN without internet: the dashboards, the scan station and the parent's barcode page request nothing
from any host but the service's and the dashboards' own (no CDN favicon, font or script, no usage statistics)."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from service.entry_logs import parent_links
from tests.browser.conftest import open_from_sidebar, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.entry_logs.world import make_world

# browser tests check pages, not the backend: each module runs in one pass of `make test` (README)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only]
LOCAL = {"127.0.0.1", "localhost"}


def outside_requests(page: Page) -> list[str]:
    """Every URL the page's context requests from another host, from now on."""
    seen: list[str] = []
    page.context.on("request", lambda request: seen.append(request.url))
    return seen


def test_nothing_is_fetched_from_the_internet(db, dashboards_url: str, live_api: str, new_page):
    world = make_world(db, "sakura", name="さくら保育園")
    make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"})
    db.commit()
    token = parent_links.link_token(world.parents[0])
    page = new_page()
    requested = outside_requests(page)

    sign_in(page, dashboards_url, "root", DEFAULT_PASSWORD, "ダッシュボード")
    for title, url_path in (("入退管理ログ", None), ("保護者・園児管理", None), ("ユーザー管理", "admin-users")):
        open_from_sidebar(page, title, url_path)
    page.goto(f"{live_api}/api/station/")
    expect(page.get_by_role("heading", name="入退登録システム")).to_be_visible()
    page.goto(f"{live_api}/api/parent-barcode/{token}")
    expect(page.get_by_role("img", name=str(world.parents[0].id))).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert requested, "the request log recorded nothing"
    assert [url for url in requested if urlsplit(url).hostname not in LOCAL and not url.startswith("data:")] == []
