"""予約 › 運営コンソール in a real browser: an operator signs in and the console shows today's numbers and both charts.

The screenshot is saved under the test's tmp_path (run with --basetemp to keep it).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.dashboards.test_reservations_console import outcomes  # noqa: F401  (a fixture)
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.reservations.conftest import catalog, sandbox  # noqa: F401  (fixtures)

# browser tests check pages, not the backend: each module runs in one pass of `make test` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]


def test_the_console_in_a_browser(outcomes, db, dashboards_url, new_page, tmp_path: Path):  # noqa: F811
    make_user(db, "qrv-op", name="運営 花子", grants={"reservations": "operator"})
    db.commit()
    page = new_page(1400)

    sign_in(page, dashboards_url, "qrv-op", DEFAULT_PASSWORD, "運営コンソール")

    expect(page.get_by_test_id("stMetric").first).to_contain_text("今日の予約件数")
    expect(page.locator(".js-plotly-plot")).to_have_count(3)  # the week's bookings, outcomes and キャンセル率
    expect(page.get_by_text(f"予約ID: {outcomes['all_declined']} が全店NG")).to_be_visible()
    screenshot(page, tmp_path / "reservations_console.png")
