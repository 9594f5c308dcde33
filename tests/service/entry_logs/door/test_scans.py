import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql

from service.database import get_engine, utcnow
from service.dialect import POSTGRESQL
from service.entry_logs import counts
from service.entry_logs.door import scans
from service.entry_logs.models import MANUAL, EntryLog, LogHourCount, Nursery, Parent
from tests.service.entry_logs.world import make_world, scan
from tests.support.database import drop_other_connections
from tests.support.waiting import wait_until


def log_count(db) -> int:
    count = db.scalar(select(func.count()).select_from(EntryLog))
    db.commit()
    return count


@pytest.mark.dialect
def test_scan_records_the_log_and_greets_with_names(client, db, sakura):
    parent = sakura.parents[0]
    response = scan(client, sakura, str(parent.id), clientScanId="scan-1", stationId="gate-1")
    assert response.status_code == 201
    body = response.json()
    assert body["parentId"] == parent.id and body["parentName"] == parent.name
    assert body["nurseryId"] == sakura.nursery.id and body["entryType"] == "Entry"
    assert body["childNames"] == ["sakura園児0", "sakura園児3"]
    assert body["timestamp"].endswith("Z") and body["duplicate"] is False
    log = db.get(EntryLog, body["id"])
    assert (log.station_id, log.client_scan_id, log.occurred_at.tzinfo is not None) == ("gate-1", "scan-1", True)


@pytest.mark.dialect
def test_parent_id_may_be_a_number(client, sakura):
    assert scan(client, sakura, sakura.parents[1].id, "Exit").status_code == 201


@pytest.mark.parametrize(
    "bad", ["12a", "", "\r\n", "12345678901", "1\n2", "1 2", "-1", -1, 12345678901, 1.5, True, None, "１２a"]
)
def test_bad_parent_ids_are_422_and_nothing_is_stored(client, db, sakura, bad):
    response = scan(client, sakura, bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] in {"invalid_parent_id", "validation_failed"}
    if error["code"] == "invalid_parent_id":
        assert error["message"] == "保護者IDは数字のみ、1～10桁で入力してください"
    assert log_count(db) == 0


@pytest.mark.dialect
def test_unknown_parent_and_another_nurserys_parent_are_the_same_not_found(client, db, sakura, himawari):
    for parent_id in ("9999999999", str(himawari.parents[0].id)):
        response = scan(client, sakura, parent_id)
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "保護者が見つかりません"
    assert log_count(db) == 0


def test_body_nursery_must_be_the_stations_nursery(client, db, sakura, himawari):
    response = scan(client, sakura, sakura.parents[0].id, nurseryId=himawari.nursery.id)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "nursery_mismatch"
    assert log_count(db) == 0


