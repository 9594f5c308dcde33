"""端末管理 in a real browser: an admin's rounds (dashboard, alerts, a terminal) and the report's CSV/PDF files.

Screenshots of each page are saved under the test's tmp_path (run with --basetemp to keep them).
"""

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from service.fleet.models import Alert, Command, Customer, MetricSample, Terminal
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal
from tests.support.streamlit_browser import choose, drawn, open_from_sidebar, screenshot, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
TOKYO = ZoneInfo("Asia/Tokyo")
STORES = ("新宿店", "渋谷店", "池袋店", "上野店", "品川店", "横浜店")


@pytest.fixture
def fleet(db):
    """Three customers with 18 terminals in every state, open alerts of different ages, a day of samples for one."""
    statuses = ("online", "online", "online", "online", "error", "offline")
    first = None
    for c, name in enumerate(("ABC商事", "XYZ商店", "田中ストア")):
        customer = make_customer(db, name, contact_phone="03-1234-567" + str(c))
        for s, store in enumerate(STORES):
            terminal, _ = make_terminal(
                db,
                customer,
                f"TC200-{c}{s:03d}",
                store_name=store,
                status=statuses[s],
                cpu_usage=20.0 + 10 * s,
                memory_usage=40.0 + 5 * s,
                disk_usage=55.0,
                last_heartbeat_at=ago(minutes=s),
                offline_deadline_at=None if statuses[s] == "offline" else ago(minutes=-10),  # heard: 再起動 reaches it
                created_at=ago(days=60),
            )
            first = first or terminal
            if statuses[s] != "online":
                db.add(
                    Alert(
                        terminal_id=terminal.id,
                        customer_id=customer.id,
                        alert_type=statuses[s],
                        message="端末からの通信が途絶えました",
                        created_at=ago(minutes=3 + 7 * s + c),
                    )
                )
    db.add_all(
        [
            MetricSample(
                terminal_id=first.id,
                recorded_at=ago(minutes=5 * n),
                cpu=25 + (n * 7) % 40,
                memory=45 + (n * 3) % 20,
                disk=55 + n / 100,
            )
            for n in range(288)
        ]
    )
    make_user(db, "root", name="運用 太郎", grants={"fleet": "admin"})
    db.commit()
    return first


def sign_in_as_admin(page: Page, url: str) -> None:
    sign_in(page, url, "root", DEFAULT_PASSWORD, "ダッシュボード")


def test_an_admins_rounds_dashboard_alerts_and_a_terminal(fleet, dashboards_url, new_page, tmp_path: Path):
    page = new_page(2200)
    sign_in_as_admin(page, dashboards_url)

    expect(page.get_by_test_id("stMetric").first).to_contain_text("総端末数")
    expect(page.get_by_text("稼働率: 66.7%")).to_be_visible()
    expect(page.get_by_text("顧客別状況")).to_be_visible()
    screenshot(page, tmp_path / "fleet_dashboard.png")

    open_from_sidebar(page, "アラート一覧")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    choose(page, "対応するアラート", "ABC商事 - 品川店: エラー（未対応）")
    expect(page.get_by_role("button", name="解決済みにする")).to_be_visible()
    screenshot(page, tmp_path / "fleet_alerts.png")

    open_from_sidebar(page, "端末一覧")
    choose(page, "詳細を表示する端末", "TC200-0000（ABC商事 - 新宿店）")
    page.get_by_role("link", name="TC200-0000 の端末詳細を開く").click()
    expect(page.get_by_role("heading", name="端末詳細")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(3)
    expect(page.get_by_role("button", name="診断ログを取得")).to_be_visible()
    assert page.url.endswith(f"/fleet-terminal?id={fleet.id}")
    screenshot(page, tmp_path / "fleet_terminal.png")

    last_parts = {"顧客一覧": "端末のCSV取込（現行ベンダーからの移行）", "ファームウェア管理": "ロールアウトを作成"}
    for title, last_part in last_parts.items():
        open_from_sidebar(page, title)
        expect(page.get_by_text(last_part)).to_be_visible()
        screenshot(page, tmp_path / f"fleet_{title}.png")


# The alert list's grid as drawn: its column headers (from the grid's accessible table), its rows, and whether it
# scrolls sideways or reaches past the window.
ALERT_GRID = """() => {
  const grid = document.querySelector('[data-testid=stDataFrame]');
  const scroller = grid.querySelector('.dvn-scroller');
  return {
    headers: [...grid.querySelectorAll('table[role=grid] th')].map(th => th.textContent),
    ids: [...grid.querySelectorAll('table[role=grid] tbody tr')].map(tr => tr.querySelector('td').textContent),
    scrollsSideways: scroller.scrollWidth > scroller.clientWidth,
    pastTheWindow: grid.getBoundingClientRect().right > window.innerWidth,
  };
}"""


def test_the_alert_list_at_1440_opens_on_open_alerts_with_sla_and_assignee(
    fleet, db, dashboards_url, new_page, tmp_path: Path
):
    resolved = db.scalar(select(Alert).order_by(Alert.id))
    resolved.status, resolved.resolved_at, resolved.resolved_by = "resolved", ago(minutes=1), "root"
    db.commit()
    page = new_page(900, width=1440)
    sign_in_as_admin(page, dashboards_url)

    open_from_sidebar(page, "アラート一覧")
    grid = page.get_by_test_id("stDataFrame")
    expect(grid.locator("table[role=grid] td").first).to_be_attached()
    drawn(page)
    shown = page.evaluate(ALERT_GRID)
    screenshot(page, tmp_path / "fleet_alerts_1440.png")

    assert {"SLA", "担当者"} <= set(shown["headers"])
    assert not shown["scrollsSideways"] and not shown["pastTheWindow"], shown
    assert len(shown["ids"]) == 5 and str(resolved.id) not in shown["ids"]  # 未解決のみ, on when the page opens
    expect(page.get_by_role("checkbox", name="未解決のみ")).to_be_checked()


def test_the_report_downloads_as_csv_and_pdf(fleet, dashboards_url, new_page, tmp_path: Path):
    page = new_page(1000, accept_downloads=True)
    sign_in_as_admin(page, dashboards_url)
    open_from_sidebar(page, "レポート")
    now = datetime.now(TOKYO)
    choose(page, "対象月", f"{now.year}年{now.month}月")
    expect(page.get_by_text(f"月次報告書: ABC商事 {now.year}年{now.month}月")).to_be_visible()
    expect(page.get_by_test_id("stMetric").nth(2)).to_contain_text("2件")
    screenshot(page, tmp_path / "fleet_reports.png")

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="CSVダウンロード").click()
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="PDFダウンロード").click()

    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["項目", "値"] and ["顧客名", "ABC商事"] in rows and ["端末数", "6台"] in rows
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF")
    assert pdf_download.value.suggested_filename.endswith(".pdf")


