"""The station without its screens: the scan rules, the durable queue, retries and resends against the live service."""

from datetime import UTC, datetime

import pytest

from clientkit import station_labels as labels
from scanner_station.queue import QueueFull, ScanQueue, open_database
from scanner_station.station import InvalidScan, LoginRefused, Station, parse_barcode
from tests.scanner_station.conftest import STATION_PASSWORD, recorded_logs, signed_in_station_ids


@pytest.mark.parametrize(
    ("raw", "parent_id"),
    [("1", 1), ("0", 0), ("123456", 123456), ("9999999999", 9999999999), (" 42 ", 42), ("007", 7)],
)
def test_parent_ids_are_one_to_ten_ascii_digits(raw, parent_id):
    assert parse_barcode(raw) == parent_id


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", labels.SCAN_EMPTY),
        ("   ", labels.SCAN_EMPTY),
        ("12a4", labels.SCAN_NOT_DIGITS),
        ("ABC", labels.SCAN_NOT_DIGITS),
        ("１２３", labels.SCAN_NOT_DIGITS),
        ("-12", labels.SCAN_NOT_DIGITS),
        ("1 2", labels.SCAN_NOT_DIGITS),
        ("²", labels.SCAN_NOT_DIGITS),
        ("12345678901", labels.SCAN_TOO_LONG.format(n=11)),
        ("12\x1d34", labels.SCAN_CONTROL_CHARACTERS),
        ("\t123", labels.SCAN_CONTROL_CHARACTERS),
        ("123\r", labels.SCAN_CONTROL_CHARACTERS),
        ("\x00", labels.SCAN_CONTROL_CHARACTERS),
    ],
)
def test_anything_else_is_refused_with_the_rule_it_breaks(raw, message):
    with pytest.raises(InvalidScan) as refused:
        parse_barcode(raw)
    assert refused.value.message == message


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


def test_a_scan_the_service_refused_is_never_pruned_and_stays_shown_with_its_reason(tmp_path):
    """A weekend of refusals is not lost under newer scans: staff still see each one, with why, to record by hand."""
    queue = ScanQueue(open_database(tmp_path / "q.sqlite3"), max_pending=5, keep_finished=2)
    refused = queue.add(nursery_id=1, parent_id=99, entry_type="Entry")
    queue.finish(refused.client_scan_id, "failed", message=labels.PARENT_NOT_FOUND)
    for parent_id in (10, 11, 12, 13):
        scan = queue.add(nursery_id=1, parent_id=parent_id, entry_type="Entry")
        queue.finish(scan.client_scan_id, "success", parent_name=f"p{parent_id}", log_id=parent_id)
    shown = queue.recent(1, 2)
    assert [(s.parent_id, s.status) for s in shown] == [(13, "success"), (12, "success"), (99, "failed")]
    assert labels.status_text(shown[-1].status, shown[-1].message) == "保留（保護者が見つかりません）"


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


async def test_an_expired_session_is_not_resumed(station_config, kiosk_world):
    config = station_config()
    station = Station(config)
    await station.login(kiosk_world.code, STATION_PASSWORD)
    await station.close()
    later = Station(config, now=lambda: station.session.expires_at)
    assert later.session is None
    assert later.sessions.load() is None
    await later.close()
