"""代替機 › 一括ステータス変更: devices added by scanning (a QR code's address or a 拠点管理番号), refused all together
when one device's form cannot take the answers (the page names it), then changed each with its own submission."""

from datetime import date

import pytest
from sqlalchemy import func, select

from dashboards.labels import plain
from service.database import session_scope
from service.loaners.models import Device, Submission
from tests.dashboards.conftest import button, open_page, texts
from tests.factories import make_user
from tests.service.loaners.conftest import LENT, answer, initial_data, make_device  # noqa: F401

BULK = "app_pages/loaners/bulk.py"
SCAN = "loaners_bulk_scan"


@pytest.fixture
def staff(db):
    user = make_user(db, "bulkstaff", name="拠点 一郎", grants={"loaners": "staff"})
    db.commit()
    return user


def lent(model_id: str, serial: str) -> tuple[int, str]:
    with session_scope() as db:
        device = make_device(db, model_id=model_id, serial=serial)
        answer(db, device, LENT)
        return device.id, device.management_number


def choose(at, label: str, value):
    widget = next(w for w in [*at.radio, *at.selectbox, *at.date_input] if w.label == label)
    return widget.set_value(value).run()


def test_a_device_that_cannot_take_the_answers_is_named_and_nothing_changes(staff, open_app, db):
    terminal, terminal_number = lent("MODEL_001", "T1")
    printer, printer_number = lent("MODEL_003", "P1")
    at = open_page(open_app, staff, BULK)
    at.text_input(key=SCAN).set_value(f"http://x/loaners_status_form?device={terminal}").run()
    assert texts(at.success) == [f"{plain(terminal_number)} を追加しました（選択中 1台）。"]
    at.text_input(key=SCAN).set_value(printer_number).run()
    at.text_input(key=SCAN).set_value("NO_SUCH_NUMBER").run()
    assert texts(at.error) == [f"「{plain('NO_SUCH_NUMBER')}」の機器が見つかりません。"]
    assert at.text_input(key=SCAN).value == ""
    assert at.dataframe[0].value["拠点管理番号"].tolist() == [terminal_number, printer_number]

    at = choose(at, "0-4.ステータス（必須）", "2.回収後社内保管")
    at = choose(at, "2-1.回収日（必須）", date(2024, 8, 1))
    at = choose(at, "2-2.回収時の状態（必須）", "正常")
    at = choose(at, "2-3.データ消去（必須）", "済み")  # the terminal form's question; the printer's has none
    at = button(at, "2台のステータスを変更").click().run()
    assert plain(f"{printer_number}: フォームにない質問です: 2-3.データ消去") in texts(at.error)
    assert db.scalar(select(func.count()).select_from(Submission)) == 2
    db.commit()

    at.selectbox(key="loaners_bulk_remove").set_value(printer).run()
    at = button(at, "1台のステータスを変更").click().run()
    assert texts(at.success) == ["1台のステータスを変更しました（機器ごとに回答を記録しました）。"]
    changed = db.get(Device, terminal)
    assert changed.status == "2.回収後社内保管"


def test_devices_added_from_the_pages_their_qr_codes_open_are_chosen_on_the_bulk_page(staff, open_app):
    """A phone's camera opens each QR code as a page of its own (a new session): the choice is kept by the service."""
    first, first_number = lent("MODEL_001", "Q1")
    second, second_number = lent("MODEL_001", "Q2")
    for count, device_id in enumerate([first, second], start=1):
        at = open_page(open_app, staff, "app_pages/loaners/status_form.py", device=str(device_id))
        at = button(at, "一括変更に追加").click().run()
        assert f"一括変更に追加済みです（選択中 {count}台）。" in texts(at.success)
    at = open_page(open_app, staff, BULK)
    assert at.dataframe[0].value["拠点管理番号"].tolist() == [first_number, second_number]
    assert [b.label for b in at.button if b.label.endswith("台のステータスを変更")] == ["2台のステータスを変更"]
