"""Scan stations: N stations scanning while station heartbeats run, an offline-queue replay, the log list at 1M rows.

    .venv/bin/python bench/scans.py [--stations 50] [--scan-interval 0.5] [--heartbeat-rate 100] [--seconds 20]
                                    [--workers 2] [--logs 1000000] [--rounds 3]

Creates and migrates its own bench database (`common.BENCH_DB`), seeds one nursery per station with
500 parents each, starts uvicorn, then:
  1. every station scans a random parent of its nursery every --scan-interval seconds (open loop) while station
     heartbeats (POST /api/auth/heartbeat) arrive at --heartbeat-rate per second (latency, the target). As a kiosk,
     a station sends both over its one keep-alive connection and presents the token its last heartbeat renewed. In
     --rounds rounds alternating with scans alone and heartbeats alone, whose server/database/client CPU per request
     is shown, and with the same heartbeats sent to a bare ASGI app on the same server (bench/floor_app.py): the
     server's own cost per request on this machine, the floor under both figures;
  2. replays 100 queued scans with 30 re-sent client scan ids shuffled in, 10 at a time, and counts the rows;
  3. loads --logs logs into one nursery and times GET /api/entry-exit-logs pages with and without filters.
Stops the server, removes its temp folder and prints ONE final JSON line.
Targets: scan p99 ≤ 50 ms; 0 duplicate rows after the replay; ≤ 100 ms per list page at 1,000,000 logs.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from functools import partial

from common import (
    CpuMeter,
    HttpConnection,
    LoadResult,
    Server,
    fresh_bench_database,
    post_request,
    print_result,
    remove,
    start_server,
    temp_dir,
    use_bench_database,
)

HEADLINE = ("scan_p99_ms", "replay.duplicate_rows", "list_worst_median_ms")
SCAN = "/api/entry-exit-logs"
HEARTBEAT = "/api/auth/heartbeat"
PARENTS_PER_NURSERY = 500
REPLAY_SCANS = 100
REPLAY_DUPLICATES = 30
LIST_RUNS = 7
WARM_UP_SECONDS = 3.0


def seed(stations: int) -> tuple[list[dict], str]:
    """One nursery per station with 500 parents (one child each); station tokens and a staff JWT for nursery 1."""
    from sqlalchemy import insert

    from service.database import session_scope, utcnow
    from service.entry_logs.models import Child, Guardian, Nursery, Parent
    from service.entry_logs.station import issue_station_token
    from service.identity.security import hash_password, issue_token
    from tests.factories import make_user

    password_hash = hash_password("bench-station-pass")
    now = utcnow()
    seeded = []
    with session_scope() as db:
        for n in range(stations):
            nursery = Nursery(code=f"bench{n:03d}", name=f"ベンチ保育園{n}", entry_exit_password_hash=password_hash)
            db.add(nursery)
            db.flush()
            rows = [
                {"nursery_id": nursery.id, "name": f"保護者{n}-{i}", "phone": "", "created_at": now, "updated_at": now}
                for i in range(PARENTS_PER_NURSERY)
            ]
            parent_ids = list(db.scalars(insert(Parent).returning(Parent.id, sort_by_parameter_order=True), rows))
            child_rows = [
                {
                    "nursery_id": nursery.id,
                    "name": f"園児{n}-{i}",
                    "class_name": f"{i % 5}組",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(PARENTS_PER_NURSERY)
            ]
            child_ids = list(db.scalars(insert(Child).returning(Child.id, sort_by_parameter_order=True), child_rows))
            db.execute(
                insert(Guardian), [{"child_id": c, "parent_id": p} for c, p in zip(child_ids, parent_ids, strict=True)]
            )
            token = issue_station_token(db, nursery, now=now).token
            seeded.append({"nursery_id": nursery.id, "parents": parent_ids, "token": token})
        staff = make_user(db, "bench-staff", grants={"entry_logs": ("staff", str(seeded[0]["nursery_id"]))})
        staff_jwt = issue_token(subject=str(staff.id), kind="user", now=now, minutes=240).token
    return seeded, staff_jwt


def scan_body(parent_id: int, entry_type: str, client_scan_id: str, scanned_at: str | None = None) -> bytes:
    """A scan as the stations send it: their clock's reading of the scan and of the send (now, unless replayed)."""
    sent_at = datetime.now(UTC).isoformat()
    body = {
        "parentId": str(parent_id),
        "entryType": entry_type,
        "clientScanId": client_scan_id,
        "stationId": "bench",
        "scannedAt": scanned_at or sent_at,
        "sentAt": sent_at,
    }
    return json.dumps(body).encode()


