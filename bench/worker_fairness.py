"""Worker fairness: how long an outbox e-mail waits for a worker while bulk work saturates the bulk queue.

    .venv/bin/python bench/worker_fairness.py [--backend postgres|sqlite] [--workers split|shared] [--parents 3000]
                                              [--import-rows 10000] [--messages 60] [--interval 1.0]

postgres (the default): its own bench database (`common.BENCH_DB`) with Redis as the broker
(APP_BENCH_REDIS_URL, default redis://127.0.0.1:6379/14, its queues purged first and last), as in production;
sqlite: the embedded default, a SQLite file and the filesystem broker in a temp folder. Migrates, seeds one nursery of
--parents parents in two classes and a staff member, and starts the API and the workers: `split` (the default) as
`make run` starts them (tools/run.py: the critical queue's worker with beat, the bulk queue's worker); `shared` one
worker taking both queues with two pool processes and beat, as `make run` ran before the queues were split (for
comparison). Saturates the bulk queue through the API: three card PDF jobs of the nursery (all of it, then each
class) and a --import-rows roster import. Once the first card job runs, enqueues --messages e-mails, one every
--interval seconds (each committed as a request would: the after-commit hook sends its delivery task), and measures
each one's delivery delay (created → sent, from the outbox row; the sandbox e-mail provider) until all are sent.
Stops the workers and the server, purges the queues, removes the temp folder and prints ONE final JSON line.
Target: delivery delay p99 ≤ 30 s while the bulk queue is saturated (`bulk_busy_until_last_sent`: it still was when
the last e-mail went out).
"""

import argparse
import socket
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from common import LoadResult, Server, load_average, print_result, remove, start_server, start_worker, temp_dir
from tenant_isolation import backend_environment, prepare, roster_csv

HEADLINE = ("delay_p99_s", "bulk_busy_until_last_sent")
POLL_SECONDS = 0.5
MAX_SECONDS = 1800  # a deadline against a hang only
CLASSES = ("", "ひよこ組", "うさぎ組")  # the whole nursery, then each class (make_world's two classes)
DONE = ("ready", "done", "failed")
TARGET_P99_SECONDS = 30


def seed(parents: int) -> tuple[int, dict[str, str]]:
    """One nursery of `parents` parents (a child each, in two classes) and its staff member's headers."""
    from service.database import session_scope
    from tests.service.entry_logs.world import make_world, staff_headers

    with session_scope() as db:
        world = make_world(db, "fair", name="ベンチ保育園", parents=parents)
        db.commit()
        return world.nursery.id, staff_headers(db, world)


def worker_commands(shape: str) -> dict[str, list[str]]:
    """The workers by node name: `split` as tools/run.py starts them, `shared` one worker for both queues."""
    from service.task_queues import BULK, CRITICAL, QUEUES
    from tools.run import worker_argv

    if shape == "split":
        return {f"{CRITICAL}@{socket.gethostname()}": worker_argv(CRITICAL, "warning", "-B")} | {
            f"{BULK}@{socket.gethostname()}": worker_argv(BULK, "warning")
        }
    celery = [sys.executable, "-m", "celery", "-A", "jobs.celery_app", "--quiet", "worker", "-B"]
    shared = ["-Q", ",".join(QUEUES), "-n", "shared@%h", "--concurrency", "2", "--loglevel", "warning"]
    return {f"shared@{socket.gethostname()}": celery + shared}


def start_workers(data_dir: Path, shape: str) -> list[Server]:
    """Start the workers with this process's environment; returns once each answers a ping."""
    workers: list[Server] = []
    try:
        for node, command in worker_commands(shape).items():
            workers.append(start_worker(command, node, data_dir / f"{node.split('@')[0]}.log"))
    except SystemExit:
        for worker in workers:
            worker.stop()
        raise
    return workers


def purge_queues() -> None:
    from jobs.celery_app import app

    app.control.purge()


