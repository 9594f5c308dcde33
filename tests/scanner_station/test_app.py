"""The kiosk driven with Textual's pilot against the live service."""

import asyncio
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import textual.app
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Static

from clientkit import station_labels as labels
from scanner_station.app import LoginScreen, MainScreen, StationApp
from scanner_station.station import Station
from service.config import get_settings
from tests.scanner_station.conftest import (
    STATION_PASSWORD,
    buttons_decide,
    eventually,
    recorded_logs,
    sign_out_stations,
    store_session,
)

SIZE = (120, 40)


async def burst(pilot: Pilot, *keys: str) -> None:
    """Keys in a row, as a scanner sends a scan (or a person a field), the screen waited for once they are all sent.
    Pilot.press alone waits after every key until the whole test process idles, live API included: 40-90 ms a key,
    which was most of this module's time."""

    async def next_key(*_: float) -> None:
        await asyncio.sleep(0)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textual.app, "wait_for_idle", next_key)  # what Textual's key loop awaits between keys
        await pilot.press(*keys)


async def log_in(pilot: Pilot, code: str, password: str) -> None:
    await pilot.click("#code")
    await burst(pilot, *code)
    await pilot.click("#password")
    await burst(pilot, *password, "enter")


async def scan(pilot: Pilot, *keys: str) -> None:
    """What a keyboard-mode scanner does: the characters, then Enter."""
    await burst(pilot, *keys, "enter")


async def showing(app: StationApp, screen: type, what: str) -> None:
    await eventually(lambda: isinstance(app.screen, screen) and app.screen.is_mounted, what)


def text_of(app: StationApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def login_enabled(app: StationApp) -> bool:
    """The login button is back (the answer to the last try has come)."""
    return not app.screen.query_one("#login", Button).disabled


def history(app: StationApp) -> list[list[str]]:
    table = app.screen.query_one("#history", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def statuses(app: StationApp) -> list[str]:
    return [row[3] for row in history(app)]


def relogin_banner_shown(app: StationApp) -> bool:
    return isinstance(app.screen, MainScreen) and app.screen.query_one("#relogin-banner").display


def full_width(text: str) -> str:
    """Digits as a scanner types them with the IME on (１２３)."""
    return text.translate({ord(digit): ord(digit) + 0xFF10 - ord("0") for digit in "0123456789"})


@pytest.fixture
def feedback_kinds(monkeypatch) -> list[str]:
    """Every feedback the scan screen gives (ok, error, pending), in order."""
    kinds: list[str] = []
    feedback = MainScreen.feedback

    def recording(screen: MainScreen, message: str, kind: str) -> None:
        kinds.append(kind)
        feedback(screen, message, kind)

    monkeypatch.setattr(MainScreen, "feedback", recording)
    return kinds


async def log_in_again(app: StationApp, pilot: Pilot, code: str) -> None:
    """From the banner: the code is filled in and fixed, the password has the focus."""
    await pilot.pause()  # the banner that has just come is laid out before it is clicked
    assert await pilot.click("#relogin"), "the click lands on the banner's button"
    await showing(app, LoginScreen, "the login screen from the banner")
    code_input = app.screen.query_one("#code", Input)
    assert (code_input.value, code_input.disabled) == (code, True)
    assert app.focused is app.screen.query_one("#password")
    await burst(pilot, *STATION_PASSWORD, "enter")
    await showing(app, MainScreen, "the scan screen after logging in again")


# Login ---------------------------------------------------------------------------------------------------------------


async def test_wrong_password_shows_the_attempts_left(station_config, kiosk_world):
    app = StationApp(station_config())
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, kiosk_world.code, "wrong-password")
        await eventually(lambda: text_of(app, "#login-error"), "the login error")
        assert "保育園コードまたはパスワードが正しくありません" in text_of(app, "#login-error")
        assert "あと4回" in text_of(app, "#login-error")
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#password", Input).value == ""
        assert app.station.session is None


async def test_locked_login_says_how_long_until_unlock(station_config, kiosk_world):
    app = StationApp(station_config())
    async with app.run_test(size=SIZE) as pilot:
        for attempt in range(1, 6):
            await log_in(pilot, "" if attempt > 1 else kiosk_world.code, f"wrong-{attempt}")
            await eventually(
                lambda: login_enabled(app) and text_of(app, "#login-error"), f"the answer to attempt {attempt}"
            )
        await pilot.click("#password")
        await burst(pilot, *STATION_PASSWORD, "enter")
        await eventually(lambda: login_enabled(app), "the answer to the right password")
        assert isinstance(app.screen, LoginScreen), "a locked code must not log in, even with the right password"
        assert "ロック" in text_of(app, "#login-error")
        assert "あと10分後" in text_of(app, "#login-error")


async def test_password_can_be_shown_and_hidden(station_config, kiosk_world):
    app = StationApp(station_config())
    async with app.run_test(size=SIZE) as pilot:
        password = app.screen.query_one("#password", Input)
        toggle = app.screen.query_one("#toggle-password", Button)
        assert password.password is True
        await pilot.click("#toggle-password")
        assert password.password is False
        assert str(toggle.label) == labels.HIDE_PASSWORD
        await eventually(lambda: not toggle.has_class("-active"), "the button to take presses again")
        await pilot.click("#toggle-password")
        assert password.password is True
        assert str(toggle.label) == labels.SHOW_PASSWORD


async def test_login_opens_the_scan_screen_and_a_restart_skips_the_login(station_config, kiosk_world):
    config = station_config()
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, kiosk_world.code, STATION_PASSWORD)
        await showing(app, MainScreen, "the scan screen")
        assert text_of(app, "#nursery-name") == "さくら保育園"
        await eventually(lambda: app.focused is app.screen.query_one("#scan"), "the scan input to take the focus")
    assert stat.S_IMODE(config.database_path.stat().st_mode) == 0o600

    restarted = StationApp(config)
    async with restarted.run_test(size=SIZE):
        assert isinstance(restarted.screen, MainScreen)
        assert text_of(restarted, "#nursery-name") == "さくら保育園"