class StationClient:
    """A station's one keep-alive connection, used by its scans and heartbeats one request at a time as the kiosk's
    HTTP client does. It presents the station's current token: with `adopt` (the API), the one its last heartbeat
    renewed (FR-HB-005), as the kiosk and the browser station do."""

    def __init__(self, port: int, station: dict, *, adopt: bool) -> None:
        self.connection = HttpConnection(port)
        self.lock = asyncio.Lock()
        self.station = station
        self.adopt = adopt
        self.rng = random.Random(station["nursery_id"])

    async def send(self, path: str, body: bytes, result: LoadResult) -> None:
        """One request, its latency (waiting for the connection included) counted in `result` when it succeeds."""
        started = time.perf_counter()
        try:
            async with self.lock:
                status, answer = await self.connection.request(post_request(path, body, self.station["token"]))
        except (ConnectionError, asyncio.IncompleteReadError):
            self.connection.close()
            result.failed += 1
            return
        if status not in (200, 201):
            result.failed += 1
            return
        result.ok += 1
        result.latencies.append((time.perf_counter() - started) * 1000)
        if path == HEARTBEAT and self.adopt:
            self.station["token"] = json.loads(answer)["token"]

    async def scan(self, result: LoadResult) -> None:
        """A scan of a random parent of the station's nursery."""
        parent, entry_type = self.rng.choice(self.station["parents"]), self.rng.choice(("Entry", "Exit"))
        await self.send(SCAN, scan_body(parent, entry_type, uuid.uuid4().hex), result)


async def every(interval: float, phase: float, stop_at: float, action) -> None:
    """`action()` every `interval` seconds from `phase` (a fraction of it) on until `stop_at` (open loop)."""
    next_at = time.perf_counter() + phase * interval
    while next_at < stop_at:
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        next_at += interval
        await action()


async def station_round(
    port: int,
    stations: list[dict],
    args: argparse.Namespace,
    seconds: float,
    *,
    scans: LoadResult | None = None,
    beats: LoadResult | None = None,
    adopt: bool = True,
) -> None:
    """Every station on its own connection for `seconds`: a scan every --scan-interval from a random phase (into
    `scans`) and heartbeats, the stations' spread evenly to --heartbeat-rate together (into `beats`); either left out
    when not given."""
    stop_at = time.perf_counter() + seconds
    clients = [StationClient(port, station, adopt=adopt) for station in stations]
    beat_interval = len(stations) / args.heartbeat_rate
    loops = []
    for index, client in enumerate(clients):
        if scans is not None:
            loops.append(every(args.scan_interval, client.rng.random(), stop_at, partial(client.scan, scans)))
        if beats is not None:
            beat = partial(client.send, HEARTBEAT, b"", beats)
            loops.append(every(beat_interval, index / len(clients), stop_at, beat))
    try:
        await asyncio.gather(*loops)
    finally:
        for client in clients:
            client.connection.close()


async def metered(meter: CpuMeter, result: LoadResult, load) -> None:
    """Run one round, adding its duration and the CPU it cost to `result`."""
    meter.begin()
    began = time.perf_counter()
    await load
    result.add(LoadResult(seconds=time.perf_counter() - began, cpu=meter.end()))


