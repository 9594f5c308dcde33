"""A click on a row of each domain's main list opens that row's record, in a real browser: 端末一覧 → 端末詳細,
アラート一覧, 手動対応キュー, 投入案件一覧 → 案件詳細, 通常データ → 機器詳細, 保護者・園児管理's parents.

Each list shows several records and the second row is clicked, so the record opened is the clicked row's, not the
first one's."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.fleet.models import Alert
from service.loaners.models import Device
from service.reservations import lookups
from service.reservations.operations import operations
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.crm.conftest import corporation, made, masters_and_storage, submit, world  # noqa: F401 - fixtures
from tests.service.entry_logs.world import make_world
from tests.service.fleet.conftest import ago, make_customer, make_terminal
from tests.service.loaners.conftest import IN_HOUSE, LENT, answer, initial_data, make_device  # noqa: F401 - fixtures
from tests.service.reservations.conftest import TESTER, book, catalog, sandbox  # noqa: F401 - fixtures
from tests.support.streamlit_browser import drawn, open_from_sidebar, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
ROW_PX = 35  # Streamlit's table: the header, then each row
CELL_X = 100  # inside the first column after the row's selection box (30 px)


def click_row(page: Page, row: int, *, x: int = CELL_X) -> None:
    """Click a cell of row `row` (0 = the first) of the page's first table (x: where in the row, e.g. its selection
    box): the table is a canvas (glide-data-grid) with no element per cell, so the click goes to the row's position,
    once nothing above the table moves any more: the page is drawn (every run it asked for has ended, every widget has
    replaced its placeholder, a skeleton lower than the widget drawn while the widget's code loads, and no element is
    left over from the previous run) and the web fonts have loaded."""
    drawn(page)
    page.evaluate("document.fonts.ready.then(() => true)")
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator("canvas").first).to_be_visible()
    table.click(position={"x": x, "y": ROW_PX * (row + 1) + ROW_PX / 2})


def picker(page: Page, label: str):
    """The record picker with this label: its value is the label of the record chosen in it."""
    return page.get_by_role("combobox", name=label)


def test_a_terminal_row_opens_its_terminal_detail(db, dashboards_url, new_page):
    terminals = {}
    for name, serial, store in (
        ("A商事", "TC-A001", "新宿店"),
        ("B商事", "TC-B001", "渋谷店"),
        ("C商事", "TC-C001", "池袋店"),
    ):
        terminals[serial], _ = make_terminal(db, make_customer(db, name), serial, store_name=store)
    make_user(db, "fleet-support", name="サポート", grants={"fleet": "support"})
    db.commit()
    page = new_page()
    sign_in(page, dashboards_url, "fleet-support", DEFAULT_PASSWORD, "ダッシュボード")
    open_from_sidebar(page, "端末一覧")

    click_row(page, 1)

    expect(page.get_by_role("heading", name="TC-B001（B商事 - 渋谷店）")).to_be_visible()
    expect(page.get_by_role("heading", name="端末詳細")).to_be_visible()
    assert page.url.endswith(f"?id={terminals['TC-B001'].id}")


def test_an_alert_row_opens_its_alert_under_the_list(db, dashboards_url, new_page):
    customer = make_customer(db, "ABC商事")
    alerts = []
    for minutes, store in ((5, "新宿店"), (15, "渋谷店"), (25, "池袋店")):  # the list shows the newest first
        terminal, _ = make_terminal(db, customer, f"TC-{minutes:04d}", store_name=store, status="offline")
        alert = Alert(
            terminal_id=terminal.id,
            customer_id=customer.id,
            alert_type="offline",
            message="通信途絶",
            created_at=ago(minutes=minutes),
        )
        db.add(alert)
        alerts.append(alert)
    make_user(db, "fleet-support", name="サポート", grants={"fleet": "support"})
    db.commit()
    page = new_page(1600)
    sign_in(page, dashboards_url, "fleet-support", DEFAULT_PASSWORD, "ダッシュボード")
    open_from_sidebar(page, "アラート一覧")

    click_row(page, 1)

    second = alerts[1].id
    expect(page.get_by_role("heading", name=f"#{second} ABC商事 - 渋谷店: オフライン")).to_be_visible()
    expect(picker(page, "対応するアラート")).to_have_value(f"#{second} ABC商事 - 渋谷店: オフライン（未対応）")


def test_a_manual_operation_row_opens_it_under_the_queue(catalog, db, dashboards_url, new_page):  # noqa: F811
    codes = []
    for op_type in ("sms_failed", "change_request"):  # 緊急 first, then 中
        code = book(catalog["service_id"])
        with session_scope() as session:
            reservation = lookups.get_by_code(session, code)
            operations.create_operation(
                session, reservation=reservation, op_type=op_type, reason="テスト", actor=TESTER, now=utcnow()
            )
        codes.append(code)
    make_user(db, "qrv-op", name="運営 花子", grants={"reservations": "operator"})
    db.commit()
    page = new_page(1600)
    sign_in(page, dashboards_url, "qrv-op", DEFAULT_PASSWORD, "運営コンソール")
    open_from_sidebar(page, "手動対応キュー")

    click_row(page, 1)

    expect(page.get_by_role("heading", name=f"{codes[1]} 提携店からの予約内容変更依頼")).to_be_visible()
    expect(picker(page, "対応する手動対応")).to_have_value(f"中 {codes[1]} 提携店からの予約内容変更依頼（未対応）")


def test_a_request_row_opens_its_case_detail(client, world, db, dashboards_url, new_page):  # noqa: F811
    names = ("株式会社アオバ食品", "株式会社ミドリ商事")  # the list shows the newest first
    ids = [
        made(submit(client, world.sales_a, corporation=corporation(last_name=name)))["request"]["id"] for name in names
    ]
    page = new_page(1600)
    sign_in(page, dashboards_url, "op", DEFAULT_PASSWORD, "投入案件一覧")

    click_row(page, 1)

    expect(page.get_by_role("heading", name=f"依頼 #{ids[0]} 株式会社アオバ食品")).to_be_visible()
    expect(page.get_by_role("heading", name="案件詳細")).to_be_visible()


def test_a_device_row_opens_its_device_detail(db, dashboards_url, new_page):
    with session_scope() as session:
        for serial, answers in (("ABC123", LENT), ("XYZ9", IN_HOUSE), ("QRS5", IN_HOUSE)):
            answer(session, make_device(session, serial=serial), answers)
    numbers = sorted(db.scalars(select(Device.management_number)))
    make_user(db, "loanstaff", name="拠点 花子", grants={"loaners": "staff"})
    db.commit()
    page = new_page()
    sign_in(page, dashboards_url, "loanstaff", DEFAULT_PASSWORD, "通常データ")

    click_row(page, 1)  # the view lists devices by 拠点管理番号

    expect(page.get_by_role("heading", name="機器詳細")).to_be_visible()
    expect(page.get_by_text(numbers[1], exact=True)).to_be_visible()


def test_a_parent_row_opens_the_parent_under_the_list(db, dashboards_url, new_page):
    family = make_world(db, "sakura", parents=3)
    make_user(db, "hoiku", name="保育 花子", grants={"entry_logs": ("staff", str(family.nursery.id))})
    db.commit()
    page = new_page(1600)
    sign_in(page, dashboards_url, "hoiku", DEFAULT_PASSWORD, "入退管理ログ")
    open_from_sidebar(page, "保護者・園児管理")

    click_row(page, 1)  # parents are listed by id

    second = family.parents[1]
    expect(picker(page, "編集する保護者")).to_have_value(second.name)
    expect(page.get_by_label("保護者名").last).to_have_value(second.name)
    expect(page.get_by_text("スマホ用バーコードのリンク")).to_be_visible()
