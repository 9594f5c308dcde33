"""代替機: the NORMAL view's columns by status, the device detail's timeline, the status form opened from a QR code."""

import pytest

from dashboards import labels
from service.database import session_scope
from service.loaners import labels as loaner_labels
from service.loaners.models import Device
from tests.dashboards.conftest import button, cell_colours, open_page, texts
from tests.factories import make_user
from tests.service.loaners.conftest import IN_HOUSE, LENT, add_location, answer, initial_data, make_device  # noqa: F401

NORMAL = "app_pages/loaners/devices.py"
DETAIL = "app_pages/loaners/device.py"
FORM = "app_pages/loaners/status_form.py"
BASE = ["拠点管理番号", "機器種別", "機種名", "製造番号", "タイムスタンプ", "0-1.担当者"]


@pytest.fixture
def staff(db):
    user = make_user(db, "loanstaff", grants={"loaners": "staff"})
    db.commit()
    return user


def device_with(answers: dict, serial: str = "ABC123", location_id: str = "osaka") -> tuple[int, str]:
    with session_scope() as db:
        device = make_device(db, location_id=location_id, serial=serial)
        answer(db, device, answers)
        return device.id, device.management_number


def shown_columns(at, number: str) -> list[str]:
    at.text_input(key="loaners_devices_q").input(number).run()
    return list(at.dataframe[0].value.columns)


def test_normal_view_shows_only_the_columns_of_the_status_and_its_nested_status(staff, open_app):
    _, lent = device_with(LENT, "LENT1")
    _, repairing = device_with({**IN_HOUSE, "3-0.社内ステータス": "3.修理中", "3-3-1.修理依頼先": "メーカー"}, "REP1")
    at = open_page(open_app, staff, NORMAL)

    assert shown_columns(at, lent) == [
        *BASE,
        "0-4.ステータス",
        "1-1.貸出先",
        "1-2.貸出日",
        "1-3.ユーザー情報",
        "1-4.ユーザー機の預り有無",
        "1-5.お預かり証No.",
        "預かり機のステータス",
        "0-5.備考",
    ]
    assert shown_columns(at, repairing) == [
        *BASE,
        "0-4.ステータス",
        "3-0.社内ステータス",
        "3-3-1.修理依頼先",
        "3-3-2.修理依頼日",
        "0-5.備考",
    ]
    assert at.dataframe[0].value["3-3-1.修理依頼先"].tolist() == ["メーカー"]


def test_the_form_opened_from_a_qr_code_is_prefilled_and_a_change_joins_the_timeline(staff, open_app):
    device_id, number = device_with(LENT)
    at = open_page(open_app, staff, FORM, device=str(device_id))

    assert at.text_input(key=key_of(at, "0-1.担当者")).value == staff.name  # the signed-in person answers now
    assert at.radio[0].value == "1.貸出中"
    assert "1-1.貸出先（必須）" in [w.label for w in at.text_input]

    at.radio[0].set_value("3.社内にて保管中").run()
    assert "1-1.貸出先（必須）" not in [w.label for w in at.text_input]
    at.selectbox(key=key_of(at, "3-0.社内ステータス")).select("1.貸出可能").run()
    assert "3-1-1.保管場所" in [w.label for w in at.text_input]
    at.text_input(key=key_of(at, "3-1-1.保管場所")).input("倉庫A").run()
    at = button(at, "送信").click().run()

    assert texts(at.success) == [f"{labels.plain(number)} のステータスを送信しました。"]
    detail = open_page(open_app, staff, DETAIL, id=str(device_id))
    timeline = detail.dataframe[0].value
    assert timeline["0-4.ステータス"].tolist() == ["3.社内にて保管中", "1.貸出中"]
    assert cell_colours(detail.dataframe[0], "0-4.ステータス") == ["green", "blue"]
    assert "3-1-1.保管場所: 倉庫A" in timeline["回答"][0]


def test_after_sending_the_form_opens_again_without_the_note_just_sent(staff, open_app):
    """A free-text note is never carried over: not from the record, not from the widgets of the last send."""
    device_id, _ = device_with(LENT | {"0-5.備考": "前回のメモ"})
    at = open_page(open_app, staff, FORM, device=str(device_id))
    note = key_of(at, "0-5.備考")
    assert at.text_area(key=note).value in (None, "")
    assert at.text_input(key=key_of(at, "1-1.貸出先")).value == "○○商事株式会社"  # other answers stay

    for said in ("画面に傷あり", "充電器なし"):
        at.text_area(key=note).input(said).run()
        at = button(at, "送信").click().run()
        assert not texts(at.error)
        assert at.text_area(key=note).value in (None, "")
    detail = open_page(open_app, staff, DETAIL, id=str(device_id))
    assert "0-5.備考: 充電器なし" in detail.dataframe[0].value["回答"][0]


def test_switching_custody_to_none_clears_the_held_status_and_the_form_is_sent(staff, open_app):
    """§2.6.2: 1-4 = 無し empties 預かり機のステータス and greys it out; the answer set is accepted."""
    device_id, _ = device_with({**LENT, "預かり機のステータス": "1.返却可能"})
    at = open_page(open_app, staff, FORM, device=str(device_id))
    assert at.selectbox(key=key_of(at, "預かり機のステータス")).value == "1.返却可能"

    at.selectbox(key=key_of(at, "1-4.ユーザー機の預り有無")).select("無し").run()
    held = at.selectbox(key=key_of(at, "預かり機のステータス"))
    assert (held.value, held.disabled, held.help) == (None, True, loaner_labels.HELD_NOT_ALLOWED)
    at = button(at, "送信").click().run()

    assert not texts(at.error)
    detail = open_page(open_app, staff, DETAIL, id=str(device_id))
    assert len(detail.dataframe[0].value) == 2
    with session_scope() as db:
        assert db.get(Device, device_id).held_status is None


def key_of(at, question_key: str) -> str:
    """The widget key of the question labelled question_key (with or without （必須）)."""
    for widget in [*at.text_input, *at.text_area, *at.selectbox, *at.radio, *at.date_input]:
        if widget.label.removesuffix("（必須）") == question_key:
            return widget.key
    raise AssertionError(f"no widget for {question_key}")