async def test_news_arriving_while_the_scan_screen_is_torn_down_is_dropped(station_config, kiosk_world):
    """A heartbeat's answer can land while the app closes: the screen still counts as mounted, its widgets are gone."""
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE):
        await showing(app, MainScreen, "the scan screen")
        await app.screen.query_one("#connection", Static).remove()
        app.connection_changed(False)
        assert isinstance(app.screen, MainScreen) and app.screen.is_mounted


async def test_logout_returns_to_the_login_and_forgets_the_token(station_config, kiosk_world):
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#logout")
        await showing(app, LoginScreen, "the login screen")
    after = Station(config)
    assert after.session is None
    await after.close()


# The scan screen ---------------------------------------------------------------------------------------------------


def toggle_off(app: StationApp) -> bool:
    """自動: neither 入 nor 出 lit, neither button nor key can choose one, and the keys' hint is gone."""
    buttons = [app.screen.query_one(selector, Button) for selector in ("#entry", "#exit")]
    return (
        not any(button.has_class("-selected") for button in buttons)
        and all(button.disabled for button in buttons)
        and not app.screen.query_one("#toggle-keys").display
    )


async def test_the_toggle_switches_between_entry_and_exit(station_config, kiosk_world):
    config = station_config()
    buttons_decide(kiosk_world)
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        entry, exit_ = app.screen.query_one("#entry"), app.screen.query_one("#exit")
        assert entry.has_class("-selected") and not exit_.has_class("-selected")
        await pilot.click("#exit")
        assert exit_.has_class("-selected") and not entry.has_class("-selected")
        assert app.screen.entry_type == "Exit"
        await pilot.click("#entry")
        assert entry.has_class("-selected") and not exit_.has_class("-selected")
        assert app.screen.entry_type == "Entry"


