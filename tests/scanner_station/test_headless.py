"""--headless: scans on standard input, JSON lines out, the same queue as the kiosk."""

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from clientkit import station_labels as labels
from scanner_station.config import PASSWORD_ENV
from scanner_station.headless import run_headless, split_line
from scanner_station.station import Station
from service.config import REPO_ROOT
from tests.scanner_station.conftest import STATION_PASSWORD, buttons_decide, recorded_logs, store_session


async def run(config, text: str, env: dict | None = None) -> tuple[int, list[dict]]:
    out = io.StringIO()
    code = await run_headless(config, io.StringIO(text), out, env or {})
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_lines_may_name_entry_or_exit():
    assert split_line("123\n", "Entry") == ("123", "Entry")
    assert split_line("out 123\r\n", "Entry") == ("123", "Exit")
    assert split_line("IN 5", "Exit") == ("5", "Entry")
    assert split_line("inside 5", "Exit") == ("inside 5", "Exit")


async def test_each_line_gets_one_result(station_config, kiosk_world):
    buttons_decide(kiosk_world)  # in 自動 mode "out" for taro, who is not inside, would record 入
    hanako, taro = kiosk_world.parents
    config = station_config(nursery_code=kiosk_world.code)
    lines = f"in {hanako.id}\nout {taro.id}\nabc\n987654\n\n{kiosk_world.other_nursery_parent.id}\n{hanako.id}\n"
    code, results = await run(config, lines, {PASSWORD_ENV: STATION_PASSWORD})
    assert code == 0
    assert [(r["input"], r["status"]) for r in results] == [
        (str(hanako.id), "success"),
        (str(taro.id), "success"),
        ("abc", "invalid"),
        ("987654", "failed"),
        ("", "invalid"),
        (str(kiosk_world.other_nursery_parent.id), "failed"),
        (str(hanako.id), "duplicate"),
    ]
    assert results[0]["parentName"] == "山田 花子" and results[0]["label"] == "成功"
    assert results[1]["entryType"] == "Exit"
    assert results[2]["message"] == labels.SCAN_NOT_DIGITS
    assert results[3]["message"] == labels.PARENT_NOT_FOUND
    assert results[4]["message"] == labels.SCAN_EMPTY
    logs = recorded_logs(kiosk_world.nursery_id)
    assert [(log.parent_id, log.entry_type) for log in logs] == [(hanako.id, "Entry"), (taro.id, "Exit")]
    assert [log.client_scan_id for log in logs] == [results[0]["clientScanId"], results[1]["clientScanId"]]


async def test_without_a_session_or_password_it_refuses_to_start(station_config, kiosk_world):
    code, results = await run(station_config(), "123\n")
    assert (code, results) == (2, [])
    code, results = await run(station_config(nursery_code=kiosk_world.code), "123\n", {PASSWORD_ENV: "wrong-password"})
    assert (code, results) == (2, [])


async def test_an_expired_session_logs_in_again_and_the_kiosks_choice_leaves_the_default(station_config, kiosk_world):
    """Lines without a prefix stay 入 (--type) whatever the kiosk last chose in the same state directory."""
    config = station_config(nursery_code=kiosk_world.code)
    store_session(config, kiosk_world, expires_at=datetime.now(UTC))
    kiosk = Station(config)
    kiosk.choose_entry_type("Exit")
    await kiosk.close()
    code, results = await run(config, f"{kiosk_world.parents[0].id}\n", {PASSWORD_ENV: STATION_PASSWORD})
    assert (code, [(r["status"], r["entryType"]) for r in results]) == (0, [("success", "Entry")])


async def test_offline_scans_are_queued_and_sent_by_a_later_run(station_config, kiosk_world, dead_url):
    login = station_config(nursery_code=kiosk_world.code)
    assert (await run(login, "", {PASSWORD_ENV: STATION_PASSWORD}))[0] == 0
    scans = f"{kiosk_world.parents[0].id}\n{kiosk_world.parents[1].id}\n"
    code, results = await run(station_config(server_url=dead_url), scans)
    assert code == 1
    assert [r["status"] for r in results] == ["pending", "pending"]
    assert results[0]["message"] == labels.SAVED_OFFLINE
    assert recorded_logs(kiosk_world.nursery_id) == []

    code, results = await run(station_config(), "")
    assert (code, results) == (0, [])
    assert [log.parent_id for log in recorded_logs(kiosk_world.nursery_id)] == [p.id for p in kiosk_world.parents]


def test_python_m_scanner_station_headless(station_config, kiosk_world, live_api, tmp_path):
    buttons_decide(kiosk_world)
    env = os.environ | {PASSWORD_ENV: STATION_PASSWORD}
    argv = [
        sys.executable,
        "-m",
        "scanner_station",
        "--headless",
        "--server",
        live_api,
        "--state-dir",
        str(tmp_path / "cli"),
        "--station-id",
        "cli-gate",
        "--nursery-code",
        kiosk_world.code,
        "--type",
        "out",
    ]
    done = subprocess.run(
        argv,
        input=f"{kiosk_world.parents[0].id}\nx\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["status"], r["entryType"]) for r in results] == [("success", "Exit"), ("invalid", "Exit")]
    assert [log.station_id for log in recorded_logs(kiosk_world.nursery_id)] == ["cli-gate"]
