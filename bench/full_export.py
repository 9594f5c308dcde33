"""A list's whole download over the live API: 端末一覧's CSV of 1,000,000 terminals, streamed in keyset batches, or
its Excel workbook (`--format xlsx`, at a size of its own: openpyxl writes a cell at a time).

    .venv/bin/python bench/full_export.py [--rows 1000000] [--customers 10] [--sample-seconds 0.05] [--format csv]
    .venv/bin/python bench/full_export.py --format xlsx --rows 100000

Creates and migrates its own bench database (`common.BENCH_DB`), seeds the customers and the
terminals with set-based SQL (every 7th one with a last heartbeat, so times are written in Japan time), starts the API
(uvicorn, one worker) and signs in a fleet admin. After one small download warms the worker up, its RSS is the
baseline; then the whole list's GET /api/fleet/terminals/export is read through, counting its rows, while a thread
samples the API process's RSS with psutil; the seeded rows are removed afterwards. Prints ONE JSON line: rows,
rows/s, the API's peak RSS and its growth over the baseline, and the CPU seconds the API process and its PostgreSQL
backend spent (on a loaded machine the wall time measures the neighbours too). Targets: CSV ≥ 50,000 rows/s, Excel
≥ 5,000 rows/s, and ≤ 50 MB of RSS growth (memory stays flat however long the list: the workbook is written to a
spooled temporary file). A workbook's rows are counted by openpyxl after the download.
"""

import argparse
import threading
import time

from common import (
    bench_database_name,
    database_cpu,
    fresh_bench_database,
    load_average,
    print_result,
    process_tree_cpu,
    remove,
    start_server,
    temp_dir,
    use_bench_database,
)

MB = 1024 * 1024
EXPORT = "/api/fleet/terminals/export"
TARGET_ROWS_PER_S, TARGET_GROWTH_MB = {"csv": 50_000, "xlsx": 5_000}, 50

SEED_SQL = {
    "customers": """
        INSERT INTO fleet_customer (company_name, contact_person, contact_email, contact_phone, contract_type,
                                    created_at, updated_at)
        SELECT '顧客' || g, '担当' || g, 'c' || g || '@example.jp', '', 'basic', :now, :now
        FROM generate_series(1, :customers) AS g""",
    "terminals": """
        INSERT INTO fleet_terminal (serial_number, customer_id, store_name, store, status, reported_status,
                                    firmware_version, agent_version, last_heartbeat_at, cpu_usage, memory_usage,
                                    disk_usage, usage_streaks, error_message, interval_seconds,
                                    created_at, updated_at)
        SELECT 'TC200-' || lpad(g::text, 7, '0'), 1 + g % :customers, '店舗' || g || '号店', '店舗' || g || '号店',
               CASE WHEN g % 10 = 0 THEN 'offline' ELSE 'online' END, 'online', '1.2.0', '0.1.0',
               CASE WHEN g % 7 = 0 THEN :now - make_interval(secs => g % 86400) END,
               (g % 1000) / 10.0, 30.5, 40.25, '{}', '', 300, :now, :now
        FROM generate_series(1, :rows) AS g""",
}


def seed(rows: int, customers: int) -> float:
    """Set-based seeding; returns its seconds."""
    from sqlalchemy import text

    from service.database import get_engine, utcnow

    started = time.perf_counter()
    params = {"now": utcnow(), "rows": rows, "customers": customers}
    with get_engine().begin() as conn:
        for sql in SEED_SQL.values():
            conn.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def empty_seeded() -> None:
    """Leave the bench database without the million rows (the next bench starts from a fresh one anyway)."""
    from sqlalchemy import text

    from service.database import get_engine

    with get_engine().begin() as conn:
        conn.execute(text("TRUNCATE fleet_terminal, fleet_customer CASCADE"))