async def test_f1_and_f2_switch_entry_and_exit_from_the_keyboard_while_the_scanner_types(station_config, kiosk_world):
    config = station_config()
    buttons_decide(kiosk_world)
    store_session(config, kiosk_world)
    hanako = kiosk_world.parents[0]
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        assert str(app.screen.query_one("#entry", Button).label) == "入（F1）"
        assert str(app.screen.query_one("#exit", Button).label) == "出（F2）"
        assert text_of(app, "#toggle-keys") == "キーボードの F1 で「入」、F2 で「出」に切り替えます"
        await pilot.press("f2")
        assert app.screen.entry_type == "Exit" and app.screen.query_one("#exit").has_class("-selected")
        assert app.screen.focused is app.screen.query_one("#scan")  # the scanner still types into the scan input
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: statuses(app) == ["成功"], "the exit to be recorded")
        await pilot.press("f2")  # choosing 出 again keeps it
        await pilot.press("f1")
        assert app.screen.entry_type == "Entry" and app.screen.query_one("#entry").has_class("-selected")
    assert [log.entry_type for log in recorded_logs(kiosk_world.nursery_id)] == ["Exit"]
    kept = Station(config)
    assert kept.entry_type == "Entry"  # kept for the next start
    await kept.close()


async def test_the_chosen_exit_survives_a_restart(station_config, kiosk_world):
    config = station_config()
    buttons_decide(kiosk_world)
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#exit")

    restarted = StationApp(config)
    async with restarted.run_test(size=SIZE) as pilot:
        assert restarted.screen.entry_type == "Exit"
        assert restarted.screen.query_one("#exit").has_class("-selected")
        assert not restarted.screen.query_one("#entry").has_class("-selected")
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await eventually(lambda: statuses(restarted) == ["成功"], "the scan to be recorded")
        assert text_of(restarted, "#feedback") == "↑ 出\n山田 花子さん。\nお疲れ様でした。\n（山田 太郎ちゃん）"
    assert [log.entry_type for log in recorded_logs(kiosk_world.nursery_id)] == ["Exit"]


async def test_a_scan_is_recorded_with_a_greeting_and_a_green_flash(station_config, kiosk_world):
    config = station_config()
    buttons_decide(kiosk_world)
    store_session(config, kiosk_world)
    hanako, taro = kiosk_world.parents
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: statuses(app) == ["成功"], "the first scan to be recorded")
        assert text_of(app, "#feedback") == "↓ 入\n山田 花子さん。\nおはようございます。\n（山田 太郎ちゃん）"
        assert app.screen.has_class("-flash-ok")
        assert history(app)[0][1:] == ["山田 花子", "↓ 入", "成功"]

        await pilot.click("#exit")
        await scan(pilot, *str(taro.id))
        await eventually(lambda: statuses(app) == ["成功", "成功"], "the second scan to be recorded")
        assert text_of(app, "#feedback") == "↑ 出\n佐藤 太郎さん。\nお疲れ様でした。\n（佐藤 次郎ちゃん）"
        assert history(app)[0][1:] == ["佐藤 太郎", "↑ 出", "成功"]

    logs = recorded_logs(kiosk_world.nursery_id)
    assert [(log.parent_id, log.entry_type, log.station_id) for log in logs] == [
        (hanako.id, "Entry", "gate-1"),
        (taro.id, "Exit", "gate-1"),
    ]
    assert all(log.client_scan_id for log in logs)


