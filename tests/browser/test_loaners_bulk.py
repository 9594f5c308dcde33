"""代替機 › 一括ステータス変更 on a phone (390 x 844): three devices added by scanning (their QR codes' addresses and
a typed 拠点管理番号, each ended with Enter as a scanner does), one answer set, three submissions.

Screenshots are saved under the test's tmp_path (run with --basetemp to keep them).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service.database import session_scope
from service.loaners.models import Device, Submission
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.loaners.conftest import LENT, answer, initial_data, make_device  # noqa: F401
from tests.support.streamlit_browser import choose, screenshot, settled, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
PHONE = {"width": 390, "height": 844}
SCAN = "QRコードを読み取る・拠点管理番号を入力"


@pytest.fixture
def lent_devices(db) -> list[tuple[int, str]]:
    make_user(db, "bulkstaff", name="拠点 一郎", grants={"loaners": "staff"})
    db.commit()
    with session_scope() as session:
        devices = [make_device(session, serial=f"BULK{n}") for n in range(4)]
        for device in devices:
            answer(session, device, LENT)
        return [(device.id, device.management_number) for device in devices]


def answer_in_house(phone) -> None:
    """Answer 3.社内にて保管中 / 1.貸出可能: the second question appears with the rerun the first answer starts, and
    is picked once that rerun has ended (a list opened while the page still redraws is closed by it)."""
    phone.get_by_text("3.社内にて保管中").click()
    internal = "3-0.社内ステータス（必須）"
    expect(phone.get_by_label(internal)).to_be_visible()
    settled(phone)
    choose(phone, internal, "1.貸出可能")
    settled(phone)


def test_three_devices_scanned_on_a_phone_get_one_answer_each(
    dashboards_url, browser, lent_devices, db, tmp_path: Path
):
    phone = browser.new_page(viewport=PHONE, locale="ja-JP", is_mobile=True, has_touch=True)
    sign_in(phone, f"{dashboards_url}/loaners-bulk", "bulkstaff", DEFAULT_PASSWORD, "一括ステータス変更")
    (first, _), (second, _), (_, third_number), _ = lent_devices
    scans = [
        f"{dashboards_url}/loaners_status_form?device={first}",
        f"{dashboards_url}/loaners_status_form?device={second}",
        third_number,
    ]
    for count, code in enumerate(scans, start=1):
        settled(phone)
        field = phone.get_by_role("textbox", name=SCAN)
        field.fill(code)
        field.press("Enter")
        expect(phone.get_by_text(f"を追加しました（選択中 {count}台）")).to_be_visible()
    settled(phone)
    expect(phone.get_by_role("heading", name="選択中の機器（3台）")).to_be_visible()
    answer_in_house(phone)
    screenshot(phone, tmp_path / "loaners_bulk_phone.png")
    phone.get_by_role("button", name="3台のステータスを変更").click()
    expect(phone.get_by_text("3台のステータスを変更しました")).to_be_visible()

    chosen = [first, second, lent_devices[2][0]]
    db.commit()
    statuses = db.scalars(select(Device.status).where(Device.id.in_(chosen))).all()
    assert statuses == ["3.社内にて保管中"] * 3
    people = db.scalars(
        select(Submission.answers["0-1.担当者"].as_string()).where(
            Submission.device_id.in_(chosen), Submission.status == "3.社内にて保管中"
        )
    ).all()
    assert people == ["拠点 一郎"] * 3
    assert db.scalar(select(Device.status).where(Device.id == lent_devices[3][0])) == "1.貸出中"


def test_three_qr_codes_opened_by_a_phones_camera_are_changed_together(
    dashboards_url, browser, lent_devices, db, tmp_path: Path
):
    """The camera opens each QR code as the device's status form (a page load of its own); 「一括変更に追加」 on each
    gathers them on the server, and the bulk page changes the three with one answer set."""
    phone = browser.new_page(viewport=PHONE, locale="ja-JP", is_mobile=True, has_touch=True)
    chosen = [device_id for device_id, _ in lent_devices[:3]]
    sign_in(phone, f"{dashboards_url}/loaners-bulk", "bulkstaff", DEFAULT_PASSWORD, "一括ステータス変更")
    for count, device_id in enumerate(chosen, start=1):
        phone.goto(f"{dashboards_url}/loaners_status_form?device={device_id}")
        settled(phone)
        phone.get_by_role("button", name="一括変更に追加").click()
        expect(phone.get_by_text(f"一括変更に追加済みです（選択中 {count}台）。")).to_be_visible()
    settled(phone)  # a link clicked while the page still runs may be dropped by the rerun
    phone.get_by_role("link", name="一括ステータス変更を開く（選択中 3台）").click()
    expect(phone.get_by_role("heading", name="選択中の機器（3台）")).to_be_visible()
    settled(phone)
    answer_in_house(phone)
    screenshot(phone, tmp_path / "loaners_bulk_camera.png")
    phone.get_by_role("button", name="3台のステータスを変更").click()
    expect(phone.get_by_text("3台のステータスを変更しました")).to_be_visible()
    db.commit()
    assert db.scalars(select(Device.status).where(Device.id.in_(chosen))).all() == ["3.社内にて保管中"] * 3
    assert db.scalar(select(Device.status).where(Device.id == lent_devices[3][0])) == "1.貸出中"
    expect(phone.get_by_role("heading", name="選択中の機器（0台）")).to_be_visible()