@pytest.mark.dialect
def test_resent_client_scan_id_returns_the_first_result_and_writes_nothing(client, db, sakura):
    first = scan(client, sakura, sakura.parents[0].id, clientScanId="abc-1")
    again = scan(client, sakura, sakura.parents[0].id, clientScanId="abc-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() | {"duplicate": True}
    assert log_count(db) == 1


@pytest.mark.dialect
def test_client_scan_id_used_for_another_parent_is_a_conflict(client, db, sakura):
    scan(client, sakura, sakura.parents[0].id, clientScanId="abc-2")
    response = scan(client, sakura, sakura.parents[1].id, clientScanId="abc-2")
    assert response.status_code == 409
    assert log_count(db) == 1


def hour_counts(db, nursery_id: int) -> list[tuple]:
    rows = db.execute(
        select(LogHourCount.hour_start, LogHourCount.entry_type, LogHourCount.live_count)
        .where(LogHourCount.nursery_id == nursery_id)
        .order_by(LogHourCount.hour_start, LogHourCount.entry_type)
    ).all()
    db.commit()
    return [tuple(row) for row in rows]


@pytest.mark.dialect
def test_the_hourly_counts_hold_the_written_scans_only(client, db, sakura):
    first, second = sakura.parents[0].id, sakura.parents[1].id
    statuses = [
        scan(client, sakura, first, clientScanId="count-1").status_code,
        scan(client, sakura, first, clientScanId="count-1").status_code,  # resent
        scan(client, sakura, first, clientScanId="count-2").status_code,  # a double scan
        scan(client, sakura, second, clientScanId="count-1").status_code,  # the id reused for another parent
        scan(client, sakura, second, "Exit", clientScanId="count-3").status_code,
    ]
    assert statuses == [201, 200, 200, 409, 201]
    kept = hour_counts(db, sakura.nursery.id)
    # 自動: the second parent, not inside, is recorded (and counted) as 入 although 出 was sent
    assert sorted((entry_type, count) for _, entry_type, count in kept) == [("Entry", 2)]
    counts.rebuild(db, nursery_id=sakura.nursery.id)
    db.commit()
    assert hour_counts(db, sakura.nursery.id) == kept


@pytest.mark.dialect
def test_concurrent_duplicate_posts_store_one_row(client, db, sakura):
    parent_id = sakura.parents[0].id
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: scan(client, sakura, parent_id, clientScanId="same-scan"), range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert log_count(db) == 1


@pytest.mark.dialect
def test_concurrent_double_scans_with_fresh_ids_store_one_row(client, db, sakura):
    parent_id = sakura.parents[0].id
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda i: scan(client, sakura, parent_id, clientScanId=f"fresh-{i}"), range(6)))
    assert [r.json()["duplicate"] for r in responses].count(False) == 1
    assert log_count(db) == 1


@pytest.mark.dialect
def test_double_scan_window_is_per_parent_and_type_in_manual_mode(client, db):
    sakura = make_world(db, "sakura", entry_mode=MANUAL)
    db.commit()
    now = utcnow()
    parent_id = sakura.parents[0].id
    first = scan(client, sakura, parent_id, scannedAt=(now - timedelta(seconds=30)).isoformat())
    within = scan(client, sakura, parent_id, scannedAt=(now - timedelta(seconds=21)).isoformat())
    assert within.json()["duplicate"] is True and within.json()["id"] == first.json()["id"]
    assert (
        scan(client, sakura, parent_id, "Exit", scannedAt=(now - timedelta(seconds=20)).isoformat()).status_code == 201
    )
    assert scan(client, sakura, parent_id, scannedAt=(now - timedelta(seconds=19)).isoformat()).status_code == 201
    assert scan(client, sakura, sakura.parents[1].id).status_code == 201
    assert log_count(db) == 4


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.dialect
@pytest.mark.parametrize(
    "as_sent",
    [
        lambda digits: digits.translate(FULL_WIDTH),
        lambda digits: digits + "\r\n",
        lambda digits: digits + "\r",
        lambda digits: digits + "\n",
        lambda digits: digits + "\t",
        lambda digits: f" {digits} ",
    ],
    ids=["full-width", "crlf", "cr", "lf", "tab", "spaces"],
)
def test_scanner_suffixes_and_full_width_digits_are_read_as_the_digits(client, sakura, as_sent):
    parent_id = sakura.parents[0].id
    response = scan(client, sakura, as_sent(str(parent_id)))
    assert response.status_code == 201 and response.json()["parentId"] == parent_id


def test_scanned_at_older_than_the_retention_period_is_refused(client, db, sakura):
    response = scan(client, sakura, sakura.parents[0].id, scannedAt=(utcnow() - timedelta(days=366)).isoformat())
    assert response.status_code == 422
    assert response.json()["error"]["details"]["rule"] == "within_retention_period"
    assert log_count(db) == 0


def stored_times(db, response) -> tuple:
    log = db.get(EntryLog, response.json()["id"])
    db.commit()
    return log.occurred_at, log.station_scanned_at