async def test_the_kiosk_shows_the_type_the_service_recorded_and_the_mode_it_learnt(
    station_config, kiosk_world, monkeypatch
):
    """自動 (the default): the person's state decides (入, then 出 for the same parent) and the toggle lights neither,
    before or after, and F2 chooses nothing; once the nursery is set to 手動 the next answer tells the kiosk, its 入
    lights, and F2's 出 is recorded."""
    monkeypatch.setattr(get_settings(), "entry_logs_double_scan_seconds", 0)  # her exit follows her entry at once
    config = station_config()
    store_session(config, kiosk_world)
    hanako, taro = kiosk_world.parents
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        assert text_of(app, "#mode-hint") == labels.ENTRY_MODE_HINT["auto"]
        assert toggle_off(app)
        await pilot.press("f2")
        assert toggle_off(app) and app.screen.entry_type == "Entry"
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: statuses(app) == ["成功"], "the scan to be recorded")
        assert text_of(app, "#feedback") == "↓ 入\n山田 花子さん。\nおはようございます。\n（山田 太郎ちゃん）"
        assert history(app)[0][1:] == ["山田 花子", "↓ 入", "成功"]
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: statuses(app) == ["成功", "成功"], "her exit to be recorded")
        assert history(app)[0][1:] == ["山田 花子", "↑ 出", "成功"]
        assert toggle_off(app)  # the 出 it recorded by itself lights no 入

        buttons_decide(kiosk_world)
        await scan(pilot, *str(taro.id))
        await eventually(lambda: len(statuses(app)) == 3 and statuses(app)[0] == "成功", "the third scan recorded")
        assert history(app)[0][1:] == ["佐藤 太郎", "↓ 入", "成功"]
        assert text_of(app, "#mode-hint") == labels.ENTRY_MODE_HINT["manual"]
        entry, exit_ = app.screen.query_one("#entry", Button), app.screen.query_one("#exit", Button)
        assert entry.has_class("-selected") and not exit_.has_class("-selected") and not entry.disabled
        await pilot.press("f2")
        assert exit_.has_class("-selected") and not entry.has_class("-selected")
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: len(statuses(app)) == 4 and statuses(app)[0] == "成功", "the fourth scan recorded")
        assert history(app)[0][1:] == ["山田 花子", "↑ 出", "成功"]
    logs = recorded_logs(kiosk_world.nursery_id)
    assert [(log.entry_type, log.decided_by) for log in logs] == [
        ("Entry", "presence"),
        ("Exit", "presence"),
        ("Entry", "toggle"),
        ("Exit", "toggle"),
    ]


async def test_the_greeting_and_the_flash_end_by_themselves(station_config, kiosk_world):
    config = station_config(flash_seconds=0.2, greeting_seconds=0.3)
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await eventually(lambda: statuses(app) == ["成功"], "the scan to be recorded")
        await eventually(lambda: text_of(app, "#feedback") == labels.SCAN_PROMPT, "the prompt to come back")
        assert not app.screen.has_class("-flash-ok")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (("1", "2", "a", "4"), labels.SCAN_NOT_DIGITS),
        (tuple("12345678901"), labels.SCAN_TOO_LONG.format(n=11)),
        (tuple(full_width("12345678901")), labels.SCAN_TOO_LONG.format(n=11)),
        (("1", "2", "ctrl+right_square_bracket", "3"), labels.SCAN_CONTROL_CHARACTERS),
    ],
    ids=["letters", "eleven-digits", "eleven-full-width-digits", "group-separator"],
)
async def test_bad_input_flashes_red_says_why_and_sends_nothing(station_config, kiosk_world, keys, message):
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *keys)
        await pilot.pause()
        assert text_of(app, "#feedback") == message
        assert app.screen.has_class("-flash-error")
        assert app.screen.query_one("#feedback").has_class("-error")
        assert history(app) == []
        assert app.screen.query_one("#scan", Input).value == ""
        assert app.focused is app.screen.query_one("#scan")
        # The next clean scan is not tainted by the bad one.
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await eventually(lambda: statuses(app) == ["成功"], "the next scan to be recorded")
    assert [log.parent_id for log in recorded_logs(kiosk_world.nursery_id)] == [kiosk_world.parents[0].id]


@pytest.mark.parametrize(
    "suffix",
    [("enter", "ctrl+j"), ("ctrl+j",), ("tab",), ("enter",)],
    ids=["cr-lf", "lf", "tab", "full-width-cr"],
)
async def test_every_scanner_suffix_ends_a_scan_without_an_error(station_config, kiosk_world, feedback_kinds, suffix):
    """CR+LF, LF and Tab each end a scan ("38<Tab>39<Tab>" is two); the empty scan after CR+LF is ignored."""
    config = station_config()
    store_session(config, kiosk_world)
    hanako, taro = kiosk_world.parents
    ids = [str(hanako.id), str(taro.id)]
    typed = [full_width(parent_id) if suffix == ("enter",) else parent_id for parent_id in ids]
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*typed[0], *suffix, *typed[1], *suffix)
        await eventually(lambda: statuses(app) == ["成功", "成功"], "both scans to be recorded")
        assert [row[1] for row in history(app)] == ["佐藤 太郎", "山田 花子"]
        assert text_of(app, "#feedback") == "↓ 入\n佐藤 太郎さん。\nおはようございます。\n（佐藤 次郎ちゃん）"
        assert app.screen.query_one("#scan", Input).value == ""
    assert "error" not in feedback_kinds
    assert [log.parent_id for log in recorded_logs(kiosk_world.nursery_id)] == [hanako.id, taro.id]


