"""KPI cards at an office screen's size (1440×900): on every page with a row of them, no label, value or delta is cut
short with an ellipsis (「今月のキャンセル…」): each line's text fits its box (scrollWidth <= clientWidth), on the
demo data's real numbers. Screenshots of each page are saved under the test's tmp_path (run with --basetemp to keep
them)."""

import pytest
from playwright.sync_api import Page, expect

from service.cli import main
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.streamlit_browser import TIMEOUT_MS, drawn, screenshot, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
VIEWPORT = {"width": 1440, "height": 900}
# The pages with rows of KPI cards: (address, heading).
KPI_PAGES = (
    ("fleet", "ダッシュボード"),
    ("reservations-executive", "経営ダッシュボード"),
    ("crm", "ダッシュボード"),
    ("crm-metrics", "代理店別数値"),
    ("loaners-summary", "サマリー"),
)
KPI_PARTS = "[data-testid=stMetricLabel], [data-testid=stMetricValue], [data-testid=stMetricDelta]"
# Every element of a card's label, value and delta whose text is wider than its box: cut off, or ended with "…".
CUT_SHORT = """(parts) => parts.flatMap(part => [part, ...part.querySelectorAll('*')])
  .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth)
  .map(e => `${e.closest('[data-testid^=stMetric]').dataset.testid}: ${e.textContent}`
    + ` (${e.scrollWidth} > ${e.clientWidth})`)"""


@pytest.fixture
def manager(db) -> None:
    """The demo data, and one person who opens every section's dashboards."""
    assert main(["demo", "load"]) == 0
    grants = {"fleet": "admin", "reservations": "executive", "crm": "admin", "loaners": "admin"}
    make_user(db, "kpi-reader", name="KPI確認", grants=grants)
    db.commit()


def open_page(page: Page, address: str, heading: str) -> None:
    page.get_by_test_id("stSidebar").locator(f"a[href$='/{address}']").click()
    page.wait_for_url(f"**/{address}")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    drawn(page)


def test_no_kpi_card_text_is_cut_short_at_1440_px(manager, dashboards_url, browser, tmp_path):
    expect.set_options(timeout=TIMEOUT_MS)
    page = browser.new_page(viewport=VIEWPORT, locale="ja-JP")
    sign_in(page, dashboards_url, "kpi-reader", DEFAULT_PASSWORD, "ダッシュボード")
    checked, cut = 0, []
    for address, heading in KPI_PAGES:
        open_page(page, address, heading)
        parts = page.locator(KPI_PARTS)
        expect(parts.first).to_be_visible()
        checked += parts.count()
        cut += [f"/{address} {problem}" for problem in parts.evaluate_all(CUT_SHORT)]
        screenshot(page, tmp_path / f"{address}.png")
    assert cut == []
    assert checked >= 30  # every page's cards were there to check (labels, values, the executive page's deltas)
