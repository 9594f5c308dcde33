"""A record picker in a real browser: after 初動確認 changes the chosen alert's label, a note on the same alert still
lands (Streamlit's frontend sends a choice back as the label it was shown)."""

import httpx
import pytest
from playwright.sync_api import expect

from service.fleet.models import Alert
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal
from tests.support.streamlit_browser import choose, open_from_sidebar, settled, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]


def test_a_note_after_the_first_look_lands_on_the_same_alert(db, live_api, dashboards_url, new_page):
    customer = make_customer(db, "ABC商事")
    terminal, _ = make_terminal(db, customer, "TC-0001", store_name="新宿店", status="offline")
    alert = Alert(
        terminal_id=terminal.id,
        customer_id=customer.id,
        alert_type="offline",
        message="通信途絶",
        created_at=ago(minutes=3),
    )
    db.add(alert)
    support = make_user(db, "support1", name="佐藤", grants={"fleet": "support"})
    db.commit()
    page = new_page(1600)
    sign_in(page, dashboards_url, "support1", DEFAULT_PASSWORD, "ダッシュボード")
    open_from_sidebar(page, "アラート一覧")
    choose(page, "対応するアラート", f"#{alert.id} ABC商事 - 新宿店: オフライン（未対応）")
    expect(page.get_by_role("heading", name=f"#{alert.id} ABC商事 - 新宿店: オフライン")).to_be_visible()

    page.get_by_role("button", name="初動確認").click()
    expect(page.get_by_text(f"アラート #{alert.id} に「初動確認」を記録しました。")).to_be_visible()
    settled(page)
    page.get_by_label("対応メモ").fill("店舗に電話")
    page.get_by_role("button", name="メモを追加").click()

    expect(page.get_by_text("対応メモを追加しました。")).to_be_visible()
    notes = httpx.get(f"{live_api}/api/fleet/alerts/{alert.id}/notes", headers=auth_headers(support)).json()
    assert [note["body"] for note in notes] == ["店舗に電話"]
