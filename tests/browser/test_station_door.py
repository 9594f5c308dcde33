"""The browser scan station (/api/station/) at a real nursery door, in Chromium: a tablet clock minutes off, 出 kept
over a reload, a station signed out or whose token ran out that keeps scanning and holds the scans until staff log in
again, a token renewed on waking, scanner suffixes (CR+LF, Tab) and full-width digits, the iPad's screen with its
latest ten scans, a replayed scan that is not greeted, and the acknowledgement shown before a slow answer.

What the station shows is recorded from the page's start (SCREEN_LOG), so a test can say a red flash or a greeting
never appeared, however briefly.
"""

import math
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select

from clientkit import station_labels as words
from service.database import session_scope, utcnow
from service.entry_logs.models import EntryLog, Parent
from tests.browser.test_station import SESSION, log_count, log_in, nursery, scan, station  # noqa: F401  (fixtures)
from tests.service.entry_logs.world import STATION_PASSWORD, World, staff_headers

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
IPAD = {"width": 1024, "height": 768}
# Every class the flash and the message take and every text the message shows, in order: window.__shown
SCREEN_LOG = """
window.__shown = [];
addEventListener("DOMContentLoaded", () => {
  for (const id of ["flash", "message"]) {
    const element = document.getElementById(id);
    const note = (record) => record.type === "attributes"
      ? `${id}.class: ${record.oldValue} -> ${element.className}`
      : `${id}: ${Array.from(record.addedNodes, (node) => node.textContent).join("")}`;
    new MutationObserver((records) => window.__shown.push(...records.map(note))).observe(
      element, { childList: true, attributes: true, attributeFilter: ["class"], attributeOldValue: true });
  }
});
"""
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# true when an element's text takes one line
ONE_LINE = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  return range.getClientRects().length === 1;
}"""
EXPIRED = f"{{...{SESSION}, expiresAt: '2001-01-01T00:00:00Z'}}"  # the stored session of an iPad that slept
CLOCK_SHOWN_MS = "Date.parse(document.getElementById('clock').textContent.replace(' ', 'T'))"


@pytest.fixture
def door(nursery: World, station) -> Page:  # noqa: F811
    """The station logged in at sakura, recording what it shows."""
    return at_the_door(station())


def at_the_door(page: Page) -> Page:
    """Record what the page shows from its next load on, reload it and log in at sakura."""
    page.add_init_script(SCREEN_LOG)
    page.reload()
    log_in(page, "sakura", STATION_PASSWORD)
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    return page


def shown(page: Page) -> list[str]:
    return page.evaluate("window.__shown")


def assert_never_shown(page: Page, *marks: str) -> None:
    """Neither the flash nor the message ever showed a class or text with one of these marks in it."""
    seen = shown(page)
    assert seen, "the screen log recorded nothing"
    assert [line for line in seen if any(mark in line for mark in marks)] == []


def greeting(parent: Parent, entry_type: str = "Entry") -> str:
    return words.greeting(entry_type, parent.name, [child.name for child in parent.children])


def rows(page: Page):
    return page.locator("#history tbody tr")


def logs(world: World) -> list[EntryLog]:
    with session_scope() as db:
        return list(db.scalars(select(EntryLog).where(EntryLog.nursery_id == world.nursery.id).order_by(EntryLog.id)))


def time_shown(page: Page, moment: datetime) -> str:
    """HH:MM:SS of a moment in whole seconds (as the service answers it), in the page's time zone."""
    return page.evaluate("(s) => new Date(s * 1000).toTimeString().slice(0, 8)", math.floor(moment.timestamp()))


