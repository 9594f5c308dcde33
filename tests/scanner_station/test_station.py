"""The station without its screens: the scan rules, the durable queue, retries and resends against the live service."""

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from clientkit import station_labels as labels
from scanner_station.queue import QueueFull, ScanQueue, open_database
from scanner_station.session import SessionStore
from scanner_station.station import EmptyScan, InvalidScan, LoginRefused, NotLoggedIn, Station, parse_barcode
from service.config import get_settings
from tests.scanner_station.conftest import (
    STATION_PASSWORD,
    recorded_logs,
    sign_out_stations,
    signed_in_station_ids,
)
from tests.service.entry_logs.world import lock_code_from_elsewhere
from tests.service.outbox.fake_api import serve
from tests.support.clock import clock_at, japan_time


@pytest.mark.parametrize(
    ("raw", "parent_id"),
    [("1", 1), ("0", 0), ("123456", 123456), ("9999999999", 9999999999), (" 42 ", 42), ("007", 7)],
)
def test_parent_ids_are_one_to_ten_ascii_digits(raw, parent_id):
    assert parse_barcode(raw) == parent_id


@pytest.mark.parametrize(
    ("raw", "parent_id"),
    [("１２３", 123), ("\u3000４２\u3000", 42), ("９９９９９９９９９９", 9999999999), ("²", 2)],
    ids=["full-width", "full-width-spaces", "ten-full-width", "superscript"],
)
def test_digits_typed_with_the_ime_on_are_read_as_the_service_reads_them(raw, parent_id):
    """NFKC, as the service normalises parentId: full-width digits (and their kin) are ASCII digits."""
    assert parse_barcode(raw) == parent_id


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", labels.SCAN_EMPTY),
        ("   ", labels.SCAN_EMPTY),
        ("12a4", labels.SCAN_NOT_DIGITS),
        ("ABC", labels.SCAN_NOT_DIGITS),
        ("１２ａ", labels.SCAN_NOT_DIGITS),
        ("-12", labels.SCAN_NOT_DIGITS),
        ("1 2", labels.SCAN_NOT_DIGITS),
        ("12345678901", labels.SCAN_TOO_LONG.format(n=11)),
        ("１２３４５６７８９０１", labels.SCAN_TOO_LONG.format(n=11)),
        ("12\x1d34", labels.SCAN_CONTROL_CHARACTERS),
        ("１２\x1d３", labels.SCAN_CONTROL_CHARACTERS),
        ("\t123", labels.SCAN_CONTROL_CHARACTERS),
        ("123\r", labels.SCAN_CONTROL_CHARACTERS),
        ("\x00", labels.SCAN_CONTROL_CHARACTERS),
    ],
)
def test_anything_else_is_refused_with_the_rule_it_breaks(raw, message):
    with pytest.raises(InvalidScan) as refused:
        parse_barcode(raw)
    assert refused.value.message == message


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_a_scan_of_nothing_but_spaces_is_an_empty_scan(raw):
    """The kiosk ignores it (the LF of a CR+LF suffix); headless reports it."""
    with pytest.raises(EmptyScan):
        parse_barcode(raw)


def test_a_control_key_seen_by_the_input_refuses_the_scan():
    with pytest.raises(InvalidScan, match=labels.SCAN_CONTROL_CHARACTERS):
        parse_barcode("1234", control_seen=True)


def test_the_queue_keeps_pending_scans_in_order_and_refuses_the_one_over_the_limit(tmp_path):
    queue = ScanQueue(open_database(tmp_path / "q.sqlite3"), max_pending=3, keep_finished=2)
    scans = [queue.add(nursery_id=1, parent_id=n, entry_type="Entry") for n in (10, 11, 12)]
    assert len({s.client_scan_id for s in scans}) == 3
    with pytest.raises(QueueFull):
        queue.add(nursery_id=1, parent_id=13, entry_type="Entry")
    assert queue.oldest_pending(1).parent_id == 10
    assert queue.oldest_pending(2) is None

    for scan in scans:
        queue.finish(scan.client_scan_id, "success", parent_name=f"p{scan.parent_id}", log_id=scan.parent_id)
    assert queue.pending_count() == 0
    assert [s.parent_id for s in queue.recent(1, 10)] == [12, 11], "finished rows beyond keep_finished are pruned"
    queue.add(nursery_id=1, parent_id=14, entry_type="Exit")
    assert [(s.parent_id, s.status) for s in queue.recent(1, 10)] == [(14, "pending"), (12, "success"), (11, "success")]


