"""Streamlit's own words on the fields people use, in Japanese, in a real browser (issue 81): the hint a field shows
while it holds what was typed (「Enterキーで確定」 for 「Press Enter to apply」, 「Enterキーで送信」 in a form) beside
its count of characters, an empty date field's 「年/月/日」 for 「yyyy / mm / dd」 (a time field's 「時:分」 for 「HH :
mm」), a select or radio button without options, and a date field's calendar; each page checked by the crawl's own
check (test_crawl.Crawl): a page of every kind of field (fields_page.py), the login form, and 代理店CRM › 案件詳細's
地点入力, whose fields are no form's. What the hints say is what the fields do: Enter signs in, and Enter applies a
site's field, which is then saved."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_crawl import Crawl
from tests.factories import DEFAULT_PASSWORD
from tests.service.crm.conftest import made, masters_and_storage, world  # noqa: F401  (fixtures)
from tests.service.crm.requests.test_workflow import request_with_sites
from tests.support.streamlit_browser import drawn, landed, reran, streamlit_process

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]

FIELDS_PAGE = Path(__file__).with_name("fields_page.py")
REPO_ROOT = FIELDS_PAGE.parents[2]
APPLY = "Enterキーで確定"
SUBMIT = "Enterキーで送信"
EMPTY_DATE = ["年", "月", "日"]
TYPED_FIELDS = "[data-testid=stTextInput], [data-testid=stTextArea], [data-testid=stNumberInput]"


@pytest.fixture
def fields_page(live_api: str, tmp_path: Path) -> Iterator[str]:
    """The page of every kind of field, on a server of its own; yields its address."""
    with streamlit_process(live_api, tmp_path / "streamlit.log", script=str(FIELDS_PAGE.relative_to(REPO_ROOT))) as url:
        yield url


def hint(page: Page, field: Locator) -> Locator:
    """The parts of the hint Streamlit draws under a field (its instructions, its count of characters)."""
    return page.locator(TYPED_FIELDS).filter(has=field).get_by_test_id("InputInstructions").locator("span")


def parts(field: Locator) -> list[str]:
    """What a date or time field shows of its parts (year, month, day; hour, minute)."""
    return field.get_by_role("spinbutton").all_inner_texts()


def no_english(page: Page, where: str) -> None:
    crawl = Crawl()
    crawl.check(page, where)
    assert not crawl.problems, "\n".join(crawl.problems)


def typed(field: Locator, text: str) -> None:
    """Typed into the field, which keeps the focus (nothing is sent)."""
    field.focus()
    field.press_sequentially(text)


def test_every_kind_of_field_speaks_japanese_as_it_is_used(fields_page, new_page):
    page = new_page(1600)
    page.goto(fields_page)
    drawn(page)
    date, time = page.get_by_role("group", name="日付"), page.get_by_role("group", name="時刻")
    assert (parts(date), parts(time)) == (EMPTY_DATE, ["時", "分"])
    empty_select = page.get_by_role("combobox", name="選択肢のない選択")
    expect(empty_select).to_have_attribute("placeholder", "選択できる項目がありません")
    expect(page.get_by_test_id("stRadio")).to_contain_text("選択できる項目がありません")
    no_english(page, "the empty fields")

    text = page.get_by_label("テキスト")
    typed(text, "abc")
    expect(hint(page, text)).to_have_text([APPLY, "3/20"])  # its count of characters kept beside it
    no_english(page, "a text typed")
    with reran(page):
        text.press("Enter")
    expect(hint(page, text)).to_have_text(["3/20"])  # applied: only the count left
    typed(text, "d")  # the field's second use
    expect(hint(page, text)).to_have_text([APPLY, "4/20"])
    with reran(page):
        text.press("Enter")
    long_text = page.get_by_label("長文")
    typed(long_text, "abc")
    expect(hint(page, long_text)).to_have_text(["Ctrl+Enterキーで確定"])
    with reran(page):
        long_text.press("Control+Enter")
    number = page.get_by_label("数値")
    typed(number, "12")
    expect(hint(page, number)).to_have_text([APPLY])
    with reran(page):
        number.press("Enter")
    in_form = page.get_by_label("フォームの項目")
    in_form.focus()
    expect(hint(page, in_form)).to_have_text([SUBMIT])
    no_english(page, "a form's field")

    with reran(page):  # a date typed in, then taken out again: its parts in Japanese each time they are empty
        date.get_by_role("spinbutton").first.click()
        page.keyboard.type("20260503")
        page.keyboard.press("Tab")  # to its calendar's button
        page.keyboard.press("Tab")  # out of the field, which sends the date
    assert parts(date) == ["2026", "05", "03"]
    expect(date.get_by_role("spinbutton").nth(1)).to_have_attribute("aria-valuetext", "5月")
    with reran(page):
        page.get_by_role("button", name="日付を消去").click()
    assert parts(date) == EMPTY_DATE
    page.get_by_role("button", name="日付を選択").click()
    expect(page.get_by_test_id("stDateInputCalendar")).to_be_visible()
    no_english(page, "a date field's calendar")


def test_the_login_form_and_a_sites_fields_speak_japanese_and_do_what_their_hints_say(
    client,
    db,
    world,  # noqa: F811
    dashboards_url,
    new_page,
):
    request_id, (site, _) = request_with_sites(client, world)
    page = new_page(1400)
    page.goto(dashboards_url)
    drawn(page)
    login_id = page.get_by_label("ログインID")
    typed(login_id, "op")
    expect(hint(page, login_id)).to_have_text([SUBMIT])
    no_english(page, "the login form")
    page.get_by_label("パスワード").fill(DEFAULT_PASSWORD)
    page.get_by_label("パスワード").press("Enter")  # as the hint says
    landed(page, "投入案件一覧")

    page.goto(f"{dashboards_url}/crm-case?id={request_id}")
    name = page.get_by_label("店舗名")
    expect(name).to_have_value("店舗0")
    drawn(page)
    assert parts(page.get_by_role("group", name="入居日/開業日")) == EMPTY_DATE
    no_english(page, "地点入力")
    name.clear()
    typed(name, "新宿店")
    expect(hint(page, name)).to_have_text([APPLY, "3/100"])
    no_english(page, "地点入力 with a field typed into")
    with reran(page):
        name.press("Enter")  # as the hint says: applied, then saved
    page.get_by_role("button", name="地点を保存").click()
    expect(page.get_by_text("を保存しました。")).to_be_visible()
    saved = made(client.get(f"/api/crm/sites/{site['id']}", headers=world.operator))
    assert saved["power_branch_name"] == "新宿店"