@pytest.mark.parametrize("minutes", [5, -5], ids=["fast", "slow"])
def test_a_tablet_clock_minutes_off_files_scans_by_the_service_clock(nursery: World, station, minutes: int):  # noqa: F811
    page = station()
    page.clock.install(time=datetime.now(UTC) + timedelta(minutes=minutes))
    at_the_door(page)
    first, second = nursery.parents[:2]
    before = utcnow()
    scan(page, first.id)
    expect(page.locator("#message-text")).to_have_text(greeting(first))
    scan(page, second.id)
    expect(page.locator("#message-text")).to_have_text(greeting(second))
    after = utcnow()

    written = logs(nursery)
    assert [log.parent_id for log in written] == [first.id, second.id]
    slack = timedelta(seconds=2)
    assert all(before - slack <= log.occurred_at <= after + slack for log in written)
    expect(rows(page).nth(0)).to_contain_text(f"{time_shown(page, written[1].occurred_at)}{second.name}")
    expect(rows(page).filter(has_text="成功")).to_have_count(2)
    # the header's clock is the service's, not the tablet's minutes-off one
    page.wait_for_function(f"(real) => Math.abs({CLOCK_SHOWN_MS} - real) < 60000", arg=after.timestamp() * 1000)
    assert_never_shown(page, "error", "pending")  # no red flash, nothing held


def test_exit_is_kept_over_a_reload(nursery: World, door: Page):
    door.get_by_role("button", name="出", exact=True).click()
    door.reload()
    expect(door.locator("#type-exit")).to_have_attribute("aria-pressed", "true")
    scan(door, nursery.parents[0].id)
    expect(door.locator("#message-text")).to_have_text(greeting(nursery.parents[0], "Exit"))
    assert [log.entry_type for log in logs(nursery)] == ["Exit"]


def test_a_signed_out_station_holds_scans_until_staff_log_in_again(nursery: World, door: Page, db, live_api: str):
    sign_out = f"{live_api}/api/entry-logs/nurseries/{nursery.nursery.id}/stations/sign-out"
    assert httpx.post(sign_out, headers=staff_headers(db, nursery)).status_code == 204
    code, banner = door.get_by_label("保育園コード"), door.locator("#relogin")
    parents = nursery.parents[:4]

    for parent in parents[:3]:
        scan(door, parent.id)
        expect(door.locator("#message-text")).to_have_text(words.RELOGIN_NEEDED)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(words.RELOGIN_NEEDED)
    expect(rows(door).filter(has_text="保留")).to_have_count(3)
    expect(door.locator("#unsent")).to_have_text("保留 3件")
    expect(code).to_have_value("")
    assert log_count(nursery) == 0

    banner.get_by_role("button", name=words.RELOGIN).click()
    door.get_by_role("button", name=words.BACK_TO_SCANNING).click()
    expect(banner).to_be_visible()
    banner.get_by_role("button", name=words.RELOGIN).click()
    expect(code).to_have_value("sakura")
    scan(door, parents[3].id)  # a parent at the door while staff open the form: held, not typed into a field
    expect(door.locator("#message-text")).to_have_text(words.RELOGIN_NEEDED)
    expect(code).to_have_value("sakura")
    expect(door.get_by_label("パスワード")).to_have_value("")

    log_in(door, "sakura", STATION_PASSWORD)
    expect(rows(door).filter(has_text="成功")).to_have_count(4)
    expect(banner).to_be_hidden()
    expect(door.locator("#unsent")).to_have_text("")
    assert sorted(log.parent_id for log in logs(nursery)) == sorted(parent.id for parent in parents)


def test_a_token_that_ran_out_overnight_keeps_the_scan_screen(nursery: World, door: Page):
    door.evaluate(f"localStorage.setItem('daicho.station.session', JSON.stringify({EXPIRED}))")
    door.reload()
    expect(door.locator("#relogin")).to_be_visible()
    scan(door, nursery.parents[0].id)
    expect(door.locator("#message-text")).to_have_text(words.RELOGIN_NEEDED)
    expect(rows(door).filter(has_text="保留")).to_have_count(1)
    expect(door.get_by_label("保育園コード")).to_be_hidden()
    assert log_count(nursery) == 0


def test_waking_renews_the_token(nursery: World, station):  # noqa: F811
    page = station()
    page.clock.install()
    at_the_door(page)
    page.clock.pause_at(page.evaluate("Date.now() / 1000") + 1)  # no heartbeat of the 30-second timer from here on
    heartbeat = re.compile(r"/api/auth/heartbeat$")
    with page.expect_request(heartbeat):
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    with page.expect_request(heartbeat):
        page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow'))")


