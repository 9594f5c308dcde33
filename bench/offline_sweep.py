"""Offline detection over a large fleet: the fleet.mark_offline_terminals job's work, timed.

    .venv/bin/python bench/offline_sweep.py [--terminals 100000] [--overdue 1000] [--cluster 300] [--customers 100] \
        [--repeat 3]

Creates and migrates its own bench database, seeds terminals (all online; `--overdue` of them spread over every customer
missed their intervals, plus `--cluster` more in one customer so a customer incident opens), then times:
a sweep that finds them (set-based UPDATE … RETURNING, one INSERT … SELECT of alerts, incident grouping), one that finds
nothing; then, on another fresh database with business hours on every customer (half of them closed now), the sweep
that holds the closed customers' alerts and the one at their opening that raises them; `--repeat` times, reporting the
median (one sweep is at the mercy of a checkpoint or a neighbour's load). Prints ONE final JSON line. Target: ≤ 1 s
for the sweep over 100,000 terminals, with business hours too.
"""

import argparse
import statistics
import time
from datetime import timedelta

from common import fresh_bench_database, load_average, print_result, remove, temp_dir, use_bench_database

HEADLINE = ("sweep_seconds", "opening_sweep_seconds", "target_seconds")


def seed(terminals: int, overdue: int, cluster: int, customers: int) -> None:
    """Bulk-seed with set-based SQL: customers, then terminals whose deadlines are fresh except the overdue ones."""
    from sqlalchemy import text

    from service.database import session_scope, utcnow
    from service.fleet.models import FleetState

    now = utcnow()
    with session_scope() as db:
        db.execute(
            text(
                "INSERT INTO fleet_customer (company_name, contact_person, contact_email, contact_phone, contract_type,"
                " created_at, updated_at) SELECT '顧客' || g, '', '', '', 'basic', :now, :now"
                " FROM generate_series(1, :n) AS g"
            ),
            {"now": now, "n": customers},
        )
        spread = max(1, terminals // overdue) if overdue else 0  # every spread-th terminal of each customer
        db.execute(
            text(
                "INSERT INTO fleet_terminal (serial_number, customer_id, store_name, store, status, reported_status,"
                " firmware_version, agent_version, last_heartbeat_at, offline_deadline_at, cpu_usage, memory_usage,"
                " disk_usage, usage_streaks, error_message, interval_seconds, token_hash, created_at, updated_at)"
                " SELECT 'SWEEP-' || g, 1 + (g % :customers), '店舗' || g, '店舗' || g, 'online', 'online', '1.0.0',"
                " '', :beat,"
                " CASE WHEN (:spread > 0 AND (g / :customers) % :spread = 0)"
                "      OR (g % :customers = 0 AND g / :customers < :cluster)"
                "      THEN :late ELSE :fresh END,"
                " 20, 30, 40, '{}', '', 300, md5(g::text) || md5((g * 7)::text), :now, :now"
                " FROM generate_series(1, :n) AS g"
            ),
            {
                "customers": customers,
                "spread": spread,
                "cluster": cluster,
                "beat": now - timedelta(minutes=2),
                "late": now - timedelta(minutes=1),
                "fresh": now + timedelta(minutes=13),
                "now": now,
                "n": terminals,
            },
        )
        db.add(FleetState(id=1, last_ingest_at=now))
    with session_scope() as db:
        db.execute(text("ANALYZE"))


def set_business_hours(*, half_closed: bool) -> None:
    """Hours around the local time on every customer: open now, or (odd ids, if half_closed) opening in an hour."""
    from datetime import datetime

    from sqlalchemy import case, false, update

    from service.database import session_scope, utcnow
    from service.fleet import schedules
    from service.fleet.models import Customer

    local = schedules.local_now(utcnow())

    def at(hours: int):
        shifted = datetime.combine(local.date(), local.time()) + timedelta(hours=hours)
        return shifted.time().replace(second=0, microsecond=0)

    closed = (Customer.id % 2 == 1) if half_closed else false()
    with session_scope() as db:
        db.execute(
            update(Customer).values(
                opens_at=case((closed, at(1)), else_=at(-1)), closes_at=case((closed, at(2)), else_=at(1))
            )
        )


def timed_sweep() -> tuple[float, object]:
    from service.database import session_scope, utcnow
    from service.fleet.alerting import monitoring

    started = time.perf_counter()
    with session_scope() as db:
        result = monitoring.sweep_offline(db, now=utcnow())
    return time.perf_counter() - started, result


def median(runs: list[tuple[float, object]]) -> float:
    return round(statistics.median(seconds for seconds, _ in runs), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=100_000)
    parser.add_argument("--overdue", type=int, default=1000)
    parser.add_argument("--cluster", type=int, default=300)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="fresh database and sweep this many times (median)")
    args = parser.parse_args()
    data_dir = temp_dir("daicho-bench-sweep-")
    use_bench_database(data_dir)
    busy_runs, idle_runs, hours_runs, opening_runs = [], [], [], []
    try:
        for _ in range(args.repeat):
            fresh_bench_database()
            seed(args.terminals, args.overdue, args.cluster, args.customers)
            busy_runs.append(timed_sweep())
            idle_runs.append(timed_sweep())
            fresh_bench_database()
            seed(args.terminals, args.overdue, args.cluster, args.customers)
            set_business_hours(half_closed=True)
            hours_runs.append(timed_sweep())
            set_business_hours(half_closed=False)
            opening_runs.append(timed_sweep())
    finally:
        remove(data_dir)
    busy, idle = busy_runs[-1][1], idle_runs[-1][1]
    print_result(
        {
            "bench": "offline_sweep",
            "terminals": args.terminals,
            "customers": args.customers,
            "sweep_seconds": round(statistics.median(seconds for seconds, _ in busy_runs), 3),
            "sweep_runs_seconds": [round(seconds, 3) for seconds, _ in busy_runs],
            "marked_offline": busy.marked_offline,
            "incidents": busy.incidents,
            "idle_sweep_seconds": round(statistics.median(seconds for seconds, _ in idle_runs), 3),
            "idle_marked_offline": idle.marked_offline,
            "hours_sweep_seconds": median(hours_runs),
            "hours_marked_offline": hours_runs[-1][1].marked_offline,
            "opening_sweep_seconds": median(opening_runs),
            "load_average_1m": load_average(),
            "target_seconds": 1.0,
        }
    )


if __name__ == "__main__":
    main()
