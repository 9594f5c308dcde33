"""代替機 › 機器詳細 in a real browser: the cards above the device show their words whole (the longest 預かり機の
ステータス, 「商談や金額の問題で返却不可」, wraps instead of ending in 「商談や金…」), at an office screen's width and a
narrow window's. Screenshots are saved under the test's tmp_path (run with --basetemp to keep them)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from service.database import session_scope
from tests.browser.test_kpi_cards import CUT_SHORT, KPI_PARTS
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.loaners.conftest import LENT, answer, initial_data, make_device  # noqa: F401
from tests.support.streamlit_browser import TIMEOUT_MS, drawn, screenshot, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
LONGEST_HELD = "2.商談や金額の問題で返却不可"


@pytest.fixture
def held_device(db) -> int:
    make_user(db, "loanstaff", name="拠点 花子", grants={"loaners": "staff"})
    db.commit()
    with session_scope() as session:
        device = make_device(session, serial="ABC123")
        answer(session, device, {**LENT, "預かり機のステータス": LONGEST_HELD})
        return device.id


@pytest.mark.parametrize("width", [1440, 1024])
def test_the_device_cards_show_the_held_status_whole(dashboards_url, browser, held_device, width, tmp_path: Path):
    expect.set_options(timeout=TIMEOUT_MS)
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="ja-JP")
    sign_in(page, f"{dashboards_url}/loaners-device?id={held_device}", "loanstaff", DEFAULT_PASSWORD, "機器詳細")
    drawn(page)
    parts = page.locator(KPI_PARTS)
    expect(page.get_by_test_id("stMetricValue").filter(has_text="商談や金額の問題で返却不可")).to_be_visible()
    screenshot(page, tmp_path / f"loaners_device_{width}.png")
    assert parts.evaluate_all(CUT_SHORT) == []