async def test_an_empty_scan_is_ignored_silently(station_config, kiosk_world, feedback_kinds):
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "space", "enter", "ctrl+j", "tab")
        await pilot.pause()
        assert text_of(app, "#feedback") == labels.SCAN_PROMPT
        assert history(app) == []
        assert app.focused is app.screen.query_one("#scan")
    assert feedback_kinds == []


async def test_unknown_and_other_nurserys_parents_are_not_found(station_config, kiosk_world):
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *"987654")
        held = labels.HELD_REASON.format(reason=labels.PARENT_NOT_FOUND)
        await eventually(lambda: statuses(app) == [held], "the unknown parent's row held with the reason")
        assert text_of(app, "#feedback") == labels.PARENT_NOT_FOUND
        assert app.screen.has_class("-flash-error")
        assert history(app)[0][1] == "ID 987654"

        await scan(pilot, *str(kiosk_world.other_nursery_parent.id))
        await eventually(lambda: statuses(app) == [held, held], "the other nursery's parent's row held")
        assert text_of(app, "#feedback") == labels.PARENT_NOT_FOUND
        assert app.station.pending_count() == 0
    assert recorded_logs(kiosk_world.nursery_id) == []


async def test_a_second_scan_within_ten_seconds_is_a_double_scan(station_config, kiosk_world):
    config = station_config()
    store_session(config, kiosk_world)
    parent_id = str(kiosk_world.parents[0].id)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *parent_id)
        await eventually(lambda: statuses(app) == ["成功"], "the first scan")
        await scan(pilot, *parent_id)
        await eventually(lambda: statuses(app) == ["二重", "成功"], "the double scan")
        assert text_of(app, "#feedback") == "↓ 入\n山田 花子さん。\n既に記録されています（二重スキャン）。"
    assert len(recorded_logs(kiosk_world.nursery_id)) == 1


async def test_the_scan_input_keeps_the_focus_whatever_is_clicked(station_config, kiosk_world):
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        scan_input = app.screen.query_one("#scan")
        for target in ("#exit", "#entry", "#history", "#feedback", "#clock", "#nursery-name", "#history-title"):
            await pilot.click(target)
            await pilot.pause()
            assert app.focused is scan_input, f"focus left the scan input after a click on {target}"
        app.screen.set_focus(None)
        await pilot.pause()
        assert app.focused is scan_input, "focus must come back when it is taken away"
        await scan(pilot, *str(kiosk_world.parents[1].id))
        await eventually(lambda: statuses(app) == ["成功"], "a scan after the clicks")


async def test_the_history_shows_the_last_ten_newest_first(station_config, kiosk_world):
    """An older refused scan goes as the others do (ID 900000 here)."""
    config = station_config()
    store_session(config, kiosk_world)
    earlier = Station(config)
    refused = earlier.queue.add(nursery_id=kiosk_world.nursery_id, parent_id=900000, entry_type="Entry")
    earlier.queue.finish(refused.client_scan_id, "failed", message=labels.PARENT_NOT_FOUND)
    for n in range(1, 12):
        done = earlier.queue.add(nursery_id=kiosk_world.nursery_id, parent_id=900000 + n, entry_type="Entry")
        earlier.queue.finish(done.client_scan_id, "duplicate")
    await earlier.close()
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        assert [row[1] for row in history(app)] == [f"ID {900000 + n}" for n in range(11, 1, -1)]
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await eventually(lambda: statuses(app)[0] == "成功", "the new scan on top")
        assert [row[1] for row in history(app)] == ["山田 花子"] + [f"ID {900000 + n}" for n in range(11, 2, -1)]


# Offline -----------------------------------------------------------------------------------------------------------


