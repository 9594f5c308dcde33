"""The browser station (/api/station/) in 自動 mode and with a forgotten card, in Chromium: a morning rush of 40
parents, each leaving a few arrivals later with nobody pressing 入 or 出, records every scan as the person's real
movement and says which in large text in its colour, its 入/出 buttons lit for neither; staff unlock
「カードを忘れた方」 with the nursery's PIN, find a parent by reading or phone and record their entry by hand, greeted
with their children and kept in the scan history (手入力) as a scan is, and nothing of the roster stays on screen once
closed.
"""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from clientkit import station_labels as words
from service.audit.service import SYSTEM
from service.config import get_settings
from service.database import session_scope
from service.entry_logs.lookups import child_names_for
from service.entry_logs.models import EntryLog, Nursery, Parent
from service.entry_logs.roster import service as roster
from tests.browser.test_station import log_in, nursery, scan, station  # noqa: F401  (fixtures)
from tests.service.entry_logs.world import STATION_PASSWORD, World, make_world, staff_headers
from tests.support.axe import serious_violations

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
PARENTS = 40
LEAVES_AFTER = 3  # each parent leaves this many arrivals after coming in; the last ones are still inside
PIN = "2468"


@pytest.fixture
def rush(db, monkeypatch: pytest.MonkeyPatch) -> World:
    """A nursery of 40 parents, its morning compressed: a parent's exit comes seconds after their entry, so the
    double-scan window (10 s, which takes a second read within it for a repeat) is closed for the test."""
    world = make_world(db, "rush", name="ラッシュ保育園", parents=PARENTS)
    db.commit()
    monkeypatch.setattr(get_settings(), "entry_logs_double_scan_seconds", 0)
    return world


def morning(parents: int) -> Iterator[tuple[int, str]]:
    """(parent index, real movement) in the order they reach the door: arrivals, each parent leaving LEAVES_AFTER
    arrivals after coming in."""
    for arriving in range(parents):
        yield arriving, "Entry"
        if arriving >= LEAVES_AFTER:
            yield arriving - LEAVES_AFTER, "Exit"


def movements(world: World) -> dict[int, list[str]]:
    with session_scope() as db:
        logs = db.scalars(
            select(EntryLog).where(EntryLog.nursery_id == world.nursery.id).order_by(EntryLog.occurred_at, EntryLog.id)
        ).all()
        by_parent: dict[int, list[str]] = {}
        for log in logs:
            by_parent.setdefault(log.parent_id, []).append(log.entry_type)
        return by_parent


def children_of(world: World, index: int) -> list[str]:
    """The children make_world gives the parent: one each, and the first parent a second."""
    return [f"{world.nursery.code}園児{index}"] + ([f"{world.nursery.code}園児{PARENTS}"] if index == 0 else [])


def expect_toggle_off(page) -> None:
    """自動: neither 入 nor 出 is lit (the next scan is decided by the person's state), and neither can be chosen."""
    for button in (page.locator("#type-entry"), page.locator("#type-exit")):
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(button).to_be_disabled()


def test_a_rush_of_forty_parents_records_every_scan_as_the_persons_movement(rush: World, station, live_api: str):  # noqa: F811
    page = station(height=768, width=1024)
    log_in(page, "rush", STATION_PASSWORD)
    expect(page.locator("#mode-hint")).to_have_text(words.ENTRY_MODE_HINT["auto"])
    expect_toggle_off(page)
    message, recorded = page.locator("#message-text"), page.locator("#message-type")
    for index, movement in morning(PARENTS):
        parent = rush.parents[index]
        scan(page, parent.id)
        expect(message).to_have_text(words.greeting(movement, parent.name, children_of(rush, index)))
        expect(recorded).to_have_text(words.ENTRY_TYPE_ARROW[movement])
        expect(recorded).to_have_class(f"message-type type-{movement}")
        if movement == "Exit" and index < 2:  # an exit the station recorded by itself lights no 入 (nor 出)
            expect_toggle_off(page)
    expect_toggle_off(page)
    page.reload()
    expect_toggle_off(page)
    assert serious_violations(page, "ブラウザ読取端末（自動）") == []

    expected: dict[int, list[str]] = {}
    for index, movement in morning(PARENTS):
        expected.setdefault(rush.parents[index].id, []).append(movement)
    assert movements(rush) == expected
    expect(page.locator("#history tbody tr").filter(has_text="成功")).to_have_count(words.RULES.history_size)
    with session_scope() as db:
        staff = staff_headers(db, rush)
    present = httpx.get(f"{live_api}/api/entry-logs/nurseries/{rush.nursery.id}/present-parents", headers=staff)
    assert sorted(parent["parentName"] for parent in present.json()["parents"]) == sorted(
        f"rush保護者{index}" for index in range(PARENTS - LEAVES_AFTER, PARENTS)
    )


