"""入退管理 › 延長保育: the month's figures, children and days from the scans with a mid-month change of hours, the CSV
link, and hours set from this month on (the form starts empty again)."""

from datetime import time

from sqlalchemy import select

from service.entry_logs.models import CareHours
from tests.dashboards.conftest import button, csv_link_rows, open_page, texts
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.service.entry_logs.extended_care.test_extended_care import HEADER, january

CARE = "app_pages/entry_logs/extended_care.py"


def test_the_month_per_child_and_per_day_and_hours_set_from_this_month(db, sakura, open_app):  # noqa: F811
    january(db, sakura)
    staff = staff_of(db, sakura)
    at = open_page(open_app, staff, CARE, state={"entry_logs_care_month": "2026-01"})

    assert [metric.label for metric in at.metric] == ["延長保育の園児数", "延長保育時間（分）", "延長保育単位数"]
    # the 22nd without its exit (no 再登録 here)
    assert [metric.value for metric in at.metric] == ["3人", "141分", "11単位"]
    children = at.dataframe[0].value
    assert list(zip(children["園児名"], children["延長保育単位数"], strict=True)) == [
        ("sakura園児0", 6),
        ("sakura園児1", 2),
        ("sakura園児3", 3),
    ]
    assert csv_link_rows(at, staff)[0] == HEADER
    at.selectbox(key="entry_logs_care_day_child").set_value(sakura.children[0].id).run()
    days = at.dataframe[1].value
    assert list(zip(days["日付"], days["入園"], days["退出"], days["単位数"], strict=True)) == [
        ("2026/01/14", "07:10", "18:45", 2),
        ("2026/01/20", "07:50", "18:31", 3),
        ("2026/01/22", "07:55", "", 1),
    ]

    prefix = "entry_logs_care_hours_0"
    at.time_input(key=f"{prefix}_opening").set_value(time(7, 0))
    at.time_input(key=f"{prefix}_closing").set_value(time(19, 0))
    at = button(at, "設定する").click().run()

    assert not at.exception, at.exception
    assert texts(at.success)[0].endswith("から保育時間を07:00〜19:00（30分単位）にしました。")
    assert at.time_input(key="entry_logs_care_hours_1_opening").value is None
    assert len(db.scalars(select(CareHours)).all()) == 3
    db.commit()
