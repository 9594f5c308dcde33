"""The parent's phone barcode page in Chromium at phone size: barcode, name and nursery, still shown offline after
the first visit; a revoked link shows why it stopped working, and a reissued one works again."""

import io

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from service.database import session_scope
from service.entry_logs import parent_links
from service.entry_logs.models import Parent
from tests.browser.conftest import PHONE
from tests.factories import DEFAULT_PASSWORD
from tests.service.entry_logs.world import World, make_world, staff_headers
from tests.support.axe import serious_violations
from tests.support.streamlit_browser import choose, confirm_then_click, open_from_sidebar, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
INVALID = "このリンクは無効です。保育園に新しいリンクの発行を依頼してください"
# the drawn bars' width on screen: from the left edge of the first to the right edge of the last
BARS_WIDTH = """(svg) => {
  const bars = Array.from(svg.querySelectorAll("rect[style*='black']"), (bar) => bar.getBoundingClientRect());
  return Math.max(...bars.map((bar) => bar.right)) - Math.min(...bars.map((bar) => bar.left));
}"""


@pytest.fixture
def family(db) -> tuple[World, dict[str, str]]:
    world = make_world(db, "sakura", name="さくら保育園", parents=2)
    headers = staff_headers(db, world)
    db.commit()
    return world, headers


def page_url(live_api: str, parent_id: int) -> str:
    with session_scope() as db:
        return f"{live_api}/api/parent-barcode/{parent_links.link_token(db.get(Parent, parent_id))}"


def test_barcode_page_offline_revoke_and_reissue(family, phone: Page, live_api: str):
    world, headers = family
    parent = world.parents[0]
    first_url = page_url(live_api, parent.id)

    phone.goto(first_url)
    expect(phone.get_by_role("heading", name=f"{parent.name} 様")).to_be_visible()
    expect(phone.get_by_text("さくら保育園")).to_be_visible()
    expect(phone.get_by_text(str(parent.id), exact=True)).to_be_visible()
    expect(phone.get_by_text("画面の明るさを最大にしてください")).to_be_visible()
    assert serious_violations(phone, "保護者のバーコード") == []
    barcode = phone.get_by_role("img", name=str(parent.id))
    expect(barcode).to_be_visible()
    box = barcode.bounding_box()
    assert box["height"] >= 120
    assert abs(barcode.evaluate(BARS_WIDTH) - 0.8 * PHONE["viewport"]["width"]) <= 1  # UI-PA-003: 80 % of the width
    with Image.open(io.BytesIO(phone.screenshot())) as shown:  # the page's white margins are the quiet zone
        assert [(found.format.name, found.text) for found in zxingcpp.read_barcodes(shown.convert("L"))] == [
            ("Code128", str(parent.id))
        ]

    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_role("heading", name=f"{parent.name} 様")).to_be_visible()
    expect(barcode).to_be_visible()
    phone.context.set_offline(False)

    link = f"{live_api}/api/entry-logs/parents/{parent.id}/barcode-link"
    revoked = httpx.delete(link, headers=headers)
    assert revoked.status_code == 200 and revoked.json() == {"parentId": parent.id, "url": None, "active": False}
    phone.reload()
    expect(phone.get_by_role("alert")).to_have_text(INVALID)
    assert serious_violations(phone, "無効なリンク") == []

    assert httpx.post(link, headers=headers).json()["active"] is True
    phone.goto(first_url)
    expect(phone.get_by_role("alert")).to_have_text(INVALID)
    phone.goto(page_url(live_api, parent.id))
    expect(phone.get_by_role("heading", name=f"{parent.name} 様")).to_be_visible()


def test_staff_revoke_and_reissue_from_the_parents_page(family, dashboards_url: str, new_page):
    world, _ = family
    parent = world.parents[1]
    page = new_page()
    sign_in(page, dashboards_url, "staff-a", DEFAULT_PASSWORD, "入退管理ログ")
    open_from_sidebar(page, "保護者・園児管理")
    choose(page, "編集する保護者", parent.name)
    expect(page.get_by_text("/api/parent-barcode/")).to_be_visible()

    confirm_then_click(page, "このリンクを無効化する", "リンクを無効化")
    expect(page.get_by_text("リンクを無効化しました。")).to_be_visible()
    expect(page.get_by_text("リンクは無効化されています。")).to_be_visible()
    with session_scope() as db:
        assert db.get(Parent, parent.id).link_revoked is True

    confirm_then_click(page, "新しいリンクを発行する（今のリンクは使えなくなります）", "リンクを再発行")
    expect(page.get_by_text("新しいリンクを発行しました。")).to_be_visible()
    with session_scope() as db:
        reissued = db.get(Parent, parent.id)
        assert (reissued.link_revoked, reissued.link_version) == (False, 3)
        token = parent_links.link_token(reissued)
    expect(page.get_by_text(token)).to_be_visible()