@pytest.mark.dialect
@pytest.mark.parametrize("clock", [timedelta(minutes=5), timedelta(minutes=-5), timedelta(days=-400)])
def test_a_station_clock_that_is_off_records_the_scan_at_the_services_time(client, db, sakura, clock):
    """A live scan: the station sends its clock's reading twice (scannedAt, sentAt); the service's now decides."""
    station_now = utcnow() + clock
    before = utcnow()
    response = scan(
        client, sakura, sakura.parents[0].id, scannedAt=station_now.isoformat(), sentAt=station_now.isoformat()
    )
    assert response.status_code == 201
    occurred_at, station_scanned_at = stored_times(db, response)
    assert before <= occurred_at <= utcnow()
    assert station_scanned_at == station_now


@pytest.mark.dialect
def test_a_queued_scan_keeps_its_age_by_the_stations_clock(client, db, sakura):
    """Held 40 minutes by a station whose clock runs 5 minutes fast: recorded 40 minutes before the service's now."""
    station_now = utcnow() + timedelta(minutes=5)
    scanned = station_now - timedelta(minutes=40)
    before = utcnow()
    response = scan(client, sakura, sakura.parents[0].id, scannedAt=scanned.isoformat(), sentAt=station_now.isoformat())
    occurred_at, station_scanned_at = stored_times(db, response)
    assert before - timedelta(minutes=40) <= occurred_at <= utcnow() - timedelta(minutes=40)
    assert station_scanned_at == scanned


@pytest.mark.dialect
def test_a_scan_time_ahead_of_now_without_sent_at_is_taken_as_now(client, db, sakura):
    ahead = utcnow() + timedelta(minutes=5)
    before = utcnow()
    response = scan(client, sakura, sakura.parents[0].id, scannedAt=ahead.isoformat())
    assert response.status_code == 201
    occurred_at, station_scanned_at = stored_times(db, response)
    assert before <= occurred_at <= utcnow() and station_scanned_at == ahead


@pytest.mark.dialect
def test_a_station_clock_within_a_minute_is_not_kept(client, db, sakura):
    scanned = utcnow() - timedelta(seconds=20)
    response = scan(client, sakura, sakura.parents[0].id, scannedAt=scanned.isoformat())
    assert stored_times(db, response) == (scanned, None)


@pytest.mark.dialect
def test_a_weekend_of_queued_scans_is_kept_with_its_own_time_and_flagged_late(client, db, sakura, staff):
    """A station offline from Friday evening sends its queue on Monday: every scan is stored as it happened."""
    friday = utcnow() - timedelta(days=3)
    sent = [
        scan(client, sakura, p.id, clientScanId=f"fri-{p.id}", scannedAt=friday.isoformat()) for p in sakura.parents
    ]
    assert [r.status_code for r in sent] == [201] * len(sakura.parents)
    assert scan(client, sakura, sakura.parents[0].id, "Exit").status_code == 201
    listed = client.get("/api/entry-exit-logs", params={"sort": "timestamp"}, headers=staff).json()["logs"]
    assert [(log["timestamp"][:16], log["late"]) for log in listed] == [
        *[(friday.strftime("%Y-%m-%dT%H:%M"), True)] * len(sakura.parents),
        (listed[-1]["timestamp"][:16], False),
    ]
    exported = client.get("/api/entry-exit-logs/export", params={"sort": "timestamp"}, headers=staff).text
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0][-5:] == ["端末の時刻", "手入力者", "手入力の理由", "登録日時", "遅延登録"]
    # a row per child: the parents' four children, then parent 0's two
    assert [row[-1] for row in rows[1:]] == ["遅延"] * len(sakura.children) + ["", ""]