async def test_an_offline_scan_is_pending_and_delivered_when_the_service_returns(
    station_config, kiosk_world, dead_url, live_api
):
    config = station_config(heartbeat_seconds=0.2)
    store_session(config, kiosk_world)
    app = StationApp(config)
    app.station.client.point_at(dead_url)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await eventually(lambda: app.station.online is False, "the station to notice the outage")
        await eventually(lambda: text_of(app, "#feedback") == labels.SAVED_OFFLINE, "the pending message")
        assert statuses(app) == ["保留"]
        assert history(app)[0][1] == f"ID {kiosk_world.parents[0].id}"
        assert text_of(app, "#connection") == f"{labels.OFFLINE}  {labels.PENDING_COUNT.format(n=1)}"
        assert recorded_logs(kiosk_world.nursery_id) == []

        await scan(pilot, *str(kiosk_world.parents[1].id))
        await eventually(lambda: statuses(app) == ["保留", "保留"], "the second pending row")
        assert text_of(app, "#feedback") == labels.SAVED_OFFLINE

        app.station.client.point_at(live_api)
        await eventually(lambda: statuses(app) == ["成功", "成功"], "the queue to be delivered after the reconnect")
        assert text_of(app, "#connection") == labels.ONLINE
        assert [row[1] for row in history(app)] == ["佐藤 太郎", "山田 花子"]
        scanned = {s.client_scan_id: s.scanned_at for s in app.station.queue.recent(kiosk_world.nursery_id, 10)}

    logs = recorded_logs(kiosk_world.nursery_id)
    assert [log.parent_id for log in logs] == [p.id for p in kiosk_world.parents], "delivered oldest first"
    for log in logs:
        assert abs((log.occurred_at - scanned[log.client_scan_id]).total_seconds()) < 1, "recorded at the scan's time"


async def test_pending_scans_survive_a_restart_of_the_kiosk(station_config, kiosk_world, dead_url, live_api):
    config = station_config(server_url=dead_url)
    store_session(station_config(), kiosk_world)
    offline = StationApp(config)
    async with offline.run_test(size=SIZE) as pilot:
        for parent in kiosk_world.parents:
            await scan(pilot, *str(parent.id))
        await eventually(
            lambda: statuses(offline) == ["保留", "保留"] and offline.station.online is False, "two pending scans"
        )
    assert recorded_logs(kiosk_world.nursery_id) == []

    restarted = StationApp(station_config(server_url=live_api))
    async with restarted.run_test(size=SIZE):
        assert statuses(restarted) in (["保留", "保留"], ["保留", "成功"], ["成功", "成功"])
        await eventually(lambda: statuses(restarted) == ["成功", "成功"], "the queue to be delivered after the restart")
    assert [log.parent_id for log in recorded_logs(kiosk_world.nursery_id)] == [p.id for p in kiosk_world.parents]


async def test_a_full_queue_refuses_new_scans_instead_of_dropping_old_ones(station_config, kiosk_world, dead_url):
    config = station_config(server_url=dead_url, queue_max=2)
    store_session(station_config(), kiosk_world)
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        for n in (1, 2):
            await scan(pilot, *str(kiosk_world.parents[n - 1].id))
            await eventually(lambda n=n: statuses(app) == ["保留"] * n, f"pending scan {n}")
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await pilot.pause()
        assert text_of(app, "#feedback") == labels.QUEUE_FULL.format(limit=2)
        assert app.screen.has_class("-flash-error")
        assert statuses(app) == ["保留", "保留"]
        assert app.station.queue.pending_count() == 2


# Heartbeat and session ---------------------------------------------------------------------------------------------


async def test_the_heartbeat_renews_the_stored_token(station_config, kiosk_world):
    config = station_config(heartbeat_seconds=0.2)
    store_session(config, kiosk_world)
    probe = Station(config)
    first = probe.session
    await probe.close()
    app = StationApp(config)
    async with app.run_test(size=SIZE):
        await eventually(lambda: app.station.sessions.load().token != first.token, "a renewed token")
        renewed = app.station.sessions.load()
        assert renewed.expires_at >= first.expires_at.replace(microsecond=0)
        assert app.station.session.token == renewed.token
        assert isinstance(app.screen, MainScreen)


