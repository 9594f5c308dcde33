"""入退管理 › 園内にいる保護者 at the closing time: 退出記録なし, and staff recording a forgotten exit by parent id, at
the time the parent left (asked for, now unless changed) after a second click."""

from datetime import datetime, time

from sqlalchemy import select

from service.entry_logs.models import EntryLog
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.service.entry_logs.attendance.test_closing import TOKYO, today_at, two_inside_one_left
from tests.service.entry_logs.world import add_log

PRESENT = "app_pages/entry_logs/present.py"


def exit_button(at, parent_id: int):
    return at.button(key=f"entry_logs_present_exit_{parent_id}")


def shown(at) -> list[tuple[str, str]]:
    frame = at.dataframe[0].value
    return list(zip(frame["保護者名"], frame["状態"], strict=True))


def test_after_closing_staff_see_who_has_no_exit_and_record_one_by_parent(db, sakura, open_app):  # noqa: F811
    two_inside_one_left(db, sakura)
    sakura.nursery.closing_time = time(0, 0)  # today's closing time has always passed
    db.commit()
    p0, p1, _ = sakura.parents
    at = open_page(open_app, staff_of(db, sakura), PRESENT)
    assert shown(at) == [("sakura保護者2", "退出記録なし"), ("sakura保護者0", "退出記録なし")]
    assert texts(at.warning) == [
        "閉園時刻（00:00）を過ぎても退出記録のない保護者が2人います。園内にいないことを確かめて「退出を記録」してください。"
    ]
    add_log(db, sakura, p1, "Entry", today_at(0.9))  # a new scan moves every row down before the click
    db.commit()

    at = exit_button(at, p0.id).click().run()
    assert not at.exception, at.exception
    assert "**sakura保護者0** さん" in at.warning[0].value and not at.success  # asked first, nothing written yet
    chosen = at.time_input(key="entry_logs_present_exit_time")
    assert chosen.value == datetime.now(TOKYO).time().replace(second=0, microsecond=0)  # now, unless changed
    left = today_at(0.6).time().replace(second=0, microsecond=0)  # after the entry (0.2), before now
    chosen.set_value(left)

    at = button(at, "この時刻で退出を記録する").click().run()

    assert not at.exception, at.exception
    assert texts(at.success) == [f"sakura保護者0 さんの退出を{left:%H:%M}で記録しました。"]
    assert [name for name, _ in shown(at)] == ["sakura保護者1", "sakura保護者2"]
    recorded = db.execute(
        select(EntryLog.parent_id, EntryLog.recorded_by, EntryLog.occurred_at).where(EntryLog.recorded_by.is_not(None))
    ).one()
    assert recorded[:2] == (p0.id, "sakura-staff")
    assert recorded.occurred_at.astimezone(TOKYO).time() == left
    db.commit()


def test_without_a_closing_time_nobody_is_marked_and_the_page_says_it_is_not_set(db, sakura, open_app):  # noqa: F811
    two_inside_one_left(db, sakura)
    at = open_page(open_app, staff_of(db, sakura), PRESENT)
    assert shown(at) == [("sakura保護者2", ""), ("sakura保護者0", "")]
    assert "閉園時刻は未設定です（「園情報編集」で設定できます）。" in texts(at.caption)
    assert not at.warning
    assert [b.key for b in at.button if b.label == "退出を記録"] == [
        f"entry_logs_present_exit_{sakura.parents[2].id}",
        f"entry_logs_present_exit_{sakura.parents[0].id}",
    ]