def test_scanning_needs_a_station_token(client, db, sakura, staff):
    assert scan(client, sakura, sakura.parents[0].id, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert scan(client, sakura, sakura.parents[0].id, headers=staff).status_code == 401
    assert log_count(db) == 0


def test_scanned_at_needs_a_time_zone(client, db, sakura):
    response = scan(client, sakura, sakura.parents[0].id, scannedAt="2026-01-14T09:15:32")
    assert response.status_code == 422 and "タイムゾーン" in response.json()["error"]["message"]
    assert log_count(db) == 0


@pytest.mark.dialect
def test_the_answer_carries_the_client_scan_id_of_the_log_it_returns(client, sakura):
    parent_id = sakura.parents[0].id
    written = scan(client, sakura, parent_id, clientScanId="kiosk-1")
    replayed = scan(client, sakura, parent_id, clientScanId="kiosk-1")
    double = scan(client, sakura, parent_id, clientScanId="kiosk-2")
    anonymous = scan(client, sakura, sakura.parents[1].id)
    assert [(r.status_code, r.json()["clientScanId"]) for r in (written, replayed, double, anonymous)] == [
        (201, "kiosk-1"),
        (200, "kiosk-1"),
        (200, "kiosk-1"),
        (201, None),
    ]
    assert double.json()["duplicate"] is True and double.json()["id"] == written.json()["id"]


@pytest.mark.postgres_only
def test_scans_and_heartbeats_go_on_after_the_database_dropped_every_connection(client, db, sakura):
    """The pool's connections die (a database restart); the next requests are served on new ones, and nothing is
    written twice."""
    first = scan(client, sakura, sakura.parents[0].id, clientScanId="before-drop")
    assert first.status_code == 201
    assert drop_other_connections(get_engine()) >= 1
    assert client.post("/api/auth/heartbeat", headers=sakura.station_headers).status_code == 200
    assert scan(client, sakura, sakura.parents[1].id, clientScanId="after-drop").status_code == 201
    assert scan(client, sakura, sakura.parents[0].id, clientScanId="before-drop").json()["duplicate"] is True
    stored = db.scalars(select(EntryLog.client_scan_id).order_by(EntryLog.id)).all()
    assert stored == ["before-drop", "after-drop"]


@pytest.mark.postgres_only
def test_a_station_signed_out_while_its_scan_waits_for_the_parent_lock_writes_nothing(client, db, sakura):
    """The lock is granted only after the nursery's stations were signed out, and the scan's write (its own snapshot)
    sees that, so the scan is refused and stores nothing."""
    parent_id = sakura.parents[0].id
    with ThreadPoolExecutor(max_workers=1) as pool, get_engine().connect() as holder:
        holder.execute(select(Parent.id).where(Parent.id == parent_id).with_for_update())
        holder.execute(
            update(Nursery)
            .where(Nursery.id == sakura.nursery.id)
            .values(station_generation=Nursery.station_generation + 1)
        )
        waiting = pool.submit(scan, client, sakura, parent_id, clientScanId="during-sign-out")
        wait_until(lambda: blocked_by(holder), message="the scan waits for the parent's lock")
        holder.commit()
        refused = waiting.result()
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "station_disabled"
    assert log_count(db) == 0
    assert hour_counts(db, sakura.nursery.id) == []


def blocked_by(connection) -> int:
    """How many other sessions wait for a lock this connection holds."""
    waiting = "select count(*) from pg_locks where not granted and pg_backend_pid() = any(pg_blocking_pids(pid))"
    return connection.scalar(text(waiting))


def test_the_scans_statements_stay_within_psycopgs_query_cache():
    """psycopg keeps a statement's parsed placeholders only up to a length and a number of parameters; a longer scan
    statement is parsed again on every scan, which doubled the API's instructions per scan when it happened."""
    statements = [scans._LOCKED_PARENT, *(step.statement for step in scans._write_steps(POSTGRESQL))]
    for statement in statements:
        sql = str(statement.compile(dialect=postgresql.psycopg.dialect())).encode()
        assert len(sql) <= MAX_CACHED_STATEMENT_LENGTH
        assert len(set(re.findall(rb"%\((\w+)\)s", sql))) <= MAX_CACHED_STATEMENT_PARAMS
