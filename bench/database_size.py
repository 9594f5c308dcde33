"""The database at the sizing table's size: a week of raw metric samples at 20,000 terminals (≈ 40 M rows, one every 5
minutes a terminal), with the hourly rollups and terminal events that go with them, in the day-partitioned table.

    .venv/bin/python bench/database_size.py [--terminals 20000] [--days 7] [--pages 20] [--ab-batches 40]

Migrates its own bench database on PostgreSQL and loads it with COPY; then measures the disk of each table and its
indexes (the samples' partitions summed), the WAL the load wrote, dropping the oldest day (`retention.drop_past`,
as the prune job does) and whether the table is no larger after a prune and a new day, the fleet's API pages at that
size (the terminal's 24 h and 7 d chart, the dashboard, the terminal list: p50/p95 over --pages requests each, one API
worker), and the heartbeat's sample insert A/B against an unpartitioned copy of the table with the same indexes
(batches of 500 rows, alternating, in the same minutes), then the runbook's backup and restore drill at that size.
Drops its database and prints ONE final JSON line.
Targets: a day's drop ≤ 2 s; the table no larger after a prune and a new day; each page p95 within the fleet pages'
targets (≤ 1,000 ms API, a page drawn ≤ 2 s); the partitioned insert no slower than the unpartitioned one (≤ 1.1×).
"""

import argparse
import io
import itertools
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import (
    ROOT,
    fresh_bench_database,
    load_average,
    print_result,
    remove,
    say,
    start_server,
    temp_dir,
    use_bench_database,
)

HEADLINE = (
    "sample_rows",
    "disk_mb.fleet_metric_sample.data_mb",
    "drop_day_s",
    "pages.dashboard.p95_ms",
    "insert_ab_ms_per_500.ratio",
    "drill.backup_s",
    "drill.restore_s",
)
BEAT = timedelta(minutes=5)
EVENTS_PER_TERMINAL_DAY = 3
BATCH = 500
MB = 1024 * 1024


def seed_terminals(count: int) -> tuple[list[int], str]:
    from sqlalchemy import insert, select

    from service.database import session_scope, utcnow
    from service.fleet.models import Customer, FleetState, Terminal
    from service.identity.security import issue_token
    from tests.factories import make_user

    now = utcnow()
    with session_scope() as db:
        db.execute(insert(Customer), [{"company_name": f"顧客{c:03d}"} for c in range(20)])
        customers = list(db.scalars(select(Customer.id)))
        rows = [
            {"serial_number": f"SIZE-{i:06d}", "customer_id": customers[i % 20], "store_name": f"店舗{i // 4}",
             "status": "online", "last_heartbeat_at": now, "created_at": now, "updated_at": now}
            for i in range(count)
        ]  # fmt: skip
        db.execute(insert(Terminal), rows)
        db.add(FleetState(id=1, last_ingest_at=now))
        admin = make_user(db, "size-admin", grants={"fleet": "admin"})
        jwt = issue_token(subject=str(admin.id), kind="user", now=now, minutes=240).token
        return list(db.scalars(select(Terminal.id).order_by(Terminal.id))), jwt


def copy_rows(table: str, columns: str, lines) -> float:
    """COPY in chunks of a million lines; seconds taken."""
    from service.database import get_engine

    began = time.perf_counter()
    raw = get_engine().raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for chunk in lines:
                copy.write(chunk)
        raw.driver_connection.commit()
    finally:
        raw.close()
    return time.perf_counter() - began


def sample_chunks(terminals: list[int], start: datetime, end: datetime):
    moment, buffer = start, io.StringIO()
    while moment < end:
        at = moment.isoformat()
        for n, terminal in enumerate(terminals):
            buffer.write(f"{terminal}\t{at}\t{(n * 7) % 90 + 5}\t{(n * 3) % 60 + 20}\t{(n * 11) % 50 + 30}\n")
        if buffer.tell() > 32 * MB:
            yield buffer.getvalue()
            buffer = io.StringIO()
        moment += BEAT
    yield buffer.getvalue()


def hourly_chunks(terminals: list[int], start: datetime, end: datetime):
    hour, per_hour = start, timedelta(hours=1) // BEAT
    while hour < end:
        at = hour.isoformat()
        yield "".join(f"{t}\t{at}\t{per_hour}\t5\t40\t90\t20\t40\t60\t30\t50\t70\n" for t in terminals)
        hour += timedelta(hours=1)


def event_chunks(terminals: list[int], start: datetime, days: int):
    for day in range(days):
        at = start + timedelta(days=day, hours=9)
        yield "".join(
            f"{t}\tsize-{day}-{t}-{k}\t{at.isoformat()}\tstatus_change\tinfo\t{at.isoformat()}\t状態が変わりました\n"
            for t in terminals
            for k in range(EVENTS_PER_TERMINAL_DAY)
        )


