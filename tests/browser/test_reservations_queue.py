"""予約 › 手動対応キュー in a real browser: the list refreshes by itself. An operator has the queue open with a
resolution half typed; a job opens a 緊急 operation; within the queue's interval the list shows it and the page
announces it, and the half-typed text is still there.

The screenshot is saved under the test's tmp_path (run with --basetemp to keep it).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from service.database import session_scope, utcnow
from service.reservations import handover, lookups
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.reservations.conftest import book, catalog, sandbox  # noqa: F401  (catalog, sandbox: fixtures)
from tests.support.streamlit_browser import TIMEOUT_MS, choose, open_from_sidebar, screenshot, settled, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
QUEUE_REFRESH_MS = 30_000  # dashboards/app_pages/reservations/common.py QUEUE_REFRESH_SECONDS
HALF_TYPED = "店舗に電話し、折り返し待ち"


def opened(code: str, op_type: str) -> None:
    """The operation a job opens for the reservation (its Slack post too), committed."""
    with session_scope() as db:
        handover.open_operation(db, lookups.get_by_code(db, code), op_type, reason="テスト", now=utcnow())


def test_a_new_urgent_operation_appears_on_an_open_queue_and_a_half_typed_form_stays(  # noqa: F811
    catalog, db, dashboards_url, new_page, tmp_path: Path
):
    make_user(db, "qrv-queue", name="運営 次郎", grants={"reservations": "operator"})
    db.commit()
    waiting, urgent = book(catalog["service_id"]), book(catalog["service_id"], days=6)
    opened(waiting, "ambiguous_answer")
    page = new_page(1600)
    sign_in(page, dashboards_url, "qrv-queue", DEFAULT_PASSWORD, "運営コンソール")
    open_from_sidebar(page, "手動対応キュー")
    expect(page.get_by_text("全1件中 1〜1件目")).to_be_visible()
    choose(page, "対応する手動対応", f"高 {waiting} 提携店からの曖昧な回答（未対応）")
    resolution = page.get_by_label("対応内容")
    settled(page)
    resolution.fill(HALF_TYPED)

    opened(urgent, "sms_failed")
    announced = page.get_by_text(f"新しい緊急の手動対応があります: {urgent}（SMS送信が全リトライ失敗）")
    expect(announced).to_be_visible(timeout=QUEUE_REFRESH_MS + TIMEOUT_MS)
    expect(page.get_by_text("全2件中 1〜2件目")).to_be_visible()
    expect(resolution).to_have_value(HALF_TYPED)
    screenshot(page, tmp_path / "reservations_queue.png")

    page.get_by_role("button", name="確認しました").click()
    expect(announced).to_have_count(0)
    expect(resolution).to_have_value(HALF_TYPED)