def ask_on_everything_in_error(page: Page, url: str, action: str) -> None:
    """Signed in on 端末一覧 filtered to エラー: the action on 「条件に合う全件（3台）」, 実行 pressed."""
    sign_in_as_admin(page, url)
    open_from_sidebar(page, "端末一覧")
    choose(page, "状態", "エラー")
    everything = page.get_by_text("条件に合う全件（3台）")
    expect(everything).to_be_visible()
    everything.click()
    choose(page, "一括操作", action)
    page.get_by_role("button", name="実行", exact=True).click()


def test_maintenance_on_everything_the_filters_select_asks_with_the_count_and_a_stale_count_is_refused(
    fleet, db, dashboards_url, new_page
):
    """「条件に合う全件（N台）」 → メンテナンス開始 asks first with the count; a terminal matching the filters meanwhile
    makes the count the person confirmed stale, which the API refuses (409) in words, nothing changes, and the form is
    drawn again at once with the new count."""
    page = new_page(1600)
    ask_on_everything_in_error(page, dashboards_url, "メンテナンス開始")
    expect(page.get_by_text("3台の端末で「メンテナンス開始」を実行します。よろしいですか？")).to_be_visible()
    yes = page.get_by_role("button", name="3台で実行する")
    expect(yes).to_be_visible()
    assert maintained(db) == [], "nothing runs before the yes"

    make_terminal(
        db,
        db.get(Customer, fleet.customer_id),
        "TC200-9999",
        store_name="上野店",
        status="error",
        created_at=ago(days=1),
    )
    db.commit()
    drawn(page)
    yes.click()
    expect(
        page.get_by_text("条件に合う端末が確認した3台から4台に変わりました。件数を確かめてから実行し直してください")
    ).to_be_visible()
    expect(page.get_by_text("条件に合う全件（4台）")).to_be_visible()
    assert maintained(db) == []


def test_restart_of_everything_the_filters_select_asks_first_with_the_count(fleet, db, dashboards_url, new_page):
    """「条件に合う全件（N台）」 → 再起動 asks first with the count and what it interrupts, then queues one restart per
    terminal."""
    page = new_page(1600)
    ask_on_everything_in_error(page, dashboards_url, "再起動")
    expect(page.get_by_text("3台の端末で「再起動」を実行します。よろしいですか？")).to_be_visible()
    expect(page.get_by_text("再起動の間（1〜2分）、端末では決済できません。")).to_be_visible()
    assert restarted(db) == [], "nothing runs before the yes"

    page.get_by_role("button", name="3台で実行する").click()

    expect(page.get_by_text("3台の端末に「再起動」を実行しました。")).to_be_visible()
    assert restarted(db) == ["TC200-0004", "TC200-1004", "TC200-2004"]


def restarted(db) -> list[str]:
    serials = db.scalars(
        select(Terminal.serial_number)
        .join(Command, Command.terminal_id == Terminal.id)
        .where(Command.type == "restart")
        .order_by(Terminal.serial_number)
    ).all()
    db.commit()
    return list(serials)


def maintained(db) -> list[str]:
    serials = db.scalars(select(Terminal.serial_number).where(Terminal.status == "maintenance")).all()
    db.commit()
    return list(serials)