def test_scanner_suffixes_and_full_width_digits(nursery: World, door: Page):
    parents = nursery.parents[:6]
    message = door.locator("#message-text")
    door.keyboard.type(f"{parents[0].id}\r\n")
    expect(message).to_have_text(greeting(parents[0]))
    door.keyboard.type(f"{parents[1].id}\t{parents[2].id}\t")  # the tabs arrive as text
    expect(message).to_have_text(greeting(parents[2]))
    door.keyboard.type(str(parents[3].id))
    door.keyboard.press("Tab")
    expect(message).to_have_text(greeting(parents[3]))
    assert door.evaluate("document.activeElement.id") == "reader"
    door.keyboard.type(f"{str(parents[4].id).translate(FULL_WIDTH)}\n")
    expect(message).to_have_text(greeting(parents[4]))
    # an IME that composes: the Enter that commits the text submits it once the composition ends
    door.evaluate(
        """(digits) => {
          const reader = document.getElementById("reader");
          reader.value = digits;
          reader.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", isComposing: true }));
          reader.dispatchEvent(new CompositionEvent("compositionend", { data: digits }));
        }""",
        str(parents[5].id).translate(FULL_WIDTH),
    )
    expect(message).to_have_text(greeting(parents[5]))

    expect(rows(door).filter(has_text="成功")).to_have_count(6)
    assert [log.parent_id for log in logs(nursery)] == [parent.id for parent in parents]
    assert_never_shown(door, "error", words.SCAN_EMPTY)


def test_the_ipad_screen_shows_the_latest_ten_scans(nursery: World, station, tmp_path):  # noqa: F811
    page = station()
    page.set_viewport_size(IPAD)
    page.get_by_role("button", name="表示", exact=True).click()
    assert page.get_by_role("button", name="非表示").evaluate(ONE_LINE)
    at_the_door(page)
    scan(page, 9999999)
    expect(page.locator("#message-text")).to_have_text(words.PARENT_NOT_FOUND)
    for parent in nursery.parents:
        scan(page, parent.id)
    page.get_by_role("button", name="出", exact=True).click()
    for parent in nursery.parents[:4]:
        scan(page, parent.id)

    expect(page.locator("#message-text")).to_have_text(greeting(nursery.parents[3], "Exit"))  # the last one: all sent
    assert log_count(nursery) == 11
    expect(rows(page)).to_have_count(10)
    expect(rows(page).filter(has_text="保留")).to_have_count(0)  # the refused scan, the oldest, is gone too
    expect(page.locator("#message")).to_be_hidden()
    page.screenshot(path=tmp_path / "station-ipad.png")
    for row in rows(page).all():
        box = row.bounding_box()
        assert box["y"] + box["height"] <= IPAD["height"], row.inner_text()


def test_a_replayed_held_scan_is_not_greeted(nursery: World, station):  # noqa: F811
    page = at_the_door(station(service_workers="block"))  # the offline emulation holds only without one
    parent = nursery.parents[0]
    page.context.set_offline(True)
    scan(page, parent.id)
    expect(page.locator("#message-text")).to_contain_text("スキャンを保存しました（保留）")
    page.context.set_offline(False)
    expect(rows(page).nth(0)).to_contain_text("成功")
    assert_never_shown(page, parent.name)
    assert log_count(nursery) == 1


def test_a_scan_is_acknowledged_before_the_service_answers(nursery: World, station):  # noqa: F811
    page = at_the_door(station(service_workers="block"))  # page.route sees no request a service worker handles
    shown_while_sent: list[str | None] = []

    def answer_late(route: Route) -> None:
        shown_while_sent.append(page.locator("#message-text").text_content())
        route.continue_()

    page.route("**/api/entry-exit-logs", answer_late)
    parent = nursery.parents[0]
    scan(page, parent.id)
    expect(page.locator("#message-text")).to_have_text(greeting(parent))
    assert shown_while_sent == [words.ACCEPTING]
    assert [line for line in shown(page) if line.endswith("-> flash accepting")]