@pytest.fixture
def locked_door(nursery: World) -> World:  # noqa: F811
    """さくら保育園 with its 「カードを忘れた方」 PIN and its first parents' readings."""
    with session_scope() as db:
        roster.set_station_pin(db, nursery=db.get(Nursery, nursery.nursery.id), pin=PIN, actor=SYSTEM)
        for parent, reading in zip(nursery.parents, ("やまだ はなこ", "さとう たろう"), strict=False):
            db.get(Parent, parent.id).name_kana = reading
    return nursery


def test_staff_unlock_the_forgotten_card_with_the_pin_and_record_an_entry(locked_door: World, station):  # noqa: F811
    page = station(height=768, width=1024)
    log_in(page, "sakura", STATION_PASSWORD)
    hanako, taro = locked_door.parents[:2]
    page.get_by_role("button", name=words.FORGOTTEN_CARD).click()
    panel = page.get_by_role("dialog", name=words.FORGOTTEN_CARD_TITLE)
    search = panel.get_by_label(words.SEARCH_LABEL)
    expect(panel.get_by_label(words.STAFF_NAME)).to_be_focused()
    expect(search).to_be_hidden()  # nothing of the roster before the PIN
    assert serious_violations(page, "カードを忘れた方（暗証番号）") == []

    panel.get_by_label(words.STAFF_NAME).fill("田中 先生")
    panel.get_by_label(words.PIN).fill("0000")
    panel.get_by_role("button", name=words.UNLOCK).click()
    expect(panel.get_by_role("alert")).to_contain_text("あと4回失敗するとロックされます")
    expect(search).to_be_hidden()
    panel.get_by_label(words.PIN).fill(PIN)
    panel.get_by_role("button", name=words.UNLOCK).click()
    expect(search).to_be_focused()

    search.fill("ヤマダ")
    panel.get_by_role("button", name=words.SEARCH, exact=True).click()
    people = panel.locator("#people li")
    expect(people).to_have_count(1)
    expect(people.first).to_contain_text(f"{hanako.name}（保護者）")
    expect(people.first).to_contain_text(words.OUTSIDE)
    assert serious_violations(page, "カードを忘れた方（検索結果）") == []
    panel.get_by_role("button", name=f"{hanako.name} {words.RECORD_TYPE['Entry']}").click()
    done = words.RECORDED_BY_HAND.format(name=hanako.name, type="入", staff="田中 先生")
    expect(panel.get_by_role("status")).to_have_text(done)
    with session_scope() as db:
        children = child_names_for(db, [hanako.id, taro.id])
    assert children[hanako.id]
    expect(page.locator("#message-text")).to_have_text(words.greeting("Entry", hanako.name, children[hanako.id]))
    expect(page.locator("#message-type")).to_have_text(words.ENTRY_TYPE_ARROW["Entry"])
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text(
        f"{hanako.name}{words.ENTRY_TYPE_ARROW['Entry']}{words.STATUS_LABEL['by_hand']}"
    )
    expect(people).to_have_count(0)  # the record clears the list
    with session_scope() as db:
        [log] = db.scalars(select(EntryLog).where(EntryLog.parent_id == hanako.id)).all()
        assert (log.entry_type, log.recorded_by, log.manual_reason, log.decided_by) == (
            "Entry",
            "田中 先生",
            words.REASON_DEFAULT,
            "staff",
        )

    search.fill(taro.phone[-4:])  # the phone's last 4 digits
    search.press("Enter")
    expect(people).to_have_count(1)
    expect(people.first).to_contain_text(taro.name)
    panel.get_by_role("button", name=f"{taro.name} {words.RECORD_TYPE['Entry']}").click()
    expect(page.locator("#message-text")).to_have_text(words.greeting("Entry", taro.name, children[taro.id]))
    expect(history).to_have_count(2)  # newest first, each kept as a scan is
    expect(history.nth(0)).to_contain_text(taro.name)
    expect(history.nth(1)).to_contain_text(hanako.name)
    expect(history.filter(has_text=words.STATUS_LABEL["by_hand"])).to_have_count(2)
    page.reload()
    expect(page.locator("#history tbody tr")).to_have_count(2)  # kept on the tablet, as scans are
    page.get_by_role("button", name=words.FORGOTTEN_CARD).click()
    panel.get_by_label(words.STAFF_NAME).fill("田中 先生")
    panel.get_by_label(words.PIN).fill(PIN)
    panel.get_by_role("button", name=words.UNLOCK).click()
    search.fill(taro.phone[-4:])
    search.press("Enter")
    expect(people).to_have_count(1)
    panel.get_by_role("button", name=words.CLOSE).click()
    expect(panel).to_be_hidden()
    expect(page.locator("#people li")).to_have_count(0)
    page.get_by_role("button", name=words.FORGOTTEN_CARD).click()
    expect(panel.get_by_label(words.PIN)).to_be_visible()
    expect(search).to_be_hidden()  # closing forgot the unlock
