"""出欠表 by the month: each child's days (staff's records, else the door's 入) and hours from the first 入 to the last
出, the month's totals, and its Excel for the office and the city, set up to print (A4 landscape, one page wide, the
title and header on every page)."""

import io

import pytest
from openpyxl import load_workbook

from service.audit.service import SYSTEM
from service.entry_logs.attendance import service as attendance
from tests.service.entry_logs.world import add_log
from tests.support.clock import japan_time

pytestmark = pytest.mark.dialect


@pytest.fixture
def january(db, sakura, himawari):
    """p0 collects 園児0 and 園児3, p1 園児1; nobody 園児2."""
    p0, p1, _ = sakura.parents
    add_log(db, sakura, p0, "Entry", japan_time(2026, 1, 5, 8, 30))
    add_log(db, sakura, p0, "Exit", japan_time(2026, 1, 5, 12, 0))  # out and back in: first 入 to last 出
    add_log(db, sakura, p0, "Entry", japan_time(2026, 1, 5, 12, 30))
    add_log(db, sakura, p0, "Exit", japan_time(2026, 1, 5, 17, 15))
    add_log(db, sakura, p0, "Entry", japan_time(2026, 1, 6, 9, 0))  # no 出 recorded
    add_log(db, sakura, p1, "Entry", japan_time(2026, 1, 31, 8, 0))
    add_log(db, sakura, p1, "Exit", japan_time(2026, 1, 31, 18, 0))
    add_log(db, sakura, p1, "Entry", japan_time(2026, 2, 1, 0, 30))  # February, Japan time
    add_log(db, sakura, p1, "Entry", japan_time(2025, 12, 31, 23, 59))  # December
    add_log(db, himawari, himawari.parents[0], "Entry", japan_time(2026, 1, 5, 8, 0))
    children = sakura.children
    for child, day, status in ((children[3], 5, "absent"), (children[1], 7, "present")):
        attendance.set_attendance(
            db, child=child, day=japan_time(2026, 1, day).date(), status=status, note="", actor=SYSTEM
        )
    db.commit()
    return sakura


def test_the_month_has_each_childs_days_and_hours(client, staff, january, himawari):
    body = client.get("/api/entry-logs/attendance-month", params={"month": "2026-01"}, headers=staff).json()
    assert (body["month"], body["nurseryName"], len(body["days"])) == ("2026-01", "さくら保育園", 31)
    assert body["headers"][:4] == ["クラス", "園児名", "1(木)", "2(金)"]
    assert body["headers"][-3:] == ["出席日数", "欠席日数", "在園時間"] and len(body["headers"]) == 36
    rows = {row["childName"]: row for row in body["children"]}
    assert list(rows) == ["sakura園児1", "sakura園児0", "sakura園児2", "sakura園児3"]  # by class, then registration
    totals = {name: (r["presentDays"], r["absentDays"], r["minutes"], r["hours"]) for name, r in rows.items()}
    assert totals == {
        "sakura園児0": (2, 0, 525, "8:45"),
        "sakura園児1": (2, 0, 600, "10:00"),
        "sakura園児2": (0, 0, 0, "0:00"),
        "sakura園児3": (1, 1, 0, "0:00"),
    }
    cells = {name: {day["date"][-2:]: day["shown"] for day in r["days"]} for name, r in rows.items()}
    assert cells == {
        "sakura園児0": {"05": "8:45", "06": "出"},
        "sakura園児1": {"07": "出", "31": "10:00"},
        "sakura園児2": {},
        "sakura園児3": {"05": "欠", "06": "出"},
    }
    fifth = rows["sakura園児0"]["days"][0]
    assert (fifth["firstIn"], fifth["lastOut"], fifth["fromDoor"]) == (
        "2026-01-04T23:30:00Z",
        "2026-01-05T08:15:00Z",
        True,
    )
    assert rows["sakura園児1"]["days"][0]["fromDoor"] is False  # staff's record
    query = {"month": "2026-01", "className": "うさぎ組"}
    one_class = client.get("/api/entry-logs/attendance-month", params=query, headers=staff)
    assert [row["childName"] for row in one_class.json()["children"]] == ["sakura園児1"]


def test_the_month_agrees_with_each_days_list(client, staff, january):
    """One definition: a day's 出席 in the month is the day's list's 出席."""
    body = client.get("/api/entry-logs/attendance-month", params={"month": "2026-01"}, headers=staff).json()
    for day in ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-31"):
        listed = client.get("/api/attendance", params={"date": day}, headers=staff).json()["children"]
        by_day = {c["childName"]: (c["attendances"] or [{}])[0].get("status") for c in listed}
        in_month = {
            row["childName"]: next((d["status"] for d in row["days"] if d["date"] == day), None)
            for row in body["children"]
        }
        assert by_day == in_month, day


def test_another_nurserys_month_is_not_found_and_a_bad_month_is_refused(client, staff, january, himawari):
    other = {"month": "2026-01", "nurseryId": himawari.nursery.id}
    assert client.get("/api/entry-logs/attendance-month", params=other, headers=staff).status_code == 404
    assert client.get("/api/entry-logs/attendance-month/export", params=other, headers=staff).status_code == 404
    refused = client.get("/api/entry-logs/attendance-month", params={"month": "2026/01"}, headers=staff)
    assert refused.status_code == 422 and "YYYY-MM" in refused.json()["error"]["message"]


def test_the_months_excel_is_set_up_to_print_and_holds_the_month(client, staff, january):
    for _ in range(2):  # a second download is the same file
        answer = client.get(
            "/api/entry-logs/attendance-month/export", params={"month": "2026-01", "format": "xlsx"}, headers=staff
        )
        assert answer.status_code == 200, answer.text
        sheet = load_workbook(io.BytesIO(answer.content)).active
        assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)  # 9: A4
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1"  # the header on every page
        assert sheet.oddHeader.center.text == "さくら保育園　2026年1月　出欠表"  # above it, on every page
        assert sheet.oddHeader.left.text.startswith("時間: 入から出までの在園時間")
        assert sheet.freeze_panes == "A2"
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        header = rows[0]  # the cells are the table alone, as the CSV's
        assert header[:3] == ["クラス", "園児名", "1(木)"] and header[-4:] == [
            "31(土)",
            "出席日数",
            "欠席日数",
            "在園時間",
        ]
        by_child = {row[1]: row for row in rows[1:]}
        first = by_child["sakura園児0"]
        assert (first[0], first[2 + 4], first[2 + 5], first[-3:]) == ("ひよこ組", "8:45", "出", [2, 0, "8:45"])
        assert by_child["sakura園児3"][2 + 4] == "欠" and by_child["sakura園児1"][2 + 30] == "10:00"
        assert len(by_child) == 4


def test_the_months_csv_is_its_header_and_rows(client, staff, january):
    answer = client.get("/api/entry-logs/attendance-month/export", params={"month": "2026-01"}, headers=staff)
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith('"クラス","園児名","1(木)",') and len(lines) == 5
