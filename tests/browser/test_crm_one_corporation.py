"""代理店CRM in a real browser: 新規投入依頼 for a company the agency has already (the same 法人番号) is answered
with that corporation, and 「この法人に地点を追加して送信」 sends the request to it: no second corporation."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from service.crm.models import Corporation, Request
from tests.browser.test_crm_images import choose_files
from tests.factories import DEFAULT_PASSWORD
from tests.service.crm.conftest import FIRST_NUMBER, made, masters_and_storage, picture, submit, world  # noqa: F401
from tests.support.streamlit_browser import choose, drawn, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]


def test_a_new_request_for_a_corporation_the_agency_has_is_sent_to_it_after_the_confirm_step(
    client,
    db,
    world,  # noqa: F811
    dashboards_url,
    new_page,
):
    existing = made(submit(client, world.sales_a))["corporation"]
    page = new_page(1400)
    sign_in(page, dashboards_url, "sales-a", DEFAULT_PASSWORD, "マイ依頼一覧")
    page.goto(f"{dashboards_url}/crm-new-request")
    expect(page.get_by_role("button", name="投入依頼を送信")).to_be_visible()
    drawn(page)
    page.get_by_label("法人番号（法人の場合）").fill(FIRST_NUMBER)
    page.get_by_label("契約者名（姓）").fill("株式会社テスト商事")
    choose(page, "支払方法", "口座振替（銀行引落し）", exact=True)
    choose_files(page, "明細画像", {"bill.png": picture()})
    page.get_by_role("button", name="投入依頼を送信").click()

    expect(page.get_by_text(f"法人番号 {FIRST_NUMBER} の法人は既に登録されています")).to_be_visible()
    expect(page.get_by_role("button", name="別の法人として登録")).to_have_count(0)  # a 法人番号 is one company
    page.get_by_role("button", name="この法人に地点を追加して送信").click()

    expect(page.get_by_role("heading", name="マイ依頼一覧")).to_be_visible()
    expect(page.get_by_text("（株式会社テスト商事）を送信しました（明細画像 1枚）。")).to_be_visible()
    corporations = db.scalar(
        select(func.count()).select_from(Corporation).where(Corporation.agency_id == world.agency_a)
    )
    requests = db.scalar(select(func.count()).where(Request.corporation_id == existing["id"]))
    db.commit()
    assert (corporations, requests) == (1, 2)
