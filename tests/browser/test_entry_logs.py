"""入退管理 in a real browser: a staff member's log list (with its CSV), a 管理者 deleting the log of a selected row,
the attendance page's hover history, and its month view with the Excel for the office.

Screenshots of each page are saved under the test's tmp_path (run with --basetemp to keep them).
"""

import csv
import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from service.audit.service import SYSTEM
from service.entry_logs.attendance import service as attendance
from service.entry_logs.models import Child, Nursery, Parent
from tests.browser.test_row_click import click_row
from tests.factories import DEFAULT_PASSWORD, cached_hash, make_user
from tests.service.entry_logs.world import World, add_log
from tests.support.streamlit_browser import open_from_sidebar, screenshot, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
TOKYO = ZoneInfo("Asia/Tokyo")
SELECTION_BOX_X = 18  # a row's selection box, in the table's first column
FAMILIES = (
    ("山田花子", "山田太郎", "きりん組"),
    ("佐藤次郎", "佐藤さくら", "きりん組"),
    ("鈴木一郎", "鈴木花子", "ぱんだ組"),
    ("高橋美咲", "高橋陽向", "ぱんだ組"),
    ("田中健", "田中葵", "きりん組"),
)


@pytest.fixture
def nursery(db) -> World:
    """さくら保育園: five families, a week of drop-offs and pick-ups, and this morning's drop-offs."""
    place = Nursery(code="sakura", name="さくら保育園", entry_exit_password_hash=cached_hash("station-pass-1"))
    db.add(place)
    db.flush()
    parents, children = [], []
    for parent_name, child_name, class_name in FAMILIES:
        parent = Parent(nursery_id=place.id, name=parent_name, phone="090-0000-0000")
        child = Child(nursery_id=place.id, name=child_name, class_name=class_name, parents=[parent])
        db.add_all([parent, child])
        parents.append(parent)
        children.append(child)
    db.flush()
    world = World(place, parents, children)
    today = datetime.now(TOKYO).date()
    for days_ago in range(7, 0, -1):
        day = today - timedelta(days=days_ago)
        for n, parent in enumerate(parents):
            add_log(db, world, parent, "Entry", datetime.combine(day, time(8, 5 + 7 * n, 12), tzinfo=TOKYO))
            add_log(db, world, parent, "Exit", datetime.combine(day, time(17, 40 - 6 * n, 48), tzinfo=TOKYO))
    midnight = datetime.combine(today, time.min, tzinfo=TOKYO)
    elapsed = datetime.now(TOKYO) - midnight
    for n, parent in enumerate(parents[:3]):
        add_log(db, world, parent, "Entry", midnight + elapsed * (0.3 + 0.1 * n))
    add_log(db, world, parents[0], "Exit", midnight + elapsed * 0.7)
    attendance.set_attendance(db, child=children[4], day=today, status="absent", note="風邪のため", actor=SYSTEM)
    make_user(db, "hoiku", name="保育 花子", grants={"entry_logs": ("staff", str(place.id))})
    db.commit()
    return world


def sign_in_as_staff(page: Page, url: str) -> None:
    sign_in(page, url, "hoiku", DEFAULT_PASSWORD, "入退管理ログ")


def test_log_list_its_csv_and_an_admin_deleting_the_row_they_select(
    nursery, db, dashboards_url, new_page, tmp_path: Path
):
    page = new_page(2100, accept_downloads=True)
    sign_in_as_staff(page, dashboards_url)

    expect(page.get_by_text("全74件中 1〜50件目（↓ 入 = 緑、↑ 出 = オレンジ）")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_test_id("stPagination")).to_be_visible()
    expect(page.get_by_text("表の左端で行を選択してください")).to_be_visible()  # staff may soft-delete a row too
    screenshot(page, tmp_path / "entry_logs_list.png")

    page.get_by_label("保護者名").fill("山田")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_text("全16件中 1〜16件目（↓ 入 = 緑、↑ 出 = オレンジ）")).to_be_visible()
    link = page.get_by_role("link", name="CSVダウンロード")
    expect(link).to_have_attribute("href", re.compile(r"parentName=%E5%B1%B1%E7%94%B0"))  # 山田: the filter it carries
    exported = page.request.get(link.get_attribute("href"))  # the browser's cookies: its session signs the link in
    assert exported.ok and exported.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(exported.body().decode("utf-8-sig"))))
    assert rows[0][:4] == ["日時", "保護者ID", "保護者名", "入/出"]
    assert len(rows) == 17 and {row[2] for row in rows[1:]} == {"山田花子"}

    make_user(db, "kanri", name="管理 一郎", grants={"entry_logs": "admin"})
    db.commit()
    admin = new_page(2100)
    sign_in(admin, dashboards_url, "kanri", DEFAULT_PASSWORD, "入退管理ログ")
    expect(admin.get_by_text("全74件中 1〜50件目（↓ 入 = 緑、↑ 出 = オレンジ）")).to_be_visible()
    click_row(admin, 1, x=SELECTION_BOX_X)  # once the list's run has ended: a click on the table it replaces is lost
    expect(admin.get_by_text("次の入退ログを削除します")).to_be_visible()
    screenshot(admin, tmp_path / "entry_logs_list_delete.png")
    reason = admin.get_by_label("削除の理由（必須）")
    reason.fill("誤スキャン")
    expect(reason).to_have_value("誤スキャン")
    admin.get_by_role("button", name="削除する", exact=True).click()
    expect(admin.get_by_text("を削除しました。理由: 誤スキャン")).to_be_visible()
    expect(admin.get_by_text("全73件中 1〜50件目（↓ 入 = 緑、↑ 出 = オレンジ）")).to_be_visible()


