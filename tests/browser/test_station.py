"""The browser scan station (/api/station/) in real Chromium: login, 入/出 scans with their greetings, a double scan,
a refused scan kept as 保留 with its reason, five scans while offline that survive a reload and are replayed exactly
once, the lockout message, the token renewed by the 30-second heartbeat, and a tablet that logged in before logging
in again while its nursery code is locked.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from service.config import get_settings
from service.database import session_scope
from service.entry_logs.models import MANUAL, EntryLog
from tests.service.entry_logs.world import STATION_PASSWORD, World, lock_code_from_elsewhere, make_world
from tests.support.axe import serious_violations

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
SESSION = "JSON.parse(localStorage.getItem('daicho.station.session'))"


@pytest.fixture
def nursery(db) -> World:
    """さくら保育園, its stations in 手動 mode: the button's 入/出 is recorded (自動: test_station_presence.py)."""
    world = make_world(db, "sakura", name="さくら保育園", parents=7, entry_mode=MANUAL)
    db.commit()
    return world


@pytest.fixture
def station(live_api: str, new_page: Callable[..., Page]) -> Callable[..., Page]:
    """station(**options): a tablet-sized page on the station, not logged in yet."""

    def _open(**options) -> Page:
        page = new_page(**options)
        page.goto(f"{live_api}/api/station/")
        expect(page.get_by_role("heading", name="入退登録システム")).to_be_visible()
        return page

    return _open


def log_in(page: Page, code: str, password: str) -> None:
    page.get_by_label("保育園コード").fill(code)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def scan(page: Page, parent_id: int) -> None:
    """What a keyboard-wedge reader does: the digits and Enter, into whatever has the focus."""
    page.keyboard.type(f"{parent_id}\n")


def log_count(world: World) -> int:
    with session_scope() as db:
        return db.scalar(select(func.count()).select_from(EntryLog).where(EntryLog.nursery_id == world.nursery.id))