async def measure(
    server: Server, floor: Server, stations: list[dict], args: argparse.Namespace
) -> dict[str, LoadResult]:
    """A short warm-up, then rounds of: scans and heartbeats together (latency, the target), scans alone, heartbeats
    alone and heartbeats to the bare app (CPU per request). Alternating spreads the shared machine's speed swings over
    all figures."""
    port, pid = server.port, server.process.pid
    await station_round(port, stations, args, WARM_UP_SECONDS, scans=LoadResult(), beats=LoadResult())
    await station_round(floor.port, stations, args, WARM_UP_SECONDS, beats=LoadResult(), adopt=False)
    figures = {name: LoadResult() for name in ("mixed_scans", "mixed_heartbeats", "scans", "heartbeats", "floor")}
    mixed = args.seconds / args.rounds
    for _ in range(args.rounds):
        scans, beats = LoadResult(), LoadResult()
        began = time.perf_counter()
        await station_round(port, stations, args, mixed, scans=scans, beats=beats)
        scans.seconds = beats.seconds = time.perf_counter() - began
        figures["mixed_scans"].add(scans)
        figures["mixed_heartbeats"].add(beats)
        alone = LoadResult()
        await metered(CpuMeter(pid), alone, station_round(port, stations, args, mixed / 2, scans=alone))
        figures["scans"].add(alone)
        alone = LoadResult()
        await metered(CpuMeter(pid), alone, station_round(port, stations, args, mixed / 2, beats=alone))
        figures["heartbeats"].add(alone)
        alone = LoadResult()
        floor_round = station_round(floor.port, stations, args, mixed / 2, beats=alone, adopt=False)
        await metered(CpuMeter(floor.process.pid), alone, floor_round)
        figures["floor"].add(alone)
    return figures


async def replay_queue(port: int, station: dict) -> dict:
    """An offline queue flushed late: 100 scans of distinct parents, 30 of them sent twice, shuffled, 10 in flight."""
    from service.database import utcnow

    now = utcnow()
    parents = random.Random(7).sample(station["parents"], REPLAY_SCANS)
    queued = [
        (f"replay-{i:03d}", scan_body(p, "Entry", f"replay-{i:03d}", (now - timedelta(minutes=120 - i)).isoformat()))
        for i, p in enumerate(parents)
    ]
    sends = queued + random.Random(8).sample(queued, REPLAY_DUPLICATES)
    random.Random(9).shuffle(sends)
    statuses: list[int] = []
    pending = asyncio.Queue()
    for item in sends:
        pending.put_nowait(item)

    async def sender() -> None:
        connection = HttpConnection(port)
        try:
            while not pending.empty():
                _, body = pending.get_nowait()
                statuses.append((await connection.request(post_request(SCAN, body, station["token"])))[0])
        finally:
            connection.close()

    await asyncio.gather(*(sender() for _ in range(10)))
    return {"sent": len(sends), "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))}, **replay_rows()}


def replay_rows() -> dict:
    from sqlalchemy import func, select

    from service.database import session_scope
    from service.entry_logs.models import EntryLog

    with session_scope() as db:
        stored = db.scalar(select(func.count()).select_from(EntryLog).where(EntryLog.client_scan_id.like("replay-%")))
        per_id = (
            select(EntryLog.client_scan_id)
            .where(EntryLog.client_scan_id.like("replay-%"))
            .group_by(EntryLog.client_scan_id)
        )
        duplicated = db.scalar(select(func.count()).select_from(per_id.having(func.count() > 1).subquery()))
    return {"rows_stored": stored, "duplicate_rows": duplicated}


def load_logs(nursery_id: int, parent_ids: list[int], total: int) -> float:
    """`total` logs for one nursery over the past year, generated inside PostgreSQL, counted; then VACUUM ANALYZE."""
    from sqlalchemy import text

    from service.database import get_engine, session_scope
    from service.entry_logs import counts

    started = time.perf_counter()
    engine = get_engine()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO entry_logs_log (parent_id, nursery_id, entry_type, occurred_at, created_at, station_id) "
                "SELECT (:parents)[1 + (g % cardinality(:parents))], :nursery, "
                "CASE WHEN g % 2 = 0 THEN 'Entry' ELSE 'Exit' END, "
                "now() - make_interval(secs => (g::double precision * 31536000 / :total)), now(), 'bench' "
                "FROM generate_series(1, :total) AS g"
            ),
            {"parents": parent_ids, "nursery": nursery_id, "total": total},
        )
    with session_scope() as db:
        counts.rebuild(db, nursery_id=nursery_id)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE entry_logs_log"))
        conn.execute(text("VACUUM ANALYZE entry_logs_hour_count"))
    return time.perf_counter() - started