async def test_a_token_refused_on_the_heartbeat_keeps_the_scan_screen_and_the_queue_waits(
    station_config, kiosk_world, dead_url, live_api
):
    config = station_config()
    store_session(config, kiosk_world)
    app = StationApp(config)
    app.station.client.point_at(dead_url)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await eventually(lambda: statuses(app) == ["保留"] and app.station.online is False, "a pending scan")
        app.station.session = replace(app.station.session, token="not-a-valid-token")
        app.station.client.point_at(live_api)
        app.beat()
        await eventually(lambda: relogin_banner_shown(app), "the banner after the refused token")
        assert app.station.queue.pending_count() == 1
        assert recorded_logs(kiosk_world.nursery_id) == []

        await log_in_again(app, pilot, kiosk_world.code)
        await eventually(lambda: statuses(app) == ["成功"], "the queued scan to be sent after the new login")
        assert not relogin_banner_shown(app)
    assert [log.parent_id for log in recorded_logs(kiosk_world.nursery_id)] == [kiosk_world.parents[0].id]


async def test_a_signed_out_station_holds_scans_until_staff_log_in_again_from_the_banner(station_config, kiosk_world):
    config = station_config()
    buttons_decide(kiosk_world)
    store_session(config, kiosk_world)
    hanako, taro = kiosk_world.parents
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        assert not relogin_banner_shown(app)
        await eventually(lambda: app.station.online is True, "the heartbeat the scan screen sends as it opens")
        sign_out_stations(kiosk_world.nursery_id)  # so it is the scan the service refuses, not that heartbeat
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: relogin_banner_shown(app), "the banner after the refused scan")
        assert statuses(app) == ["保留"]
        assert text_of(app, "#feedback") == labels.RELOGIN_NEEDED
        assert text_of(app, "#relogin-message") == labels.RELOGIN_NEEDED
        await scan(pilot, *str(taro.id))
        await eventually(lambda: statuses(app) == ["保留", "保留"], "the second scan to be held")

        await pilot.click("#relogin")
        await showing(app, LoginScreen, "the login screen from the banner")
        await pilot.click("#back")
        await showing(app, MainScreen, "the scan screen again")
        assert relogin_banner_shown(app)
        await pilot.click("#exit")
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: statuses(app) == ["保留", "保留", "保留"], "the third scan to be held")
        assert text_of(app, "#feedback") == labels.RELOGIN_NEEDED
        assert recorded_logs(kiosk_world.nursery_id) == []

        await log_in_again(app, pilot, kiosk_world.code)
        await eventually(lambda: statuses(app) == ["成功"] * 3, "the held scans to be sent after the login")
        assert not relogin_banner_shown(app)
    logs = recorded_logs(kiosk_world.nursery_id)
    assert [(log.parent_id, log.entry_type) for log in logs] == [
        (hanako.id, "Entry"),
        (taro.id, "Entry"),
        (hanako.id, "Exit"),
    ]


async def test_a_token_that_expires_while_the_kiosk_runs_brings_the_banner(station_config, kiosk_world):
    config = station_config()
    store_session(config, kiosk_world)
    clock = [datetime.now(UTC)]
    app = StationApp(config, Station(config, now=lambda: clock[0]))
    async with app.run_test(size=SIZE):
        await showing(app, MainScreen, "the scan screen")
        assert not relogin_banner_shown(app)
        clock[0] += timedelta(days=1)  # past the stored token's expiry and any a heartbeat renewed it to
        await eventually(lambda: relogin_banner_shown(app), "the banner once the token has expired")


async def test_a_restart_with_an_expired_token_opens_the_scan_screen_with_the_banner(station_config, kiosk_world):
    config = station_config()
    store_session(config, kiosk_world, expires_at=datetime.now(UTC))
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, MainScreen), "not the login screen"
        assert relogin_banner_shown(app)
        assert text_of(app, "#nursery-name") == "さくら保育園"
        await scan(pilot, *str(kiosk_world.parents[0].id))
        await eventually(lambda: statuses(app) == ["保留"], "the scan to be held")
        assert text_of(app, "#feedback") == labels.RELOGIN_NEEDED
        await log_in_again(app, pilot, kiosk_world.code)
        await eventually(lambda: statuses(app) == ["成功"], "the held scan to be sent after the login")
    assert [log.parent_id for log in recorded_logs(kiosk_world.nursery_id)] == [kiosk_world.parents[0].id]
