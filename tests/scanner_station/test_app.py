"""The kiosk driven with Textual's pilot against the live service."""

import stat
from dataclasses import replace

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Static

from clientkit import station_labels as labels
from scanner_station.app import LoginScreen, MainScreen, StationApp
from scanner_station.station import Station
from tests.scanner_station.conftest import STATION_PASSWORD, eventually, recorded_logs, store_session

SIZE = (120, 40)


async def log_in(pilot: Pilot, code: str, password: str) -> None:
    await pilot.click("#code")
    await pilot.press(*code)
    await pilot.click("#password")
    await pilot.press(*password, "enter")


async def scan(pilot: Pilot, *keys: str) -> None:
    """What a keyboard-mode scanner does: the characters, then Enter."""
    await pilot.press(*keys, "enter")


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
        await pilot.press(*STATION_PASSWORD, "enter")
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


async def test_the_toggle_switches_between_entry_and_exit(station_config, kiosk_world):
    config = station_config()
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


async def test_a_scan_is_recorded_with_a_greeting_and_a_green_flash(station_config, kiosk_world):
    config = station_config()
    store_session(config, kiosk_world)
    hanako, taro = kiosk_world.parents
    app = StationApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, *str(hanako.id))
        await eventually(lambda: statuses(app) == ["成功"], "the first scan to be recorded")
        assert text_of(app, "#feedback") == "山田 花子さん。\nおはようございます。"
        assert app.screen.has_class("-flash-ok")
        assert history(app)[0][1:] == ["山田 花子", "↓ 入", "成功"]

        await pilot.click("#exit")
        await scan(pilot, *str(taro.id))
        await eventually(lambda: statuses(app) == ["成功", "成功"], "the second scan to be recorded")
        assert text_of(app, "#feedback") == "佐藤 太郎さん。\nお疲れ様でした。"
        assert history(app)[0][1:] == ["佐藤 太郎", "↑ 出", "成功"]

    logs = recorded_logs(kiosk_world.nursery_id)
    assert [(log.parent_id, log.entry_type, log.station_id) for log in logs] == [
        (hanako.id, "Entry", "gate-1"),
        (taro.id, "Exit", "gate-1"),
    ]
    assert all(log.client_scan_id for log in logs)


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
        ((), labels.SCAN_EMPTY),
        (("1", "2", "ctrl+right_square_bracket", "3"), labels.SCAN_CONTROL_CHARACTERS),
        (("1", "tab", "2"), labels.SCAN_CONTROL_CHARACTERS),
    ],
    ids=["letters", "eleven-digits", "empty", "group-separator", "tab"],
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
        assert text_of(app, "#feedback") == "山田 花子さん。\n既に記録されています（二重スキャン）。"
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
    config = station_config()
    store_session(config, kiosk_world)
    earlier = Station(config)
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


async def test_a_refused_token_returns_to_the_login_and_the_queue_waits_for_it(
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
        await showing(app, LoginScreen, "the login screen after the refused token")
        assert text_of(app, "#login-error") == labels.SESSION_ENDED
        assert app.station.queue.pending_count() == 1
        assert recorded_logs(kiosk_world.nursery_id) == []

        await log_in(pilot, kiosk_world.code, STATION_PASSWORD)
        await showing(app, MainScreen, "the scan screen")
        await eventually(lambda: statuses(app) == ["成功"], "the queued scan to be sent after the new login")
    assert [log.parent_id for log in recorded_logs(kiosk_world.nursery_id)] == [kiosk_world.parents[0].id]