def disk() -> dict[str, dict[str, float]]:
    """MB of data (heap and TOAST) and of indexes per table, a partitioned table's partitions summed into it."""
    from sqlalchemy import text

    from service.database import session_scope

    query = text(
        "SELECT coalesce(parent.relname, c.relname) AS name,"
        " sum(pg_table_size(c.oid)) AS data, sum(pg_indexes_size(c.oid)) AS indexes, sum(c.reltuples) AS rows"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'"
        " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class parent ON parent.oid = i.inhparent"
        " WHERE c.relkind = 'r' GROUP BY 1 ORDER BY sum(pg_total_relation_size(c.oid)) DESC LIMIT 8"
    )
    with session_scope() as db:
        db.execute(text("ANALYZE"))
        return {
            row.name: {"rows": int(row.rows), "data_mb": _mb(row.data), "index_mb": _mb(row.indexes)}
            for row in db.execute(query)
        }


def _mb(size: float) -> float:
    return round(float(size) / MB, 1)


def wal_lsn() -> int:
    from sqlalchemy import text

    from service.database import session_scope

    with session_scope() as db:
        return int(db.scalar(text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")))


def samples_mb() -> float:
    sizes = disk().get("fleet_metric_sample", {})
    return sizes.get("data_mb", 0) + sizes.get("index_mb", 0)


def drop_oldest_day(first_day: datetime) -> tuple[float, list[str]]:
    from service.database import session_scope
    from service.fleet import retention

    began = time.perf_counter()
    with session_scope() as db:
        dropped = retention.drop_past(db, kind="metric_sample", before=first_day + timedelta(days=1))
    return time.perf_counter() - began, dropped


def percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * len(times)) - 1], 1)}


def time_pages(port: int, jwt: str, terminal: int, requests: int) -> dict[str, dict[str, float]]:
    import httpx

    pages = {
        "chart_24h": f"/api/fleet/terminals/{terminal}/metrics?range=24h",
        "chart_7d": f"/api/fleet/terminals/{terminal}/metrics?range=7d",
        "dashboard": "/api/fleet/dashboard",
        "terminal_list": "/api/fleet/terminals?page=1&page_size=50",
    }
    figures = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {jwt}"}) as client:
        for name, path in pages.items():
            client.get(path, timeout=120).raise_for_status()
            times = []
            for _ in range(requests):
                began = time.perf_counter()
                client.get(path, timeout=120).raise_for_status()
                times.append((time.perf_counter() - began) * 1000)
            figures[name] = percentiles(times)
    return figures


def insert_ab(terminals: list[int], batches: int) -> dict[str, float]:
    """The heartbeat's sample insert (dialect.insert_rows, as the group commit writes a batch) into the partitioned
    table and into a plain copy with the same indexes, batch by batch in turn: median ms per batch of BATCH rows."""
    from sqlalchemy import Column, DateTime, Float, Integer, MetaData, Table, text

    from service.database import session_scope, utcnow
    from service.dialect import insert_rows
    from service.fleet.models import MetricSample

    plain = Table(
        "size_plain_sample", MetaData(), Column("id", Integer, primary_key=True), Column("terminal_id", Integer),
        Column("recorded_at", DateTime(timezone=True)), Column("cpu", Float), Column("memory", Float),
        Column("disk", Float),
    )  # fmt: skip
    with session_scope() as db:
        db.execute(text("CREATE TABLE size_plain_sample (LIKE fleet_metric_sample_default INCLUDING DEFAULTS)"))
        db.execute(text("ALTER TABLE size_plain_sample ADD PRIMARY KEY (id)"))
        terminal = "REFERENCES fleet_terminal (id) ON DELETE CASCADE"
        db.execute(text(f"ALTER TABLE size_plain_sample ADD FOREIGN KEY (terminal_id) {terminal}"))
        db.execute(text("CREATE INDEX ON size_plain_sample (terminal_id, recorded_at)"))
        db.execute(text("CREATE INDEX ON size_plain_sample (recorded_at)"))
        recent = "SELECT * FROM fleet_metric_sample WHERE recorded_at >= now() - interval '1 day'"
        db.execute(text(f"INSERT INTO size_plain_sample {recent}"))

    class Plain:
        __table__ = plain

    timed: dict[str, list[float]] = {"partitioned": [], "unpartitioned": []}
    for batch in range(batches):
        now = utcnow()
        rows = [{"terminal_id": t, "recorded_at": now, "cpu": 1.0, "memory": 2.0, "disk": 3.0}
                for t in terminals[(batch * BATCH) % len(terminals):][:BATCH]]  # fmt: skip
        for name, model in (("partitioned", MetricSample), ("unpartitioned", Plain))[:: 1 if batch % 2 else -1]:
            began = time.perf_counter()
            with session_scope() as db:
                insert_rows(db, model, rows)
            timed[name].append((time.perf_counter() - began) * 1000)
    medians = {name: round(statistics.median(times), 2) for name, times in timed.items()}
    return medians | {"ratio": round(medians["partitioned"] / medians["unpartitioned"], 3)}


