"""代理店CRM's input team in a real browser: a case sent back for 不備 and resubmitted by sales, and a new case nobody
has opened, are counted in the menu (投入案件一覧（未読 2）: what the count counts is said), the list it opens shows
them first, marked 未読, and a click opens each, which reads it."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_row_click import click_row
from tests.factories import DEFAULT_PASSWORD
from tests.service.crm.conftest import made, masters_and_storage, submit, world  # noqa: F401 - fixtures
from tests.service.crm.requests.test_queue import resubmitted
from tests.support.streamlit_browser import sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]


def test_the_operator_sees_the_resubmission_in_the_menu_and_opens_the_case_from_it(
    client,
    world,  # noqa: F811
    dashboards_url,
    browser,
):
    back = resubmitted(client, world)
    made(client.post(f"/api/crm/requests/{back}/read", headers=world.admin))  # opened before it went back
    new = made(submit(client, world.sales_a))["request"]["id"]  # a newer case nobody has opened: news too
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ja-JP")
    sign_in(page, dashboards_url, "op", DEFAULT_PASSWORD, "投入案件一覧")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name="投入案件一覧（未読 2）")).to_be_visible()

    sidebar.get_by_role("link", name="案件詳細").click()
    expect(page.get_by_role("heading", name="案件詳細")).to_be_visible()
    for request_id, before, after in ((new, "（未読 2）", "（未読 1）"), (back, "（未読 1）", "")):
        sidebar.get_by_role("link", name=f"投入案件一覧{before}").click()
        expect(page.get_by_role("heading", name="投入案件一覧")).to_be_visible()
        click_row(page, 0)  # the unread case comes first, the newest of them first
        expect(page.get_by_role("heading", name="案件詳細")).to_be_visible()
        expect(page.get_by_text(f"依頼 #{request_id}", exact=False).first).to_be_visible()
        expect(sidebar.get_by_role("link", name=f"投入案件一覧{after}", exact=True)).to_be_visible()  # opened: read
