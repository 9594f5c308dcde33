"""代替機 in a real browser: the NORMAL view and its search box, and the status form at phone width (390 px) as a QR
code opens it.

Screenshots are saved under the test's tmp_path (run with --basetemp to keep them).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from service.database import session_scope
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.loaners.conftest import IN_HOUSE, LENT, answer, initial_data, make_device  # noqa: F401
from tests.support.axe import serious_violations
from tests.support.streamlit_browser import drawn, screenshot, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def lent_device(db) -> int:
    make_user(db, "loanstaff", name="拠点 花子", grants={"loaners": "staff"})
    db.commit()
    with session_scope() as session:
        device = make_device(session, serial="ABC123")
        answer(session, device, {**LENT, "預かり機のステータス": "1.返却可能"})
        answer(session, make_device(session, serial="XYZ9"), IN_HOUSE)
        return device.id


def test_normal_view_and_the_status_form_on_a_phone(dashboards_url, browser, new_page, lent_device, tmp_path: Path):
    page = new_page()
    sign_in(page, dashboards_url, "loanstaff", DEFAULT_PASSWORD, "通常データ")
    expect(page.get_by_text("全2件中 1〜2件目")).to_be_visible()
    screenshot(page, tmp_path / "loaners_normal.png")

    phone = browser.new_page(viewport=PHONE, locale="ja-JP", is_mobile=True, has_touch=True)
    sign_in(
        phone,
        f"{dashboards_url}/loaners_status_form?device={lent_device}",
        "loanstaff",
        DEFAULT_PASSWORD,
        "ステータス送信",
    )
    expect(phone.get_by_label("1-1.貸出先（必須）")).to_have_value("○○商事株式会社")
    phone.get_by_text("3.社内にて保管中").click()
    expect(phone.get_by_text("3-0.社内ステータス（必須）")).to_be_visible()
    expect(phone.get_by_label("1-1.貸出先（必須）")).to_have_count(0)
    screenshot(phone, tmp_path / "loaners_status_form_phone.png")
    assert serious_violations(phone, "ステータス送信 (390 px)") == []


def test_normal_finds_a_device_by_part_of_its_borrower(dashboards_url, new_page, lent_device, tmp_path: Path):
    page = new_page()
    sign_in(page, dashboards_url, "loanstaff", DEFAULT_PASSWORD, "通常データ")
    expect(page.get_by_text("全2件中 1〜2件目")).to_be_visible()
    search = page.get_by_label("検索", exact=True)
    search.fill("商事")
    search.press("Enter")
    expect(page.get_by_text("全1件中 1〜1件目")).to_be_visible()
    screenshot(page, tmp_path / "loaners_normal_search.png")
    search.fill("XYZ9")
    search.press("Enter")
    expect(page.get_by_text("全1件中 1〜1件目")).to_be_visible()
    drawn(page)  # the search's run has ended: the next words go into the box it left
    search.fill("見つからない語")
    search.press("Enter")
    expect(page.get_by_text("該当するデータはありません。")).to_be_visible()


def test_the_status_form_opened_again_in_the_same_session_is_filled_with_the_current_answers(
    dashboards_url, new_page, lent_device
):
    page = new_page()
    sign_in(
        page,
        f"{dashboards_url}/loaners_status_form?device={lent_device}",
        "loanstaff",
        DEFAULT_PASSWORD,
        "ステータス送信",
    )
    expect(page.get_by_label("1-1.貸出先（必須）")).to_have_value("○○商事株式会社")
    page.get_by_label("1-1.貸出先（必須）").fill("△△工業株式会社")
    page.get_by_label("1-1.貸出先（必須）").press("Enter")
    page.get_by_role("button", name="送信").click()
    expect(page.get_by_text("のステータスを送信しました。")).to_be_visible()
    for _ in range(2):  # away to the device's page and back, twice, in the same session
        page.get_by_role("link", name="機器詳細を開く").click()
        expect(page.get_by_role("heading", name="機器詳細")).to_be_visible()
        page.get_by_role("link", name="ステータスを送信する").first.click()
        expect(page.get_by_role("heading", name="ステータス送信")).to_be_visible()
        expect(page.get_by_label("0-1.担当者（必須）")).to_have_value("拠点 花子")
        expect(page.get_by_label("1-1.貸出先（必須）")).to_have_value("△△工業株式会社")
    page.get_by_role("button", name="送信").click()
    expect(page.get_by_text("のステータスを送信しました。")).to_be_visible()
    expect(page.get_by_text("は必須です")).to_have_count(0)
