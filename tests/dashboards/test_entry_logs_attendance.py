"""入退管理 › 出欠表管理 and 園内にいる保護者: 送り迎え時刻 with their tooltips, recording attendance, the live list."""

import html
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.audit.service import SYSTEM
from service.entry_logs.attendance import service as attendance
from service.entry_logs.models import Parent
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_entry_logs_logs import himawari, sakura, staff_of  # noqa: F401 - fixtures
from tests.service.entry_logs.world import World, add_log

ATTENDANCE = "app_pages/entry_logs/attendance.py"
PRESENT = "app_pages/entry_logs/present.py"
TOKYO = ZoneInfo("Asia/Tokyo")
DAY = date(2026, 1, 14)
GREEN, ORANGE = "#15803d", "#c2410c"


def at_tokyo(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=TOKYO)


@pytest.fixture
def day_of_pickups(db, sakura) -> World:  # noqa: F811
    """園児0 brought at 09:15:32 and collected at 15:30:15; 園児1 has two parents and six records; 園児2 is absent."""
    p0, p1, _ = sakura.parents
    child0, child1, child2, _ = sakura.children
    p2 = Parent(nursery_id=sakura.nursery.id, name="sakura祖母", phone="")
    child1.parents.append(p2)
    db.flush()
    add_log(db, sakura, p0, "Exit", at_tokyo(DAY - timedelta(days=1), "16:00:00"))
    add_log(db, sakura, p0, "Entry", at_tokyo(DAY, "09:15:32"))
    add_log(db, sakura, p0, "Exit", at_tokyo(DAY, "15:30:15"))
    for parent, clock, kind in (
        (p1, "08:50:00", "Entry"),
        (p1, "09:00:00", "Exit"),
        (p1, "12:00:00", "Entry"),
        (p1, "12:10:00", "Exit"),
        (p2, "16:00:00", "Entry"),
        (p2, "17:45:05", "Exit"),
    ):
        add_log(db, sakura, parent, kind, at_tokyo(DAY, clock))
    attendance.set_attendance(db, child=child2, day=DAY, status="absent", note="風邪のため", actor=SYSTEM)
    attendance.set_attendance(db, child=child0, day=DAY, status="present", note="", actor=SYSTEM)
    db.commit()
    return sakura


def attendance_rows(at) -> dict[str, dict]:
    """Each child's row of the attendance table: cells, the coloured marks and the tooltip's lines."""
    [table] = [element for element in at.get("html") if "<table" in element.proto.body]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.proto.body, re.DOTALL)[1:]:
        cells = re.findall(r"<td>(.*?)</td>", row)
        tip = re.search(r'<span class="el-tip" role="tooltip">(.*?)</span></span>', cells[3])
        rows[cells[0]] = {
            "class": cells[1],
            "status": re.sub(r"<[^>]+>", "", cells[2]),
            "marks": re.findall(r'<div class="el-mark" style="color: (#\w+)">(.*?)</div>', cells[3]),
            "tooltip": re.findall(r"<div[^>]*>(.*?)</div>", tip.group(1)) if tip else [],
            "note": cells[4],
            "flag": re.findall(r'<div class="el-flag">(.*?)</div>', cells[3]),
        }
    return rows


def open_day(open_app, user, day: date = DAY):
    at = open_page(open_app, user, ATTENDANCE)
    at.date_input(key="entry_logs_attendance_date").set_value(day).run()
    return at


def test_pickup_times_show_the_latest_of_each_in_colour_with_the_days_records_on_hover(db, day_of_pickups, open_app):
    at = open_day(open_app, staff_of(db, day_of_pickups))

    rows = attendance_rows(at)
    assert list(rows) == ["sakura園児1", "sakura園児0", "sakura園児2", "sakura園児3"]
    assert rows["sakura園児0"] == {
        "class": "ひよこ組",
        "status": "出席",
        "marks": [(GREEN, "↓ 09:15"), (ORANGE, "↑ 15:30")],
        "tooltip": ["送り迎え履歴:", "保護者: sakura保護者0", "09:15:32 入（登園）", "15:30:15 出（降園）"],
        "note": "",
        "flag": [],
    }
    assert rows["sakura園児1"]["marks"] == [(GREEN, "↓ 16:00"), (ORANGE, "↑ 17:45")]
    assert rows["sakura園児1"]["tooltip"] == [
        "送り迎え履歴:",
        "（全6件中 最新5件）",
        "保護者: sakura保護者1",
        "09:00:00 出（降園）",
        "12:00:00 入（登園）",
        "12:10:00 出（降園）",
        "保護者: sakura祖母",
        "16:00:00 入（登園）",
        "17:45:05 出（降園）",
    ]
    assert rows["sakura園児2"] == {
        "class": "ひよこ組",
        "status": "欠席",
        "marks": [],
        "tooltip": [],
        "note": "風邪のため",
        "flag": [],
    }
    assert rows["sakura園児3"]["status"] == "出席（入のスキャンから）"  # no record by staff: its parent's 入 says
    assert rows["sakura園児3"]["marks"] == [(GREEN, "↓ 09:15"), (ORANGE, "↑ 15:30")]