def admin_token() -> str:
    from service.database import session_scope, utcnow
    from service.identity.models import Grant, User
    from service.identity.security import hash_password, issue_token

    with session_scope() as db:
        user = User(login_id="bench-admin", name="bench", email="bench@example.jp", password_hash=hash_password("x"))
        user.grants.append(Grant(domain="fleet", role="admin", scope=None))
        db.add(user)
        db.flush()
        return issue_token(subject=str(user.id), kind="user", now=utcnow()).token


class RssSampler:
    """The RSS of a process and its children, sampled in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int, every: float) -> None:
        import psutil

        self.root, self.every, self.peak = psutil.Process(pid), every, 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in [self.root, *self.root.children(recursive=True)])

    def _run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, self.rss())
            self.stopped.wait(self.every)

    def __enter__(self) -> "RssSampler":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join()


def download(client, token: str, params: dict) -> tuple[int, float]:
    """Read the export through; (data rows, seconds). A workbook is kept in a temporary file and its rows counted
    afterwards, outside the time."""
    import tempfile

    started = time.perf_counter()
    lines = 0
    with (
        tempfile.TemporaryFile() as workbook,
        client.stream("GET", EXPORT, params=params, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        response.raise_for_status()
        keep = workbook.write if params["format"] == "xlsx" else None
        for chunk in response.iter_raw():
            lines += chunk.count(b"\n")  # each record ends CRLF; a chunk may end between the CR and the LF
            if keep:
                keep(chunk)
        seconds = time.perf_counter() - started
        return (workbook_rows(workbook) if keep else lines) - 1, seconds


def workbook_rows(workbook) -> int:
    """The rows of the workbook's sheet, its header included."""
    from openpyxl import load_workbook

    workbook.seek(0)
    return sum(1 for _ in load_workbook(workbook, read_only=True).worksheets[0].iter_rows(values_only=True))


def measure(data_dir, token: str, expected: int, every: float, file_format: str) -> dict:
    import httpx

    server = start_server(data_dir, workers=1)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=600) as client:
            choice = {"format": file_format}
            download(client, token, choice | {"q": "TC200-00001"})  # warms the worker up: imports, pools, caches
            database = bench_database_name()
            api_cpu, db_cpu = process_tree_cpu(server.process.pid), database_cpu(database)
            with RssSampler(server.process.pid, every) as sampler:
                baseline = sampler.rss()
                rows, seconds = download(client, token, choice)
            api_cpu, db_cpu = process_tree_cpu(server.process.pid) - api_cpu, database_cpu(database) - db_cpu
    finally:
        server.stop()
    if rows != expected:
        raise SystemExit(f"the export had {rows:,} rows, not {expected:,}")
    return {
        "format": file_format,
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "api_baseline_rss_mb": round(baseline / MB, 1),
        "api_peak_rss_mb": round(sampler.peak / MB, 1),
        "rss_growth_mb": round((sampler.peak - baseline) / MB, 1),
        "api_cpu_s": round(api_cpu, 1),
        "db_cpu_s": round(db_cpu, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=10)
    parser.add_argument("--sample-seconds", type=float, default=0.05)
    parser.add_argument("--format", choices=sorted(TARGET_ROWS_PER_S), default="csv")
    args = parser.parse_args()
    data_dir = temp_dir("bench-full-export-")
    try:
        use_bench_database(data_dir)
        fresh_bench_database()
        seed_seconds = seed(args.rows, args.customers)
        try:
            result = measure(data_dir, admin_token(), args.rows, args.sample_seconds, args.format)
        finally:
            empty_seeded()
    finally:
        remove(data_dir)
    print_result(
        result
        | {
            "bench": "full_export",
            "seed_seconds": round(seed_seconds, 1),
            "load_average": load_average(),
            "targets": {
                "rows_per_s": [
                    result["rows_per_s"],
                    TARGET_ROWS_PER_S[args.format],
                    result["rows_per_s"] >= TARGET_ROWS_PER_S[args.format],
                ],
                "rss_growth_mb": [
                    result["rss_growth_mb"],
                    TARGET_GROWTH_MB,
                    result["rss_growth_mb"] <= TARGET_GROWTH_MB,
                ],
            },
        }
    )


if __name__ == "__main__":
    main()