def time_list_queries(port: int, staff_jwt: str) -> dict:
    """Median and worst of several GETs per query shape, measured over HTTP (includes the count)."""
    import httpx

    from service.database import utcnow

    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    shapes = {
        "page_1": {},
        "page_1000": {"page": 1000},
        "one_day": {"from": yesterday, "to": yesterday},
        "parent_name": {"parentName": "保護者0-12"},
        "child_name": {"childName": "園児0-7"},
        "exits_page_1_size_100": {"entryType": "Exit", "pageSize": 100},
    }
    timings: dict[str, dict] = {}
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {staff_jwt}"}, timeout=30
    ) as client:
        for name, params in shapes.items():
            samples, total = [], 0
            for _ in range(LIST_RUNS):
                started = time.perf_counter()
                response = client.get(SCAN, params=params)
                samples.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                total = response.json()["totalCount"]
            timings[name] = {
                "median_ms": round(statistics.median(samples), 1),
                "max_ms": round(max(samples), 1),
                "total_count": total,
            }
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--scan-interval", type=float, default=0.5, help="seconds between one station's scans")
    parser.add_argument("--heartbeat-rate", type=float, default=100.0, help="station heartbeats per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds: together, scans alone, heartbeats alone"
    )
    args = parser.parse_args()

    data_dir = temp_dir("daicho-bench-scans-")
    use_bench_database(data_dir)
    fresh_bench_database()
    stations, staff_jwt = seed(args.stations)
    with ExitStack() as cleanup:  # whatever was started is stopped, also when the second server fails to start
        cleanup.callback(remove, data_dir)
        server = start_server(data_dir, workers=args.workers)
        cleanup.callback(server.stop)
        floor = start_server(data_dir, workers=args.workers, app="bench.floor_app:app")
        cleanup.callback(floor.stop)
        figures = asyncio.run(measure(server, floor, stations, args))
        replay = asyncio.run(replay_queue(server.port, stations[1 % len(stations)]))
        load_seconds = load_logs(stations[0]["nursery_id"], stations[0]["parents"], args.logs)
        lists = time_list_queries(server.port, staff_jwt)
    print_result(
        {
            "bench": "scans",
            "stations": args.stations,
            "workers": args.workers,
            "rounds": args.rounds,
            "scan_rate_per_s": round(figures["mixed_scans"].rate, 1),
            "scans_ok": figures["mixed_scans"].ok,
            "scans_failed": figures["mixed_scans"].failed + figures["scans"].failed,
            "scan_p50_ms": round(figures["mixed_scans"].percentile(0.50), 1),
            "scan_p99_ms": round(figures["mixed_scans"].percentile(0.99), 1),
            "heartbeats_per_s": round(figures["mixed_heartbeats"].rate, 1),
            "heartbeats_failed": figures["mixed_heartbeats"].failed + figures["heartbeats"].failed,
            "cpu_ms_per_scan": figures["scans"].cpu_ms_per_request(),
            "cpu_ms_per_heartbeat": figures["heartbeats"].cpu_ms_per_request(),
            "server_floor_cpu_ms_per_request": figures["floor"].cpu_ms_per_request()["server"],
            "replay": replay,
            "logs_loaded": args.logs,
            "logs_load_seconds": round(load_seconds, 1),
            "list_queries": lists,
            "list_worst_median_ms": max(t["median_ms"] for t in lists.values()),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "targets": {"scan_p99_ms": 50, "duplicate_rows": 0, "list_page_ms": 100},
        }
    )


if __name__ == "__main__":
    main()
