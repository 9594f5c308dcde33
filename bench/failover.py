"""Failover times, memory per process and the full export: at the demo's size and at the sizing table's.

    .venv/bin/python bench/failover.py [--terminals 20000]

The production shape on a PostgreSQL cluster and a Redis of the bench's own (initdb and pg_ctl on a free port, run as
the `postgres` user; redis-server append-only, as compose runs it), so restarting them touches no one else: the API
(`service.serve`, 2 workers), the critical worker (2 pool processes) and the bulk worker (1), one `celery beat` (as
compose runs it) and the dashboards (Streamlit).
- Memory: RSS (psutil) of each process once it has worked (the API: the fleet's list, dashboard and export; the
  workers: beat's periodic tasks; the dashboards: a person's fleet pages in Chromium), at the demo (`demo load`) and
  again after `demo load --terminals N`.
- The full export at N terminals: 端末一覧 as CSV and as Excel, seconds and the API's CPU seconds.
- beat killed (-9) and started again at once, as compose's restart policy does: seconds from its start until the
  critical worker receives a periodic task.
- Redis stopped and started again: seconds until it answers and until a task sent through it runs (the worker
  reconnected).
- PostgreSQL restarted, cleanly (`-m fast`) and as after a crash (`-m immediate`: WAL replayed): seconds until it
  accepts connections and until the API's /api/ready answers 200 again.
Prints ONE JSON line. Targets: every recovery within a minute (fleet-tms §6.2: 43 minutes of outage a month).
"""

import argparse
import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import common
from common import (
    ROOT,
    Server,
    free_port,
    fresh_bench_database,
    load_average,
    print_result,
    process_tree_cpu,
    remove,
    say,
    start_redis,
    start_server,
    start_worker,
    stop_process,
    temp_dir,
    use_bench_database,
)

MB = 1024 * 1024
HEADLINE = ("rss_mb.api_worker", "rss_mb.dashboards", "export.xlsx.s", "beat_first_task_s", "redis.task_s",
            "postgres.fast.api_ready_s", "postgres.immediate.api_ready_s")  # fmt: skip
RECOVERY_TARGET_S = 60
WAIT_S = 180  # a cap on every wait for a recovery
FLEET_PAGES = ("fleet", "fleet-terminals")


def until(condition: Callable[[], bool], started: float) -> float:
    """Seconds from `started` (monotonic) until `condition` holds, looking every 0.1 s, at most WAIT_S."""
    pause = threading.Event()
    while not condition():
        if time.monotonic() - started > WAIT_S:
            raise SystemExit(f"not recovered within {WAIT_S} s")
        pause.wait(0.1)
    return round(time.monotonic() - started, 1)


# --- a PostgreSQL cluster of the bench's own ---------------------------------------------------------------------