def drill(data_dir: Path) -> dict[str, float]:
    """The runbook's backup and restore (`service.cli backup create`, then `backup restore FILE --force` over the same
    database), each timed as the operator runs it, with the backup's size."""
    folder = data_dir / "backups"
    began = time.perf_counter()
    cli("backup", "create", "--to", str(folder))
    backup_seconds = time.perf_counter() - began
    (made,) = folder.glob("daicho-backup-*.tar")
    began = time.perf_counter()
    cli("backup", "restore", str(made), "--force")
    restore_seconds = time.perf_counter() - began
    return {"backup_s": round(backup_seconds, 1), "backup_mb": _mb(made.stat().st_size),
            "restore_s": round(restore_seconds, 1)}  # fmt: skip


def cli(*args: str) -> None:
    command = [sys.executable, "-m", "service.cli", *args]
    subprocess.run(command, cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)}, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--terminals", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--ab-batches", type=int, default=40)
    parser.add_argument("--no-drill", action="store_true", help="leave out the backup and restore")
    args = parser.parse_args()
    data_dir = temp_dir("daicho-size-")
    use_bench_database(data_dir)
    load_at_start = load_average()
    try:
        fresh_bench_database()
        terminals, jwt = seed_terminals(args.terminals)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        first_day = today - timedelta(days=args.days - 1)
        from service.database import session_scope
        from service.fleet import retention

        with session_scope() as db:
            for day, kind in itertools.product(range(args.days), retention.PARTITIONED):
                retention.make_ahead(db, kind=kind, now=first_day + timedelta(days=day))
        wal_before = wal_lsn()
        say(f"loading {args.days} days of samples at {args.terminals:,} terminals")
        load_seconds = copy_rows("fleet_metric_sample", "terminal_id, recorded_at, cpu, memory, disk",
                                 sample_chunks(terminals, first_day, today + timedelta(days=1)))  # fmt: skip
        copy_rows("fleet_metric_hourly", "terminal_id, hour, samples, cpu_min, cpu_avg, cpu_max, memory_min,"
                  " memory_avg, memory_max, disk_min, disk_avg, disk_max",
                  hourly_chunks(terminals, first_day, today))  # fmt: skip
        events = "terminal_id, client_event_id, occurred_at, kind, level, received_at, message"
        copy_rows("fleet_terminal_event", events, event_chunks(terminals, first_day, args.days))
        wal_mb = round((wal_lsn() - wal_before) / MB, 1)
        sizes = disk()
        before_prune = samples_mb()
        drop_seconds, dropped = drop_oldest_day(first_day)
        say("loading a new day after the prune")
        next_day = today + timedelta(days=1)
        copy_rows("fleet_metric_sample", "terminal_id, recorded_at, cpu, memory, disk",
                  sample_chunks(terminals, next_day, next_day + timedelta(days=1)))  # fmt: skip
        after_new_day = samples_mb()
        server = start_server(data_dir, workers=1)
        try:
            pages = time_pages(server.port, jwt, terminals[len(terminals) // 2], args.pages)
        finally:
            server.stop()
        ab = insert_ab(terminals, args.ab_batches)
        drilled = {} if args.no_drill else drill(data_dir)
    finally:
        remove(data_dir)
    rows = sizes.get("fleet_metric_sample", {}).get("rows", 0)
    print_result({
        "terminals": args.terminals, "days": args.days, "sample_rows": rows,
        "load_rows_per_s": round(rows / load_seconds) if load_seconds else 0,
        "disk_mb": sizes, "wal_mb_of_the_load": wal_mb,
        "drop_day_s": round(drop_seconds, 3), "dropped": dropped,
        "samples_mb_before_prune": round(before_prune, 1),
        "samples_mb_after_prune_and_new_day": round(after_new_day, 1),
        "pages": pages, "insert_ab_ms_per_500": ab, "drill": drilled,
        "load_average_1m": {"at_start": load_at_start, "at_end": load_average()},
    })  # fmt: skip


if __name__ == "__main__":
    main()
