"""「カードを忘れた方」 at the Textual kiosk, driven with Textual's pilot against the live service: staff unlock it with
the nursery's PIN, find a parent by ふりがな or the phone's last 4 digits and record 入/出 by hand, greeted with the
children and kept in the scan history (手入力) as a scan is; closing it forgets the unlock, so the next use asks for the
PIN again; an unlock the service ended asks for it at once."""

import pytest
from textual.widgets import DataTable, Input, Static

from clientkit import station_labels as labels
from scanner_station.app import ForgottenCardScreen, MainScreen, StationApp
from service.audit.service import SYSTEM
from service.database import session_scope
from service.entry_logs.models import Nursery, Parent
from service.entry_logs.roster import service as roster
from tests.scanner_station.conftest import KioskWorld, eventually, recorded_logs, sign_out_stations, store_session
from tests.scanner_station.test_app import SIZE, burst, history, scan, showing, statuses

PIN = "4321"
STAFF = "田中 先生"
TARO_PHONE = "090-1234-5678"


@pytest.fixture
def door(kiosk_world: KioskWorld) -> KioskWorld:
    """さくら保育園 with its PIN, its parents' readings, and 佐藤 太郎's phone."""
    with session_scope() as db:
        roster.set_station_pin(db, nursery=db.get(Nursery, kiosk_world.nursery_id), pin=PIN, actor=SYSTEM)
        hanako, taro = (db.get(Parent, person.id) for person in kiosk_world.parents)
        hanako.name_kana, taro.name_kana, taro.phone = "やまだ はなこ", "さとう たろう", TARO_PHONE
    return kiosk_world


def text_of(app: StationApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def shown(app: StationApp, selector: str) -> bool:
    return app.screen.query_one(selector).display


def history_of(screen: MainScreen) -> list[list[str]]:
    """The scan screen's history under the panel: 保護者名, 入/出, ステータス, newest first."""
    table = screen.query_one("#history", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)][1:] for i in range(table.row_count)]


def people(app: StationApp) -> list[str]:
    """Each person found: the who line, then 園内 or 園外."""
    return [
        f"{row.query_one('.who', Static).content} {row.query_one('.state', Static).content}"
        for row in app.screen.query(".person")
    ]


def type_into(app: StationApp, selector: str, value: str) -> None:
    """What staff type (Japanese through the IME): the field's value."""
    field = app.screen.query_one(selector, Input)
    field.value = value
    field.focus()


async def answered(app: StationApp, pilot) -> None:
    """The panel's request (unlock, search or record) answered and shown: its worker has run to its end."""
    await pilot.pause()
    for worker in [worker for worker in app.workers if worker.group == "forgotten-card"]:
        await worker.wait()
    await pilot.pause()


async def open_panel(app: StationApp, pilot) -> None:
    await pilot.click("#forgotten-open")
    await showing(app, ForgottenCardScreen, "「カードを忘れた方」")
    assert shown(app, "#unlock-form") and not shown(app, "#search-form"), "nothing of the roster before the PIN"
    assert app.focused is app.screen.query_one("#staff-name")


async def unlock(app: StationApp, pilot, pin: str = PIN) -> None:
    type_into(app, "#staff-name", STAFF)
    await pilot.press("enter")
    assert app.focused is app.screen.query_one("#pin")
    await burst(pilot, *pin, "enter")
    await answered(app, pilot)


async def search(app: StationApp, pilot, q: str) -> None:
    type_into(app, "#search", q)
    await pilot.press("enter")
    await answered(app, pilot)


async def record(app: StationApp, pilot, entry_type: str, parent_id: int) -> str:
    """Press 入を記録 or 出を記録 of a person found; the note that says what was recorded."""
    assert await pilot.click(f"#record-{entry_type.lower()}-{parent_id}")
    await answered(app, pilot)
    return text_of(app, "#forgotten-note")