def saturate(http, nursery_id: int, headers: dict[str, str], rows: int) -> list[str]:
    """Ask for the three card jobs and the roster import; returns the URLs to follow them by."""
    base = f"/api/entry-logs/nurseries/{nursery_id}"
    urls = []
    for class_name in CLASSES:
        job = http.post(f"{base}/card-jobs", json={"className": class_name}, headers=headers)
        job.raise_for_status()
        urls.append(f"{base}/card-jobs/{job.json()['id']}")
    files = {"file": ("roster.csv", roster_csv(rows), "text/csv")}
    roster = http.post(f"{base}/roster-import", files=files, headers=headers)
    roster.raise_for_status()
    return [*urls, f"{base}/roster-imports/{roster.json()['id']}"]


def statuses(http, urls: list[str], headers: dict[str, str]) -> list[str]:
    return [http.get(url, headers=headers).json()["status"] for url in urls]


def wait_for(condition, message: str) -> None:
    deadline = time.monotonic() + MAX_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {message}")
        time.sleep(POLL_SECONDS)


def send_messages(count: int, interval: float) -> list[int]:
    """`count` e-mails, one committed every `interval` seconds; returns their ids."""
    from service.database import session_scope
    from service.outbox.service import enqueue

    ids = []
    for n in range(count):
        started = time.monotonic()
        with session_scope() as db:
            ids.append(
                enqueue(db, channel="email", recipient=f"ops{n}@example.jp", subject=f"障害 {n}", body="至急").id
            )
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    return ids


def delays(message_ids: list[int]) -> list[float] | None:
    """Each message's seconds from created to sent, or None while one is not sent yet."""
    from sqlalchemy import select

    from service.database import session_scope
    from service.outbox.models import OutboxMessage

    with session_scope() as db:
        rows = db.execute(
            select(OutboxMessage.created_at, OutboxMessage.sent_at).where(OutboxMessage.id.in_(message_ids))
        ).all()
    if any(sent is None for _, sent in rows):
        return None
    return [(sent - created).total_seconds() for created, sent in rows]


def measure(port: int, nursery_id: int, headers: dict[str, str], args) -> dict:
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        urls = saturate(http, nursery_id, headers, args.import_rows)
        wait_for(lambda: statuses(http, urls[:1], headers) == ["running"], "the first card job to run")
        message_ids = send_messages(args.messages, args.interval)
        wait_for(lambda: delays(message_ids) is not None, "every e-mail to be sent")
        bulk_at_last_sent = statuses(http, urls, headers)
        wait_for(lambda: all(status in DONE for status in statuses(http, urls, headers)), "the bulk work to end")
        bulk_at_end = statuses(http, urls, headers)
    return {"delays": delays(message_ids) or [], "bulk_at_last_sent": bulk_at_last_sent, "bulk_at_end": bulk_at_end}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--workers", choices=("split", "shared"), default="split")
    parser.add_argument("--parents", type=int, default=3000)
    parser.add_argument("--import-rows", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between two e-mails")
    args = parser.parse_args()

    data_dir = temp_dir("daicho-bench-fairness-")
    with ExitStack() as cleanup:  # whatever was started is stopped, also when a later step fails
        cleanup.callback(remove, data_dir)
        prepare(args.backend, data_dir)
        nursery_id, headers = seed(args.parents)
        purge_queues()
        cleanup.callback(purge_queues)
        server = start_server(data_dir, workers=1, extra_env=backend_environment(args.backend, data_dir))
        cleanup.callback(server.stop)
        for worker in start_workers(data_dir, args.workers):
            cleanup.callback(worker.stop)
        figures = measure(server.port, nursery_id, headers, args)
    sent = LoadResult(latencies=figures["delays"])
    print_result(
        {
            "bench": "worker_fairness",
            "backend": args.backend,
            "workers": args.workers,
            "bulk_jobs": {"card_jobs": len(CLASSES), "card_parents": args.parents, "import_rows": args.import_rows},
            "messages": len(sent.latencies),
            "delay_p50_s": round(sent.percentile(0.50), 2),
            "delay_p99_s": round(sent.percentile(0.99), 2),
            "delay_max_s": round(max(sent.latencies, default=0.0), 2),
            "bulk_busy_until_last_sent": any(status not in DONE for status in figures["bulk_at_last_sent"]),
            "bulk_statuses_at_end": figures["bulk_at_end"],
            "load_average_1m_at_end": load_average(),
            "targets": {"delay_p99_s": TARGET_P99_SECONDS},
        }
    )


if __name__ == "__main__":
    main()
