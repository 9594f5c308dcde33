"""Bulk work never occupies what time-critical work needs (service/task_queues.py): a worker per class, as `make run`
and the compose file start them, and an outbox e-mail queued behind three large card jobs of one nursery is sent by
the critical worker while the bulk worker is still drawing the cards; another nursery's small card job, asked for
after them, is ready before they are (each job is drawn a chunk per task, so their chunks take turns)."""

import os
import signal

import psutil
import pytest

from jobs.niceness import niceness_of
from service.outbox.service import enqueue
from service.task_queues import BULK, CRITICAL, NICENESS
from tests.jobs.test_outbox_worker import sent, smtp_env
from tests.service.entry_logs.test_cards import ask_for_cards, cards_url
from tests.service.entry_logs.world import make_world, staff_headers
from tests.support.waiting import wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.slow

PARENTS = 300  # the whole nursery's 30 pages take 15 turns: the bulk worker is busy well past the e-mail's time
SMALL = 20  # another nursery's cards: two pages, one chunk
CHUNK_PAGES = 2  # each class's 15 pages take eight turns, the small job's two pages one and its merge another
CLASSES = ("", "ひよこ組", "うさぎ組")  # three jobs: the whole nursery, then each class
DELIVERED = "platform.deliver_message["


def test_an_email_and_a_small_card_job_queued_behind_three_large_card_jobs_are_done_while_the_cards_are_drawn(
    client, db, smtp_sink, start_worker
):
    sink, port = smtp_sink
    world = make_world(db, "fair", name="ひかり保育園", parents=PARENTS)
    other = make_world(db, "small", name="こだま保育園", parents=SMALL)
    db.commit()
    headers, other_headers = staff_headers(db, world), staff_headers(db, other, "staff-small")
    bulk = start_worker(queues=[BULK], APP_DOCUMENT_CHUNK_PAGES=str(CHUNK_PAGES))
    critical = start_worker(queues=[CRITICAL], **smtp_env(port))

    jobs = [ask_for_cards(client, headers, world.nursery.id, class_name)["id"] for class_name in CLASSES]

    small = ask_for_cards(client, other_headers, other.nursery.id)["id"]

    def status(job_id: int) -> str:
        return client.get(cards_url(world.nursery.id, job_id), headers=headers).json()["status"]

    def small_status() -> str:
        return client.get(cards_url(other.nursery.id, small), headers=other_headers).json()["status"]

    wait_until(lambda: status(jobs[0]) == "running", timeout=60, message="the bulk worker to start the first cards")
    message = enqueue(db, channel="email", recipient="qrv-ops@example.jp", subject="重大インシデント", body="至急")
    db.commit()  # after the three card jobs: the after-commit hook sends its delivery to the critical queue

    wait_until(lambda: sent(message.id), timeout=30, message="the e-mail to be sent while the cards are drawn")
    # it waited for none of the card jobs, not even the one running when it was queued
    assert [status(job) in ("queued", "running") for job in jobs] == [True, True, True]
    assert [delivered["Subject"] for delivered in sink.messages] == ["重大インシデント"]
    assert DELIVERED in critical.log_path.read_text() and DELIVERED not in bulk.log_path.read_text()

    wait_until(lambda: small_status() == "ready", timeout=120, message="the other nursery's small card job")
    assert [status(job) in ("queued", "running") for job in jobs[1:]] == [True, True]  # the large ones still drawn


def pool_niceness(worker: WorkerProcess) -> dict[int, int]:
    """Each pool process's pid and niceness."""
    return {child.pid: child.nice() for child in psutil.Process(worker.pid).children()}


def test_a_bulk_workers_pool_runs_below_the_requests_priority_a_critical_ones_at_theirs_also_when_replaced(
    start_worker,
):
    requests = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = max(NICENESS[BULK], requests)
    bulk, critical = start_worker(queues=[BULK]), start_worker(queues=[CRITICAL])
    wait_until(lambda: list(pool_niceness(bulk).values()) == [lowered], timeout=30, message="the bulk pool lowered")
    assert list(pool_niceness(critical).values()) == [requests]
    assert psutil.Process(bulk.pid).nice() == requests  # its consumer and health page keep the requests' priority

    (first,) = pool_niceness(bulk)
    os.kill(first, signal.SIGKILL)  # the pool starts another in its place

    def replaced() -> bool:
        return first not in pool_niceness(bulk) and list(pool_niceness(bulk).values()) == [lowered]

    wait_until(replaced, timeout=30, message="its replacement lowered before it takes a task")


def test_a_worker_taking_both_classes_runs_at_the_critical_ones_niceness():
    assert niceness_of([BULK]) == NICENESS[BULK]
    assert niceness_of([CRITICAL, BULK]) == niceness_of([CRITICAL]) == NICENESS[CRITICAL]
