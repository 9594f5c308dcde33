"""予約 › 運営コンソール in a real browser: an operator signs in, the console shows today's numbers and its charts, and
after 全店予約NG the operator books a one-off shop found by phone from the reservation's page: the payment link goes
out and the shop stays out of the call list.

The screenshot is saved under the test's tmp_path (run with --basetemp to keep it).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service.database import session_scope
from service.reservations.models import Shop
from tests.dashboards.test_reservations_console import outcomes  # noqa: F401  (a fixture)
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.reservations.conftest import (  # noqa: F401  (catalog, sandbox: fixtures)
    catalog,
    deliver_due,
    messages,
    sandbox,
    state,
)
from tests.support.streamlit_browser import screenshot, settled, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]


def test_the_console_in_a_browser_and_a_one_off_shop_found_by_phone_booked(  # noqa: F811
    outcomes, db, dashboards_url, new_page, tmp_path: Path
):
    make_user(db, "qrv-op", name="運営 花子", grants={"reservations": "operator"})
    db.commit()
    page = new_page(1400)

    sign_in(page, dashboards_url, "qrv-op", DEFAULT_PASSWORD, "運営コンソール")

    expect(page.get_by_test_id("stMetric").first).to_contain_text("今日の予約件数")
    expect(page.locator(".js-plotly-plot")).to_have_count(4)  # three rates of the week and the support inquiries
    expect(page.get_by_text(f"予約ID: {outcomes['all_declined']} が全店NG")).to_be_visible()
    screenshot(page, tmp_path / "reservations_console.png")

    declined = outcomes["all_declined"]
    page.goto(f"{dashboards_url}/reservations-detail?code={declined}")
    expect(page.get_by_role("heading", name=declined)).to_be_visible()
    settled(page)
    page.get_by_label("リスト外の店舗名", exact=True).fill("電話で見つけた店")
    page.get_by_label("リスト外の店舗の電話番号").fill("03-1234-5678")
    page.get_by_label("リスト外の店舗のメモ").fill("担当 佐藤様")
    page.get_by_role("button", name="この店舗で予約OKにして決済リンクを送信").click()
    expect(
        page.get_by_text(f"{declined} を「予約OK」（電話で見つけた店）にし、決済リンクを送信しました。")
    ).to_be_visible()
    deliver_due()
    assert state(declined) == "awaiting_payment"
    assert any("電話で見つけた店でご予約を確保しました" in m.body for m in messages("sms", declined))
    with session_scope() as db2:
        assert "電話で見つけた店" not in {shop.name for shop in db2.scalars(select(Shop))}