def test_attendance_shows_the_days_history_on_hover(nursery, dashboards_url, new_page, tmp_path: Path):
    page = new_page()
    sign_in_as_staff(page, dashboards_url)
    open_from_sidebar(page, "出欠表管理")

    times = page.locator(".el-times").first
    expect(times).to_be_visible()
    tooltip = times.locator(".el-tip")
    expect(tooltip).to_be_hidden()
    times.hover()
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("送り迎え履歴:")
    expect(tooltip).to_contain_text("保護者: 山田花子")
    screenshot(page, tmp_path / "entry_logs_attendance.png")

    open_from_sidebar(page, "園内にいる保護者")
    expect(page.get_by_test_id("stMetric")).to_contain_text("2人")
    screenshot(page, tmp_path / "entry_logs_present.png")

    open_from_sidebar(page, "混雑時間帯")
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2)
    screenshot(page, tmp_path / "entry_logs_heatmap.png")

    for title, last_part in (
        ("保護者・園児管理", "保護者を追加"),
        ("バーコードカード", "カードのPDFを作成"),
        ("園情報編集", "パスワードを解除"),
    ):
        open_from_sidebar(page, title)
        expect(page.get_by_text(last_part).first).to_be_visible()
        screenshot(page, tmp_path / f"entry_logs_{title}.png")


def test_the_month_view_and_its_excel_for_the_office(nursery, dashboards_url, new_page, tmp_path: Path):
    """出席 from this morning's scans on the day's list; the month's 出欠表 with its Excel download, set up to print;
    the 監査ログ of staff's records under the form that promises it."""
    today = datetime.now(TOKYO).date()
    page = new_page(1400)
    sign_in_as_staff(page, dashboards_url)
    open_from_sidebar(page, "出欠表管理")
    table = page.locator("table.el-attendance")
    expect(table.locator("tr", has_text="佐藤さくら")).to_contain_text("出席（入のスキャンから）")
    expect(table.locator("tr", has_text="田中葵")).to_contain_text("欠席")

    page.get_by_test_id("stButtonGroup").get_by_text("月ごと", exact=True).click()
    expect(page.get_by_text(f"{today.year}年{today.month}月の出欠表")).to_be_visible()
    expect(page.get_by_text("時間: 入から出までの在園時間")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, tmp_path / "entry_logs_attendance_month.png")

    link = page.get_by_role("link", name="Excel（.xlsx）")
    expect(link).to_have_attribute("href", re.compile(rf"month={today:%Y-%m}"))
    downloaded = page.request.get(link.get_attribute("href"))  # signed in by the browser's session cookie
    assert downloaded.ok and downloaded.headers["content-disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(downloaded.body())).active
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize, sheet.print_title_rows) == (
        "landscape",
        9,  # A4
        "$1:$1",
    )
    assert sheet.oddHeader.center.text == f"さくら保育園　{today.year}年{today.month}月　出欠表"
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index(f"{today.day}({'月火水木金土日'[today.weekday()]})")
    by_child = {row[1]: row for row in rows[1:]}
    assert set(by_child) == {child for _, child, _ in FAMILIES}
    assert re.fullmatch(r"\d+:\d\d", by_child["山田太郎"][column])  # in and out today: the hours between
    assert (by_child["佐藤さくら"][column], by_child["田中葵"][column]) == ("出", "欠")  # no 出 yet; 欠席 recorded

    page.get_by_text("出席状態の記録の監査ログ").click()
    expect(page.get_by_text("全1件中 新しい1件")).to_be_visible()
    expect(page.get_by_test_id("stExpanderDetails").get_by_test_id("stDataFrame")).to_be_visible()