def test_what_people_typed_is_shown_as_typed_never_as_markup(db, day_of_pickups, open_app):
    typed = "<img src=x onerror=alert(1)>&amp;"
    parent, child = day_of_pickups.parents[0], day_of_pickups.children[0]
    parent.name = typed  # in the tooltip
    attendance.set_attendance(db, child=child, day=DAY, status="present", note=typed, actor=SYSTEM)
    db.commit()

    at = open_day(open_app, staff_of(db, day_of_pickups))

    [table] = [element.proto.body for element in at.get("html") if "<table" in element.proto.body]
    row = attendance_rows(at)["sakura園児0"]
    assert "<img" not in table
    assert (html.unescape(row["note"]), html.unescape(row["tooltip"][1])) == (typed, f"保護者: {typed}")


def test_a_class_shows_only_its_children(db, day_of_pickups, open_app):
    at = open_day(open_app, staff_of(db, day_of_pickups))

    at.selectbox(key="entry_logs_attendance_class").select("うさぎ組").run()

    assert list(attendance_rows(at)) == ["sakura園児1"]


def test_recording_attendance_shows_in_the_table(db, day_of_pickups, open_app):
    at = open_day(open_app, staff_of(db, day_of_pickups))
    child3 = day_of_pickups.children[3]

    at.selectbox(key="entry_logs_attendance_record_0_child").select(child3.id)
    at.radio(key="entry_logs_attendance_record_0_status").set_value("absent")
    at.text_input(key="entry_logs_attendance_record_0_note").input("通院")
    at = button(at, "記録する").click().run()

    assert texts(at.success) == ["sakura園児3の01/14の出席状態を「欠席」にしました。"]
    assert {k: v for k, v in attendance_rows(at)["sakura園児3"].items() if k in ("status", "note", "flag")} == {
        "status": "欠席",
        "note": "通院",
        "flag": ["欠席登録あり"],  # its parent (also 園児0's) came and went: the times are not 園児3's
    }


def test_another_nurserys_children_never_appear(db, day_of_pickups, himawari, open_app):  # noqa: F811
    add_log(db, himawari, himawari.parents[0], "Entry", at_tokyo(DAY, "09:00:00"))
    db.commit()

    at = open_day(open_app, staff_of(db, himawari, "himawari-staff"))

    assert all(name.startswith("himawari") for name in attendance_rows(at))
    assert "sakura" not in " ".join(html.proto.body for html in at.get("html"))


def today_at(fraction: float) -> datetime:
    """A moment earlier today (Japan time): the given fraction of the time since midnight."""
    now = datetime.now(TOKYO)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + (now - midnight) * fraction


def test_present_parents_lists_who_came_in_and_has_not_left(db, sakura, himawari, open_app):  # noqa: F811
    p0, p1, p2 = sakura.parents
    entered = today_at(0.2)
    add_log(db, sakura, p0, "Entry", entered)
    add_log(db, sakura, p1, "Entry", today_at(0.3))
    add_log(db, sakura, p1, "Exit", today_at(0.4))
    add_log(db, sakura, p2, "Entry", today_at(0.5))
    add_log(db, himawari, himawari.parents[0], "Entry", today_at(0.5))
    db.commit()

    at = open_page(open_app, staff_of(db, sakura), PRESENT)

    assert [(m.label, m.value) for m in at.metric] == [("園内にいる保護者", "2人")]
    shown = at.dataframe[0].value
    assert shown["保護者名"].tolist() == ["sakura保護者2", "sakura保護者0"]
    assert shown["園児"].tolist() == ["sakura園児2", "sakura園児0、sakura園児3"]
    assert shown["入園時刻"].tolist()[1] == f"{entered:%H:%M:%S}"


def test_the_next_refresh_shows_a_new_scan_the_list_is_never_cached(db, sakura, open_app):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), PRESENT)
    assert texts(at.info) == ["いま園内にいる保護者はいません。"]

    add_log(db, sakura, sakura.parents[1], "Entry", today_at(0.5))
    db.commit()
    at.run()

    assert [m.value for m in at.metric] == ["1人"]
