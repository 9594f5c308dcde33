"""代替機 pages: one search box on NORMAL and AUDIT, AUDIT as the history of submissions (filters, a row opens its
device), a whole-list CSV link on NORMAL, AUDIT and SUMMARY, and dates as loaners.md §7 writes them."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from service.database import session_scope
from tests.dashboards.conftest import click_row, csv_link_rows, open_page
from tests.factories import make_user
from tests.service.loaners.conftest import IN_HOUSE, LENT, answer, initial_data, make_device  # noqa: F401

NORMAL = "app_pages/loaners/devices.py"
AUDIT = "app_pages/loaners/audit.py"
SUMMARY = "app_pages/loaners/summary.py"
AT = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)
SPEC_TIME = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}")


@pytest.fixture
def devices() -> dict[str, int]:
    """Osaka: a laptop in house then lent to 株式会社サンプル物流 (held), a printer in house."""
    with session_scope() as db:
        lent, printer = make_device(db, serial="SN-1"), make_device(db, model_id="MODEL_003", serial="PR-1")
        answer(db, lent, IN_HOUSE, at=AT - timedelta(days=2))
        answer(db, lent, LENT | {"1-1.貸出先": "株式会社サンプル物流", "預かり機のステータス": "1.返却可能"}, at=AT)
        answer(db, printer, IN_HOUSE, at=AT)
        return {"lent": lent.id, "printer": printer.id}


def staff(db):
    person = make_user(db, "loanstaff", grants={"loaners": ("staff", None)})
    db.commit()
    return person


def test_normal_finds_a_device_by_its_customer(db, open_app, devices):
    at = open_page(open_app, staff(db), NORMAL)
    at.text_input(key="loaners_devices_q").input("サンプル").run()
    assert at.dataframe[0].value["製造番号"].tolist() == ["SN-1"]


def test_audit_lists_the_submissions_filters_them_and_a_row_opens_the_device(db, open_app, devices):
    person = staff(db)
    at = open_page(open_app, person, AUDIT)
    frame = at.dataframe[0].value
    assert frame["製造番号"].tolist() == ["PR-1", "SN-1", "SN-1"]  # newest first: one row per submission
    assert all(SPEC_TIME.fullmatch(stamp) for stamp in frame["タイムスタンプ"])
    at.selectbox(key="loaners_audit_status").select("3.社内にて保管中").run()
    at.date_input(key="loaners_audit_to").set_value(datetime(2026, 3, 9).date()).run()
    frame = at.dataframe[0].value
    assert (frame["製造番号"].tolist(), frame["タイムスタンプ"].tolist()) == (["SN-1"], ["2026/03/08 00:30:00"])
    rows = csv_link_rows(at, person)
    assert len(rows) - 1 == 1 and rows[1][0] == "2026-03-08 00:30:00"  # the file's time, a date in a spreadsheet
    at.text_input(key="loaners_audit_q").input("該当なし").run()
    assert not at.dataframe

    at = open_page(open_app, person, AUDIT)
    at.text_input(key="loaners_audit_q").input("サンプル物流").run()
    click_row(at, 0)
    assert [t.value for t in at.title] == ["機器詳細"] and at.query_params["id"] == str(devices["lent"])


def test_every_view_links_its_whole_csv(db, open_app, devices):
    person = staff(db)
    for page, listed in ((NORMAL, 2), (AUDIT, 3), (SUMMARY, 1)):
        at = open_page(open_app, person, page)
        assert len(csv_link_rows(at, person)) - 1 == listed, page


def test_the_device_page_writes_times_as_the_spec_does(db, open_app, devices):
    at = open_page(open_app, staff(db), "app_pages/loaners/device.py", id=str(devices["lent"]))
    assert at.dataframe[0].value["タイムスタンプ"].tolist() == ["2026/03/10 00:30:00", "2026/03/08 00:30:00"]
    assert any("2026/03/10 00:30:00" in caption.value for caption in at.caption)