def test_a_refused_scan_is_shown_with_its_reason_until_newer_scans_push_it_out(tmp_path):
    """The history is the latest scans, refused and pending ones counted among them, as on the browser station."""
    queue = ScanQueue(open_database(tmp_path / "q.sqlite3"), max_pending=5, keep_finished=2)
    refused = queue.add(nursery_id=1, parent_id=99, entry_type="Entry")
    queue.finish(refused.client_scan_id, "failed", message=labels.PARENT_NOT_FOUND)
    shown = queue.recent(1, 2)
    assert [(s.parent_id, s.status) for s in shown] == [(99, "failed")]
    assert labels.status_text(shown[0].status, shown[0].message) == "保留（保護者が見つかりません）"
    for parent_id in (10, 11):
        scan = queue.add(nursery_id=1, parent_id=parent_id, entry_type="Entry")
        queue.finish(scan.client_scan_id, "success", parent_name=f"p{parent_id}", log_id=parent_id)
    assert [(s.parent_id, s.status) for s in queue.recent(1, 10)] == [(11, "success"), (10, "success")], "pruned"
    queue.add(nursery_id=1, parent_id=12, entry_type="Entry")
    assert [(s.parent_id, s.status) for s in queue.recent(1, 2)] == [(12, "pending"), (11, "success")]