def test_scans_online_offline_and_after_a_reload(nursery: World, station):
    page = station()
    assert serious_violations(page, "ブラウザ読取端末（ログイン）") == []
    parents = nursery.parents
    log_in(page, "sakura", STATION_PASSWORD)
    expect(page.get_by_text("さくら保育園")).to_be_visible()
    expect(page.locator("#type-entry")).to_have_attribute("aria-pressed", "true")
    message, unsent = page.locator("#message-text"), page.locator("#unsent")

    scan(page, parents[0].id)
    expect(message).to_have_text(
        f"{parents[0].name}さん。\nおはようございます。\n（sakura園児0ちゃん、sakura園児7ちゃん）"
    )
    page.get_by_role("button", name="出", exact=True).click()
    scan(page, parents[1].id)
    expect(message).to_have_text(f"{parents[1].name}さん。\nお疲れ様でした。\n（sakura園児1ちゃん）")
    scan(page, parents[1].id)
    expect(message).to_contain_text("既に記録されています（二重スキャン）")
    scan(page, 9999999)
    expect(message).to_have_text("保護者が見つかりません")
    scan(page, "12a")
    expect(message).to_contain_text("保護者IDは数字のみです")

    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(4)
    assert serious_violations(page, "ブラウザ読取端末（記録と履歴）") == []
    expect(rows.nth(0)).to_contain_text("ID 9999999")
    expect(rows.nth(0)).to_contain_text("保留（保護者が見つかりません）")
    expect(rows.nth(1)).to_contain_text("二重")
    expect(rows.nth(2)).to_contain_text("↑ 出")
    expect(rows.nth(3)).to_contain_text(f"{parents[0].name}↓ 入成功")
    expect(unsent).to_have_text("")
    assert log_count(nursery) == 2

    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.get_by_role("button", name="入", exact=True).click()
    for parent in parents[2:7]:
        scan(page, parent.id)
        expect(message).to_contain_text("スキャンを保存しました（保留）")
    expect(unsent).to_have_text("保留 5件")

    page.reload()
    expect(page.get_by_text("さくら保育園")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("● オフライン")
    expect(unsent).to_have_text("保留 5件")
    expect(rows.filter(has_text="保留")).to_have_count(6)
    # No count of the logs here: Chromium's offline emulation does not hold for a page under a service worker
    # (playwright#2311) and now and then lets a request through with its answer lost, as a failing network does.
    # The station keeps such a scan pending; the replay below must still end with each scan recorded exactly once.

    page.context.set_offline(False)
    expect(rows.filter(has_text="成功")).to_have_count(7)
    expect(unsent).to_have_text("")
    expect(rows.filter(has_text="保留（保護者が見つかりません）")).to_have_count(1)
    assert log_count(nursery) == 7
    with session_scope() as db:
        replayed = db.scalars(select(EntryLog).where(EntryLog.parent_id.in_([p.id for p in parents[2:7]]))).all()
    assert sorted(log.parent_id for log in replayed) == sorted(p.id for p in parents[2:7])
    assert {log.entry_type for log in replayed} == {"Entry"} and all(log.client_scan_id for log in replayed)


def test_wrong_password_five_times_locks_with_minutes_left(nursery: World, station):
    page = station()
    error = page.get_by_role("alert")
    log_in(page, "", "")
    expect(error).to_have_text("保育園コードとパスワードを入力してください")
    for left in (4, 3, 2, 1):
        log_in(page, "sakura", "wrong-password")
        expect(error).to_contain_text(f"あと{left}回失敗するとロックされます")
    log_in(page, "sakura", "wrong-password")
    expect(error).to_have_text("ログイン試行回数の上限に達したため、ロックされています。あと10分後に再度お試しください")
    log_in(page, "sakura", STATION_PASSWORD)
    expect(error).to_contain_text("ロックされています")


def test_a_throttled_address_is_told_so_in_the_services_words_not_as_a_lost_connection(
    nursery: World, station, live_api: str
):
    for n in range(get_settings().login_address_max_failures):  # this address fails on as many codes
        body = {"nurseryCode": f"unknown{n}", "password": "wrong", "stationId": "gate-9"}
        assert httpx.post(f"{live_api}/api/auth/entry-exit-login", json=body).status_code in (401, 429)
    page = station()
    log_in(page, "sakura", STATION_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("この接続元からの試行が多すぎます")
    expect(page.locator("body")).not_to_contain_text("サーバーに接続できません")


def test_the_heartbeat_renews_the_token_and_logout_keeps_the_queue_and_the_device(nursery: World, station):
    page = station()
    page.clock.install()
    page.reload()
    log_in(page, "sakura", STATION_PASSWORD)
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    first = page.evaluate(f"{SESSION}.token")
    page.clock.run_for("00:31")
    page.wait_for_function(f"{SESSION}.token !== {first!r}")

    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_label("保育園コード")).to_have_value("sakura")
    assert page.evaluate("localStorage.getItem('daicho.station.session')") is None

    lock_code_from_elsewhere("sakura")  # this tablet logged in before: its device token lets it in past the lock
    log_in(page, "sakura", STATION_PASSWORD)
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def test_a_try_again_waits_as_the_kiosk_does_and_at_least_what_the_service_asked(nursery: World, station):
    page = station()
    rules = page.evaluate("R")  # served by the service: clientkit's station rules
    step, cap = rules["retry_backoff_seconds"], rules["heartbeat_seconds"]
    for attempt in (1, 2, 3, 30):
        doubled = min(cap, step * 2 ** (attempt - 1))
        waits = page.evaluate(f"Array.from({{length: 50}}, () => backoffSeconds({attempt}, null))")
        assert all(doubled / 2 <= wait <= doubled for wait in waits), (attempt, waits)
    assert page.evaluate("backoffSeconds(1, 7)") >= 7  # the service's Retry-After, however short the backoff
    assert page.evaluate(f"backoffSeconds(1, {cap * 10})") == cap  # never past the cap
    asked = "(value) => retryAfterSeconds(new Response('', {headers: value === null ? {} : {'Retry-After': value}}))"
    assert page.evaluate(asked, "12") == 12 and page.evaluate(asked, None) is None
    assert page.evaluate(asked, "soon") is None
    in_an_hour = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    assert 3000 <= page.evaluate(asked, in_an_hour) <= 3600