class Cluster:
    """initdb's cluster in `folder`, run by the `postgres` user (PostgreSQL refuses root) on `port`."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        folder.mkdir()
        subprocess.run(["chown", "postgres", str(folder)], check=True)
        self.run("initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def run(self, *command: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", str(self.folder / "log"), "start")

    def stop(self, mode: str) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "stop")

    def accepts(self) -> bool:
        asked = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)], check=False)
        return asked.returncode == 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/failover"


# --- the processes -----------------------------------------------------------------------------------------------


def start_beat(data_dir: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "jobs.celery_app", "beat", "-l", "info"]
    with (data_dir / "beat.log").open("ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def start_workers(data_dir: Path) -> dict[str, Server]:
    from service.task_queues import BULK, CRITICAL
    from tools.run import worker_argv

    return {
        queue: start_worker(worker_argv(queue, "info"), f"{queue}@{os.uname().nodename}", data_dir / f"{queue}.log")
        for queue in (CRITICAL, BULK)
    }


def received(log: Path) -> int:
    """The tasks a worker has logged as received so far."""
    return log.read_text(errors="replace").count(" received")


def demo_load(*options: str) -> None:
    say(f"demo load {' '.join(options)}")
    subprocess.run([sys.executable, "-m", "service.cli", "demo", "load", *options], cwd=ROOT, check=True,
                   env=os.environ | {"PYTHONPATH": str(ROOT)}, capture_output=True)  # fmt: skip


# --- memory and the export ---------------------------------------------------------------------------------------


def rss_mb(process) -> float:
    return round(process.memory_info().rss / MB)


def memory(api: Server, workers: dict[str, Server], beat: subprocess.Popen, dashboards_pid: int) -> dict:
    """RSS in MB: the largest API worker, each Celery worker's main process and its largest pool process, beat and
    the dashboards."""
    import psutil

    figures = {"api_worker": max(rss_mb(c) for c in psutil.Process(api.process.pid).children(recursive=True))}
    for queue, worker in workers.items():
        main = psutil.Process(worker.process.pid)
        figures[queue] = rss_mb(main)
        figures[f"{queue}_pool"] = max(rss_mb(child) for child in main.children(recursive=True))
    figures["beat"] = rss_mb(psutil.Process(beat.pid))
    figures["dashboards"] = rss_mb(psutil.Process(dashboards_pid))
    return figures


def use_the_api(client, token: str) -> None:
    from full_export import download

    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/api/fleet/terminals", "/api/fleet/dashboard"):
        client.get(path, headers=headers).raise_for_status()
    download(client, token, {"format": "xlsx"})


def view_fleet_pages(dashboards_url: str, client) -> None:
    from dashboards_users import Person, page_titles
    from playwright.sync_api import sync_playwright

    from tests.support.streamlit_browser import launched

    titles = page_titles()
    with sync_playwright() as playwright:
        browser = launched(playwright)
        try:
            person = Person(browser, client, dashboards_url, "fleet-operator", FLEET_PAGES)
            person.open_first(titles)
            person.next_page(titles)
            person.close()
        finally:
            browser.close()


def export(client, token: str, api: Server, terminals: int) -> dict:
    from full_export import download

    figures = {}
    for file_format in ("csv", "xlsx"):
        cpu = process_tree_cpu(api.process.pid)
        rows, seconds = download(client, token, {"format": file_format})
        figures[file_format] = {"s": round(seconds, 1), "cpu_s": round(process_tree_cpu(api.process.pid) - cpu, 1)}
        if rows < terminals:
            raise SystemExit(f"the {file_format} export had {rows:,} rows, fewer than {terminals:,} terminals")
    return figures


# --- the faults --------------------------------------------------------------------------------------------------


def beat_restart(data_dir: Path, beat: subprocess.Popen, critical_log: Path) -> tuple[subprocess.Popen, float]:
    os.killpg(beat.pid, signal.SIGKILL)
    beat.wait()
    before = received(critical_log)
    started = time.monotonic()
    beat = start_beat(data_dir)
    return beat, until(lambda: received(critical_log) > before, started)


def redis_restart(data_dir: Path, port: int, redis: subprocess.Popen, critical_log: Path) -> tuple:
    from jobs.celery_app import app

    stop_process(redis)
    started = time.monotonic()
    redis = start_redis(data_dir, port)
    answered = round(time.monotonic() - started, 1)
    sent = app.send_task("platform.send_pending_tasks")
    ran = until(lambda: f"[{sent.id}] succeeded" in critical_log.read_text(errors="replace"), started)
    return redis, {"answers_s": answered, "task_s": ran}


def database_restart(cluster: Cluster, mode: str, api_port: int) -> dict:
    import httpx

    def ready() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{api_port}/api/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    started = time.monotonic()
    cluster.stop(mode)
    cluster.start()
    return {"accepts_s": until(cluster.accepts, started), "api_ready_s": until(ready, started)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terminals", type=int, default=20_000)
    args = parser.parse_args()
    data_dir = temp_dir("daicho-failover-")
    os.chmod(data_dir, 0o755)
    load_before = load_average()
    figures: dict = {"terminals": args.terminals}
    with ExitStack() as cleanup:
        import httpx

        from service.demo.platform import DEMO_PASSWORD
        from tests.support.streamlit_browser import streamlit_process

        cleanup.callback(remove, data_dir)
        cluster = Cluster(data_dir / "pg", free_port())
        cluster.start()
        cleanup.callback(cluster.stop, "immediate")
        common.BENCH_DB = cluster.url  # the bench database on the bench's own server
        use_bench_database(data_dir)
        redis_port = free_port()
        redis = {"process": start_redis(data_dir, redis_port)}
        cleanup.callback(lambda: stop_process(redis["process"]))
        os.environ["APP_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        fresh_bench_database()
        atexit.unregister(common.drop_bench_database)  # the whole cluster goes
        demo_load()
        api = start_server(data_dir, workers=2, extra_env={"APP_REDIS_URL": os.environ["APP_REDIS_URL"]})
        cleanup.callback(api.stop)
        workers = start_workers(data_dir)
        for worker in workers.values():
            cleanup.callback(worker.stop)
        beat = {"process": start_beat(data_dir)}
        cleanup.callback(lambda: stop_process(beat["process"]))
        client = cleanup.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{api.port}", timeout=600))
        login = {"login_id": "fleet-admin", "password": DEMO_PASSWORD}
        token = client.post("/api/auth/login", json=login).json()["access_token"]
        api_url = f"http://127.0.0.1:{api.port}"
        dashboards_url = cleanup.enter_context(streamlit_process(api_url, data_dir / "streamlit.log"))
        dashboards_pid = common.streamlit_server().pid
        critical_log = data_dir / "critical.log"
        rss: dict[str, list[float]] = {}  # at the demo, then at --terminals
        for options in ((), ("--terminals", str(args.terminals))):
            if options:
                demo_load(*options)
            use_the_api(client, token)
            view_fleet_pages(dashboards_url, client)
            until(lambda: received(critical_log) > 0, time.monotonic())
            for name, mb in memory(api, workers, beat["process"], dashboards_pid).items():
                rss.setdefault(name, []).append(mb)
        figures["rss_mb"] = rss
        figures["export"] = export(client, token, api, args.terminals)
        say("killing beat")
        beat["process"], figures["beat_first_task_s"] = beat_restart(data_dir, beat["process"], critical_log)
        say("restarting Redis")
        redis["process"], figures["redis"] = redis_restart(data_dir, redis_port, redis["process"], critical_log)
        figures["postgres"] = {}
        for mode in ("fast", "immediate"):
            say(f"restarting PostgreSQL (-m {mode})")
            figures["postgres"][mode] = database_restart(cluster, mode, api.port)
    figures["load_before"] = load_before  # and after: the kept result's
    print_result(figures)


if __name__ == "__main__":
    main()