def test_a_state_file_from_an_older_station_gains_the_ended_flag(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE session (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, "
        "nursery_id INTEGER NOT NULL, nursery_name TEXT NOT NULL, nursery_code TEXT NOT NULL, expires_at TEXT NOT NULL)"
    )
    old.execute("INSERT INTO session VALUES (1, 't', 7, 'さくら保育園', 'sakura', '2030-01-01T00:00:00+00:00')")
    old.commit()
    old.close()
    session = SessionStore(open_database(path)).load()
    assert (session.nursery_id, session.ended) == (7, False)


def test_a_record_by_hand_is_kept_as_a_history_row_even_in_an_older_stations_state_file(tmp_path):
    """A 「カードを忘れた方」 record is a finished row shown as 手入力 and pruned as answers are; a state file made
    before the mark existed gains it, its scans read as they were."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE scan (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_scan_id TEXT NOT NULL UNIQUE, "
        "nursery_id INTEGER NOT NULL, parent_id INTEGER NOT NULL, entry_type TEXT NOT NULL, scanned_at TEXT NOT NULL, "
        "status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, parent_name TEXT, message TEXT, "
        "log_id INTEGER)"
    )
    old.execute(
        "INSERT INTO scan (client_scan_id, nursery_id, parent_id, entry_type, scanned_at) VALUES "
        "('old', 1, 5, 'Entry', '2026-11-29T00:00:00+00:00')"
    )
    old.commit()
    old.close()
    queue = ScanQueue(open_database(path), max_pending=5, keep_finished=2)
    assert [(s.parent_id, s.shown_status) for s in queue.recent(1, 10)] == [(5, "pending")]
    at = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    for log_id in (1, 2, 3):
        kept = queue.add_by_hand(nursery_id=1, parent_id=7, entry_type="Exit", at=at, parent_name="山田", log_id=log_id)
    assert (kept.status, kept.by_hand, kept.scanned_at, labels.status_text(kept.shown_status, None)) == (
        "success",
        True,
        at,
        "手入力",
    )
    assert [(s.log_id, s.shown_status) for s in queue.recent(1, 10)] == [
        (3, "by_hand"),
        (2, "by_hand"),
        (None, "pending"),
    ]
    assert queue.oldest_pending(1).client_scan_id == "old"  # nothing by hand is ever sent


def test_the_queue_survives_reopening(tmp_path):
    path = tmp_path / "q.sqlite3"
    first = open_database(path)
    scan = ScanQueue(first, max_pending=5, keep_finished=5).add(nursery_id=1, parent_id=7, entry_type="Exit")
    first.close()
    reopened = ScanQueue(open_database(path), max_pending=5, keep_finished=5)
    assert reopened.oldest_pending(1) == scan


async def test_an_unreachable_service_is_tried_once_and_retried_three_times_then_the_scan_waits(
    station_config, kiosk_world, dead_url, live_api
):
    station = Station(station_config())
    await station.login(kiosk_world.code, STATION_PASSWORD)
    station.client.point_at(dead_url)
    scan = station.accept(str(kiosk_world.parents[0].id), "Entry")
    await station.deliver_pending()
    waiting = station.queue.get(scan.client_scan_id)
    assert (waiting.status, waiting.attempts) == ("pending", 4)
    assert station.online is False

    station.client.point_at(live_api)
    await station.beat()
    assert station.queue.get(scan.client_scan_id).status == "success"
    assert station.online is True
    await station.close()
    assert [log.client_scan_id for log in recorded_logs(kiosk_world.nursery_id)] == [scan.client_scan_id]


async def test_a_busy_service_is_asked_again_no_sooner_than_its_retry_after(station_config, kiosk_world, live_api):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # what the station would sleep, recorded instead
        waits.append(seconds)

    station = Station(station_config(retry_backoff_seconds=1.0, heartbeat_seconds=60), sleep=sleep)
    await station.login(kiosk_world.code, STATION_PASSWORD)
    scan = station.accept(str(kiosk_world.parents[0].id), "Entry")
    busy = {"error": {"code": "unavailable", "message": "混み合っています", "details": None}}
    with serve() as proxy:
        station.client.point_at(proxy.url)
        for retry_after, expected in (("5", [5.0] * 3), ("600", [60.0] * 3)):
            proxy.answer(503, busy, {"Retry-After": retry_after})
            waits.clear()
            await station.deliver_pending()
            assert waits == expected  # at least what the service asked, never beyond the next heartbeat
        proxy.answer(502, b"Bad Gateway")
        waits.clear()
        await station.deliver_pending()
        assert len(waits) == 3
        for n, waited in enumerate(waits, start=1):  # no Retry-After: half to all of 1, 2, 4 s
            assert 2 ** (n - 1) / 2 <= waited <= 2 ** (n - 1)
        assert len(proxy.requests) == 12
    waiting = station.queue.get(scan.client_scan_id)
    assert (waiting.status, waiting.attempts) == ("pending", 12)

    station.client.point_at(live_api)
    await station.beat()
    assert station.queue.get(scan.client_scan_id).status == "success"
    await station.close()


async def test_a_resend_after_a_lost_answer_is_the_scans_own_record_not_a_double_scan(station_config, kiosk_world):
    station = Station(station_config())
    session = await station.login(kiosk_world.code, STATION_PASSWORD)
    assert signed_in_station_ids(kiosk_world.nursery_id) == [station.config.station_id]  # listed to be signed out
    scan = station.accept(str(kiosk_world.parents[0].id), "Entry")
    # A try that reached the service but whose answer never came back:
    await station.client.record_scan(
        session.token,
        client_scan_id=scan.client_scan_id,
        station_id="gate-1",
        nursery_id=scan.nursery_id,
        parent_id=scan.parent_id,
        entry_type=scan.entry_type,
        scanned_at=scan.scanned_at,
        sent_at=station.now(),
    )
    station.queue.count_attempt(scan.client_scan_id)
    await station.deliver_pending()
    assert station.queue.get(scan.client_scan_id).status == "success"
    await station.close()
    assert len(recorded_logs(kiosk_world.nursery_id)) == 1


async def test_a_double_scan_in_the_same_second_after_a_lost_answer_is_still_a_double_scan(station_config, kiosk_world):
    """What tells them apart is whose record the answer returns, not its time: both scans carry the same second."""
    moment = datetime.now(UTC).replace(microsecond=0)
    station = Station(station_config(), now=lambda: moment)
    await station.login(kiosk_world.code, STATION_PASSWORD)
    first = station.accept(str(kiosk_world.parents[0].id), "Entry")
    await station.deliver_pending()
    second = station.accept(str(kiosk_world.parents[0].id), "Entry")
    station.queue.count_attempt(second.client_scan_id)  # as if a try had got through and its answer been lost
    await station.deliver_pending()
    assert [station.queue.get(scan.client_scan_id).status for scan in (first, second)] == ["success", "duplicate"]
    await station.close()
    assert [log.client_scan_id for log in recorded_logs(kiosk_world.nursery_id)] == [first.client_scan_id]


async def test_login_refusals_carry_the_services_reason(station_config, kiosk_world, dead_url):
    station = Station(station_config())
    with pytest.raises(LoginRefused, match=labels.LOGIN_FIELDS_REQUIRED):
        await station.login("  ", "x")
    with pytest.raises(LoginRefused, match="あと4回"):
        await station.login(kiosk_world.code, "wrong")
    station.client.point_at(dead_url)
    with pytest.raises(LoginRefused, match=labels.SERVER_UNREACHABLE):
        await station.login(kiosk_world.code, STATION_PASSWORD)
    await station.close()


async def test_a_throttled_address_is_told_so_in_the_services_words_not_as_a_lost_connection(
    station_config, kiosk_world
):
    station = Station(station_config())
    for n in range(get_settings().login_address_max_failures):
        with pytest.raises(LoginRefused):
            await station.login(f"unknown{n}", "wrong")
    with pytest.raises(LoginRefused, match="^この接続元からの試行が多すぎます"):  # 429: asked to try later
        await station.login(kiosk_world.code, STATION_PASSWORD)
    assert station.online is True  # the service answered
    await station.close()


async def test_a_station_that_logged_in_before_logs_in_while_its_code_is_locked(station_config, kiosk_world):
    known = Station(station_config())
    await known.login(kiosk_world.code, STATION_PASSWORD)
    known.logout()  # staff log out at the end of the day; the station keeps its device token
    lock_code_from_elsewhere(kiosk_world.code)
    stranger = Station(station_config(state_dir=known.config.state_dir.parent / "stranger"))
    with pytest.raises(LoginRefused, match="ロックされています"):
        await stranger.login(kiosk_world.code, STATION_PASSWORD)
    session = await known.login(kiosk_world.code, STATION_PASSWORD)
    assert session.nursery_id == kiosk_world.nursery_id
    await known.close()
    await stranger.close()


def spy_on_sent_at(station: Station) -> dict[str, list[datetime]]:
    """The sentAt of every try of each scan, by client scan id, as the station's client sends them."""
    sent_at: dict[str, list[datetime]] = defaultdict(list)
    record_scan = station.client.record_scan

    async def recording(token: str, **fields):
        sent_at[fields["client_scan_id"]].append(fields["sent_at"])
        return await record_scan(token, **fields)

    station.client.record_scan = recording
    return sent_at


@pytest.mark.parametrize("offset", [timedelta(minutes=5), timedelta(minutes=-5)], ids=["fast", "slow"])
async def test_a_station_clock_that_is_off_files_each_scan_once_by_the_services_clock(
    station_config, kiosk_world, dead_url, live_api, offset
):
    """One scan sent at once, one held offline first: both are stored at the moment they were read, real time; each
    try says when it was sent."""
    station = Station(station_config(), now=lambda: datetime.now(UTC) + offset)
    await station.login(kiosk_world.code, STATION_PASSWORD)
    sent_at = spy_on_sent_at(station)
    hanako, taro = kiosk_world.parents
    before = datetime.now(UTC)
    sent = station.accept(str(hanako.id), "Entry")
    await station.deliver_pending()
    station.client.point_at(dead_url)
    held = station.accept(str(taro.id), "Exit")
    await station.deliver_pending()
    assert station.queue.get(held.client_scan_id).status == "pending"
    station.client.point_at(live_api)
    await station.deliver_pending()
    after = datetime.now(UTC)
    assert [station.queue.get(scan.client_scan_id).status for scan in (sent, held)] == ["success", "success"]
    await station.close()
    tries_of_held = sent_at[held.client_scan_id]
    assert len(tries_of_held) == 5 and tries_of_held == sorted(set(tries_of_held)), "one sentAt per try, each its own"
    assert tries_of_held[0] >= held.scanned_at

    logs = recorded_logs(kiosk_world.nursery_id)
    assert [(log.client_scan_id, log.entry_type) for log in logs] == [
        (sent.client_scan_id, "Entry"),
        (held.client_scan_id, "Entry"),  # 自動: taro was not inside, so he came in whatever the kiosk sent
    ]
    for log in logs:
        assert before <= log.occurred_at <= after, f"{log.occurred_at} is not the service's time of the scan"


async def test_an_expired_session_keeps_its_nursery_and_holds_scans_until_the_next_login(station_config, kiosk_world):
    config = station_config()
    station = Station(config)
    await station.login(kiosk_world.code, STATION_PASSWORD)
    await station.close()
    later = Station(config, now=lambda: station.session.expires_at)
    assert later.session.nursery_id == kiosk_world.nursery_id
    assert later.needs_login and later.live_session() is None
    held = later.accept(str(kiosk_world.parents[0].id), "Entry")
    await later.deliver_pending()
    waiting = later.queue.get(held.client_scan_id)
    assert (waiting.status, waiting.attempts) == ("pending", 0), "no try without a live token"
    assert await later.heartbeat() is False
    await later.close()


async def test_a_signed_out_station_holds_scans_and_sends_them_after_logging_in_again(station_config, kiosk_world):
    config = station_config()
    station = Station(config)
    await station.login(kiosk_world.code, STATION_PASSWORD)
    sign_out_stations(kiosk_world.nursery_id)
    first = station.accept(str(kiosk_world.parents[0].id), "Entry")
    await station.deliver_pending()
    assert station.needs_login and station.sessions.load().ended
    second = station.accept(str(kiosk_world.parents[1].id), "Entry")
    assert station.pending_count() == 2
    await station.close()
    assert recorded_logs(kiosk_world.nursery_id) == []

    restarted = Station(config)
    assert restarted.needs_login, "the ended token is not taken for a live one after a restart"
    await restarted.login(kiosk_world.code, STATION_PASSWORD)
    await restarted.deliver_pending()
    assert restarted.pending_count() == 0
    await restarted.close()
    logged = [log.client_scan_id for log in recorded_logs(kiosk_world.nursery_id)]
    assert logged == [first.client_scan_id, second.client_scan_id]


async def test_only_a_logout_forgets_the_nursery(station_config, kiosk_world):
    station = Station(station_config())
    await station.login(kiosk_world.code, STATION_PASSWORD)
    station.logout()
    assert station.sessions.load() is None and not station.needs_login
    with pytest.raises(NotLoggedIn):
        station.accept(str(kiosk_world.parents[0].id), "Entry")
    await station.close()


async def test_held_scans_are_decided_by_the_persons_state_when_replayed_in_their_order(
    station_config, kiosk_world, dead_url, live_api
):
    """自動: a morning held offline, every scan read with 入 chosen, is sent in its order once the service is back and
    each is recorded as the person's movement; the queue keeps what the service recorded."""
    with clock_at(japan_time(2026, 6, 1, 8, 30)):
        reading = [datetime.now(UTC)]
        station = Station(station_config(), now=lambda: reading[0])
        await station.login(kiosk_world.code, STATION_PASSWORD)
        hanako, taro = kiosk_world.parents
        station.client.point_at(dead_url)
        held = []
        for person in (hanako, taro, hanako, taro, hanako):
            held.append(station.accept(str(person.id), "Entry"))
            reading[0] += timedelta(minutes=1)  # the next parent a minute later
        await station.deliver_pending()
        assert station.pending_count() == 5
        station.client.point_at(live_api)  # a minute after the last scan by the station's clock
        await station.deliver_pending()
        kept = [station.queue.get(scan.client_scan_id) for scan in held]
        await station.close()
    movements = ["Entry", "Entry", "Exit", "Exit", "Entry"]
    assert [(scan.status, scan.entry_type) for scan in kept] == [("success", move) for move in movements]
    logs = recorded_logs(kiosk_world.nursery_id)
    assert [(log.client_scan_id, log.entry_type, log.decided_by) for log in logs] == [
        (scan.client_scan_id, move, "presence") for scan, move in zip(held, movements, strict=True)
    ]
    assert [log.occurred_at for log in logs] == sorted(log.occurred_at for log in logs)
