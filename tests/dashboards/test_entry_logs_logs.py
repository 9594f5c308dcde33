"""入退管理 › 入退管理ログ: the filter card, 50 a page by time, ↓ green / ↑ orange, deleting a selected row with a
reason (staff softly, 管理者 also for good), the CSV."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import select

from service.entry_logs.models import EntryLog
from tests.dashboards.conftest import button, csv_link_rows, open_page, texts, turn_page
from tests.factories import make_user
from tests.service.entry_logs.conftest import himawari, sakura  # noqa: F401 - fixtures, shared with the other pages' tests
from tests.service.entry_logs.world import World, add_log

LOGS = "app_pages/entry_logs/logs.py"
# 2026-01-14 09:15:00 in Tokyo.
MORNING = datetime(2026, 1, 14, 0, 15, tzinfo=UTC)
GREEN, ORANGE = "#15803d", "#c2410c"


def staff_of(db, world: World, login_id: str = "sakura-staff"):
    user = make_user(db, login_id, grants={"entry_logs": ("staff", str(world.nursery.id))})
    db.commit()
    return user


def table(at) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def pager(at):
    return at.get("pagination")[0]


def arrow_colours(at) -> list[str]:
    """The colour of each shown row's 入/出 cell (column 2), from the Styler's CSS."""
    by_row = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", at.dataframe[0].proto.arrow_data.styler.styles):
        colour = re.search(r"(?<![-\w])color: *(#[0-9a-f]{6})", body)
        for row in re.findall(r"_row(\d+)_col2\b", selectors):
            by_row[int(row)] = colour.group(1) if colour else None
    return [by_row.get(row) for row in range(len(at.dataframe[0].value))]


@pytest.fixture
def month(db, sakura) -> World:  # noqa: F811
    """55 logs: parent 0 enters at 09:15 each morning and parent 1 leaves at 17:15; 5 more for parent 2."""
    p0, p1, p2 = sakura.parents
    for day in range(25):
        at = MORNING + timedelta(days=day)
        add_log(db, sakura, p0, "Entry", at)
        add_log(db, sakura, p1, "Exit", at + timedelta(hours=8))
    for day in range(5):
        add_log(db, sakura, p2, "Entry", MORNING + timedelta(days=day, minutes=5))
    db.commit()
    return sakura


def set_filters(at, **values) -> Any:
    for key, value in values.items():
        widget = at.date_input(key=f"entry_logs_logs_{key}") if key in ("from", "to") else None
        if widget is not None:
            widget.set_value(value)
        elif key == "type":
            at.selectbox(key="entry_logs_logs_type").select(value)
        else:
            at.text_input(key=f"entry_logs_logs_{key}").input(value)
    return button(at, "検索").click().run()


def test_fifty_a_page_newest_first_with_green_and_orange_arrows(db, month, open_app):
    at = open_page(open_app, staff_of(db, month), LOGS)

    assert texts(at.title) == ["入退管理ログ"]
    assert "全55件中 1〜50件目（↓ 入 = 緑、↑ 出 = オレンジ）" in texts(at.caption)
    rows = table(at)
    assert len(rows) == 50
    assert rows[0] == {
        "日時": "2026/02/07 17:15:00",
        "保護者名": "sakura保護者1",
        "入/出": "↑ 出",
        "関連園児": "sakura園児1",
        "保育園名": "さくら保育園",
        "遅延登録": "",
        "備考": "",
    }
    assert rows[1] == {
        "日時": "2026/02/07 09:15:00",
        "保護者名": "sakura保護者0",
        "入/出": "↓ 入",
        "関連園児": "sakura園児0、sakura園児3",
        "保育園名": "さくら保育園",
        "遅延登録": "",
        "備考": "",
    }
    assert arrow_colours(at)[:2] == [ORANGE, GREEN]
    assert (pager(at).value, pager(at).num_pages) == (1, 2)
    assert "表示件数" not in [select.label for select in at.selectbox], "always 50 a page"

    at = turn_page(at, 2)

    assert "全55件中 51〜55件目（↓ 入 = 緑、↑ 出 = オレンジ）" in texts(at.caption)
    assert [row["日時"] for row in table(at)] == [
        "2026/01/15 09:20:00",
        "2026/01/15 09:15:00",
        "2026/01/14 17:15:00",
        "2026/01/14 09:20:00",
        "2026/01/14 09:15:00",
    ]
    assert pager(at).value == 2


def test_oldest_first_on_request(db, month, open_app):
    at = open_page(open_app, staff_of(db, month), LOGS)

    at.radio(key="entry_logs_logs_sort").set_value("timestamp").run()

    oldest = ["2026/01/14 09:15:00", "2026/01/14 09:20:00", "2026/01/14 17:15:00"]
    assert [row["日時"] for row in table(at)][:3] == oldest


def test_filters_apply_on_search_and_go_back_to_page_one(db, month, open_app):
    at = turn_page(open_page(open_app, staff_of(db, month), LOGS), 2)

    at = set_filters(at, type="Exit", parent="保護者1")
    assert "全25件中 1〜25件目（↓ 入 = 緑、↑ 出 = オレンジ）" in texts(at.caption)
    assert {row["入/出"] for row in table(at)} == {"↑ 出"}
    assert set(arrow_colours(at)) == {ORANGE}

    period = {"from": date(2026, 1, 15), "to": date(2026, 1, 16)}
    at = set_filters(at, type="", parent="", child="園児3", **period)
    assert [row["日時"] for row in table(at)] == ["2026/01/16 09:15:00", "2026/01/15 09:15:00"]


def test_a_reversed_period_is_refused_before_asking_the_api(db, month, open_app):
    at = open_page(open_app, staff_of(db, month), LOGS)

    at = set_filters(at, **{"from": date(2026, 1, 20), "to": date(2026, 1, 15)})

    assert texts(at.error) == ["期間の開始が終了より後になっています。"]
    assert len(table(at)) == 50


def admin_of(db):
    user = make_user(db, "el-admin", grants={"entry_logs": "admin"})
    db.commit()
    return user


def select_row(at, row: int):
    """What a click on a row's selection box sends (AppTest cannot click a table): the table's selection state."""
    at.session_state[at.dataframe[0].key] = {"selection": {"rows": [row]}}
    return at.run()


def selected_rows(at) -> list[int]:
    return json.loads(at.dataframe[0].proto.selection_default or "{}").get("selection", {}).get("rows", [])


def test_admins_delete_the_row_they_select_with_a_reason_and_the_choice_follows_the_log(db, month, open_app):
    at = open_page(open_app, admin_of(db), LOGS)
    assert "誤スキャンのログを削除するには、表の左端で行を選択してください。" in texts(at.caption)
    newest = db.scalar(select(EntryLog).order_by(EntryLog.occurred_at.desc()))
    db.commit()

    at = select_row(at, 0)
    assert "2026/02/07 17:15:00 sakura保護者1 ↑ 出" in at.warning[0].value
    add_log(db, month, month.parents[2], "Entry", MORNING + timedelta(days=30))  # a new scan tops the list
    db.commit()
    st.cache_data.clear()  # the page's cached read expires
    at = button(at, "削除する").click().run()
    assert texts(at.error) == ["削除の理由を入力してください。"]
    assert table(at)[1]["日時"] == "2026/02/07 17:15:00" and selected_rows(at) == [1], (
        "the choice is the log, not row 0"
    )
    assert "2026/02/07 17:15:00 sakura保護者1 ↑ 出" in at.warning[0].value
    db.refresh(newest)
    assert newest.deleted_at is None
    db.commit()

    at.text_input(key=f"entry_logs_logs_reason_{newest.id}").input("誤スキャン")
    at = button(at, "削除する").click().run()

    assert texts(at.success) == ["入退ログ（2026/02/07 17:15:00 sakura保護者1 ↑ 出）を削除しました。理由: 誤スキャン"]
    assert "全55件中 1〜50件目（↓ 入 = 緑、↑ 出 = オレンジ）" in texts(at.caption)
    assert "2026/02/07 17:15:00" not in [row["日時"] for row in table(at)] and selected_rows(at) == []
    db.refresh(newest)
    assert (newest.delete_reason, newest.deleted_by) == ("誤スキャン", "el-admin")
    db.commit()


def test_cancel_clears_the_selection_and_admins_may_remove_a_log_for_good(db, month, open_app):
    at = select_row(open_page(open_app, admin_of(db), LOGS), 1)
    at = button(at, "キャンセル").click().run()
    assert not at.warning and selected_rows(at) == []

    at = select_row(at, 1)
    chosen = db.scalar(select(EntryLog).order_by(EntryLog.occurred_at.desc()).offset(1))
    chosen_id = chosen.id
    db.commit()
    at.checkbox(key=f"entry_logs_logs_physical_{chosen_id}").check()
    at.text_input(key=f"entry_logs_logs_reason_{chosen_id}").input("二重登録")
    at = button(at, "削除する").click().run()

    assert texts(at.success) == [
        "入退ログ（2026/02/07 09:15:00 sakura保護者0 ↓ 入）を完全に削除しました。理由: 二重登録"
    ]
    assert db.get(EntryLog, chosen_id, populate_existing=True) is None
    db.commit()


def test_csv_export_holds_every_filtered_log_in_the_chosen_order(db, month, open_app):
    staff = staff_of(db, month)
    at = open_page(open_app, staff, LOGS)
    at = set_filters(at, type="Entry")
    at.radio(key="entry_logs_logs_sort").set_value("timestamp").run()

    rows = csv_link_rows(at, staff)

    assert rows[0] == [
        *("日時", "保護者ID", "保護者名", "入/出", "園児名", "保育園", "端末"),
        *("端末の時刻", "手入力者", "手入力の理由", "登録日時", "遅延登録"),
    ]
    assert len(rows) == 56  # a row per child: parent 0's 25 entries are two rows each, parent 2's 5 one
    assert rows[2][4] == "sakura園児3" and rows[2][0] == rows[1][0]
    assert rows[1] == [
        "2026-01-14 09:15:00",
        str(month.parents[0].id),
        "sakura保護者0",
        "入",
        "sakura園児0",
        "さくら保育園",
        "",
        "",
        "",
        "",
        "2026-01-14 09:15:00",
        "",
    ]
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])


def test_staff_see_only_their_nursery_and_soft_delete_a_row_and_admins_pick_one(db, sakura, himawari, open_app):  # noqa: F811
    add_log(db, sakura, sakura.parents[0], "Entry", MORNING)
    add_log(db, himawari, himawari.parents[0], "Entry", MORNING + timedelta(minutes=1))
    mistaken = add_log(db, sakura, sakura.parents[1], "Exit", MORNING + timedelta(minutes=2))
    admin = make_user(db, "el-admin", grants={"entry_logs": "admin"})
    db.commit()
    mistaken_id = mistaken.id

    staff_view = open_page(open_app, staff_of(db, sakura), LOGS)
    assert [row["保育園名"] for row in table(staff_view)] == ["さくら保育園", "さくら保育園"]
    assert "entry_logs_logs_nursery" not in [s.key for s in staff_view.selectbox]
    staff_view = select_row(staff_view, 0)
    assert "ログ自体は残り、誰がいつ何のために削除したかが記録されます（論理削除）" in staff_view.warning[0].value
    assert not staff_view.checkbox, "only 管理者 may remove a log for good"
    staff_view.text_input(key=f"entry_logs_logs_reason_{mistaken_id}").input("誤スキャン")
    staff_view = button(staff_view, "削除する").click().run()

    assert texts(staff_view.success) == [
        "入退ログ（2026/01/14 09:17:00 sakura保護者1 ↑ 出）を削除しました。理由: 誤スキャン"
    ]
    assert [row["保護者名"] for row in table(staff_view)] == ["sakura保護者0"]
    mistaken = db.get(EntryLog, mistaken_id, populate_existing=True)
    assert (mistaken.delete_reason, mistaken.deleted_by) == ("誤スキャン", "sakura-staff"), "kept, with who and why"
    db.commit()

    at = open_page(open_app, admin, LOGS)
    assert [row["保育園名"] for row in table(at)] == ["ひまわり保育園", "さくら保育園"]
    at.selectbox(key="entry_logs_logs_nursery").select(himawari.nursery.id)
    at = button(at, "検索").click().run()
    assert [row["保護者名"] for row in table(at)] == ["himawari保護者0"]


def test_the_note_says_what_the_stations_clock_read():
    """(Who recorded a log by hand and why: test_staff_re_register_a_missed_entry_at_its_time_...)"""
    from dashboards.app_pages.entry_logs.common import log_note

    assert log_note({"recordedBy": None, "stationTime": "2026-01-14T00:20:11Z"}) == "端末の時計: 2026/01/14 09:20:11"
    assert log_note({"recordedBy": None, "stationTime": None}) == ""


def test_staff_re_register_a_missed_entry_at_its_time_and_it_is_listed_as_manual(db, sakura, open_app):  # noqa: F811
    parent = sakura.parents[1]
    at = open_page(open_app, staff_of(db, sakura), LOGS)
    prefix = "entry_logs_logs_manual_0"
    at.selectbox(key=f"{prefix}_parent").set_value(parent.id)
    at.radio(key=f"{prefix}_type").set_value("Entry")
    at.date_input(key=f"{prefix}_at_day").set_value(date(2026, 1, 14))
    at.time_input(key=f"{prefix}_at_time").set_value(time(8, 5))

    at = button(at, "再登録する").click().run()
    assert texts(at.error) == ["理由を200文字以内で入力してください（必須・改行などの制御文字は使えません）。"]
    at.text_input(key=f"{prefix}_reason").input("スキャン忘れ")
    at = button(at, "再登録する").click().run()

    assert not at.exception, at.exception
    assert texts(at.success) == ["sakura保護者1 さんの「入」を2026/01/14 08:05で再登録しました（手入力）。"]
    assert at.selectbox(key="entry_logs_logs_manual_1_parent").value is None  # the form starts empty again
    [row] = table(at)
    assert (row["日時"], row["保護者名"], row["備考"]) == (
        "2026/01/14 08:05:00",
        "sakura保護者1",
        "手入力（sakura-staff: スキャン忘れ）",
    )
    recorded = db.execute(select(EntryLog.recorded_by, EntryLog.manual_reason)).one()
    assert tuple(recorded) == ("sakura-staff", "スキャン忘れ")
    db.commit()


def test_the_parents_picker_names_people_and_tells_two_of_one_name_apart_by_their_children(db, sakura, open_app):  # noqa: F811
    first, second, third = sakura.parents
    second.name = third.name = first.name
    db.commit()
    at = open_page(open_app, staff_of(db, sakura), LOGS)

    assert at.selectbox(key="entry_logs_logs_manual_0_parent").options == [
        "sakura保護者0（sakura園児0（ひよこ組）、sakura園児3（ひよこ組）の保護者）",
        "sakura保護者0（sakura園児1（うさぎ組）の保護者）",
        "sakura保護者0（sakura園児2（ひよこ組）の保護者）",
    ]
    second.name = "sakura保護者1"
    db.commit()
    at = open_page(open_app, staff_of(db, sakura, "sakura-staff-2"), LOGS)
    assert "sakura保護者1" in at.selectbox(key="entry_logs_logs_manual_0_parent").options  # a name of their own