async def test_staff_unlock_find_by_kana_or_phone_and_record_by_hand_and_the_next_use_asks_for_the_pin(
    station_config, door
):
    config = station_config()
    store_session(config, door)
    hanako, taro = door.parents
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await open_panel(app, pilot)
        await unlock(app, pilot, pin="0000")
        assert "暗証番号が正しくありません" in text_of(app, "#forgotten-error")
        assert "あと4回" in text_of(app, "#forgotten-error")
        assert not shown(app, "#search-form") and app.screen.query_one("#pin", Input).value == ""

        await burst(pilot, *PIN, "enter")
        await answered(app, pilot)
        assert (
            shown(app, "#search-form")
            and not shown(app, "#unlock-form")
            and app.focused is app.screen.query_one("#search")
        )
        assert text_of(app, "#forgotten-error") == ""

        await search(app, pilot, "ヤマダ")  # katakana finds the reading stored in hiragana
        assert people(app) == ["山田 花子（保護者）\nやまだ はなこ　山田 太郎ちゃん 園外"]
        done = labels.RECORDED_BY_HAND.format(name=hanako.name, type="入", staff=STAFF)
        assert await record(app, pilot, "Entry", hanako.id) == done
        assert people(app) == [] and app.screen.query_one("#search", Input).value == ""
        main = app.screen_stack[-2]
        assert isinstance(main, MainScreen)
        greeted = labels.greeting("Entry", hanako.name, ["山田 太郎"])
        assert str(main.query_one("#feedback", Static).content) == f"{labels.ENTRY_TYPE_ARROW['Entry']}\n{greeted}"
        by_hand = labels.STATUS_LABEL["by_hand"]
        assert history_of(main) == [["山田 花子", "↓ 入", by_hand]]

        await search(app, pilot, "やまだ")  # a second record: she is inside now, and leaves with a reason of its own
        assert people(app) == ["山田 花子（保護者）\nやまだ はなこ　山田 太郎ちゃん 園内"]
        type_into(app, "#reason", "カードを家に置いてきた")
        done = labels.RECORDED_BY_HAND.format(name=hanako.name, type="出", staff=STAFF)
        assert await record(app, pilot, "Exit", hanako.id) == done
        assert history_of(main) == [["山田 花子", "↑ 出", by_hand], ["山田 花子", "↓ 入", by_hand]]

        await search(app, pilot, "5678")  # the phone's last 4 digits
        assert people(app) == ["佐藤 太郎（保護者）\nさとう たろう　佐藤 次郎ちゃん　電話 …5678 園外"]
        await search(app, pilot, "すずき")
        assert people(app) == [] and text_of(app, "#forgotten-error") == labels.NO_MATCH

        await pilot.press("escape")
        await showing(app, MainScreen, "the scan screen again")
        await eventually(lambda: app.focused is app.screen.query_one("#scan"), "the scan input to take the focus")
        await scan(pilot, *str(taro.id))
        await eventually(lambda: statuses(app) == ["成功", by_hand, by_hand], "a scan after the panel")
        assert history(app)[0][1:] == ["佐藤 太郎", "↓ 入", "成功"]

        await open_panel(app, pilot)  # closing forgot the unlock: the PIN again
        await unlock(app, pilot)
        assert shown(app, "#search-form")
        await search(app, pilot, "さとう")
        assert people(app) == ["佐藤 太郎（保護者）\nさとう たろう　佐藤 次郎ちゃん　電話 …5678 園内"]
        done = labels.RECORDED_BY_HAND.format(name=taro.name, type="出", staff=STAFF)
        assert await record(app, pilot, "Exit", taro.id) == done
        main = app.screen_stack[-2]
        greeted = labels.greeting("Exit", taro.name, ["佐藤 次郎"])
        assert str(main.query_one("#feedback", Static).content) == f"{labels.ENTRY_TYPE_ARROW['Exit']}\n{greeted}"
        await pilot.click("#close")
        await showing(app, MainScreen, "the scan screen after 閉じる")
        assert statuses(app) == [by_hand, "成功", by_hand, by_hand]

    logs = recorded_logs(door.nursery_id)
    assert [(log.parent_id, log.entry_type, log.recorded_by, log.manual_reason, log.decided_by) for log in logs] == [
        (hanako.id, "Entry", STAFF, labels.REASON_DEFAULT, "staff"),
        (hanako.id, "Exit", STAFF, "カードを家に置いてきた", "staff"),
        (taro.id, "Entry", None, None, "presence"),
        (taro.id, "Exit", STAFF, labels.REASON_DEFAULT, "staff"),
    ]


async def test_an_unlock_the_service_ended_asks_for_the_pin_again_and_shows_nothing_of_the_roster(station_config, door):
    config = station_config()
    store_session(config, door)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await open_panel(app, pilot)
        await unlock(app, pilot)
        assert shown(app, "#search-form")
        await search(app, pilot, "やまだ")
        assert len(people(app)) == 1

        sign_out_stations(door.nursery_id)  # 園情報編集's 全端末をログアウト: the unlock goes with the station
        await search(app, pilot, "さとう")
        assert shown(app, "#unlock-form") and not shown(app, "#search-form")
        assert people(app) == [] and text_of(app, "#forgotten-error")
        assert app.focused is app.screen.query_one("#pin")

        await unlock(app, pilot)  # the station's own token is refused too: staff log the station in again first
        assert text_of(app, "#forgotten-error") and not shown(app, "#search-form")
    assert recorded_logs(door.nursery_id) == []


async def test_a_nursery_without_a_pin_and_a_service_out_of_reach_say_so(station_config, kiosk_world, dead_url):
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await open_panel(app, pilot)
        await unlock(app, pilot)
        assert (
            text_of(app, "#forgotten-error")
            == "暗証番号が設定されていません。管理画面の「園情報編集」で設定してください"
        )

        app.station.client.point_at(dead_url)
        await burst(pilot, *PIN, "enter")
        await answered(app, pilot)
        assert text_of(app, "#forgotten-error") == labels.SERVER_UNREACHABLE
        assert app.station.online is False and not shown(app, "#search-form")
