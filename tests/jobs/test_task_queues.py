"""service/task_queues.py is the one routing table: every task the worker registers (periodic ones included) has a
class, the worker app and the service's sender route by it alike, the queue length is measured per queue, and a
worker's pool processes are replaced past its classes' memory limit (the largest when it takes several)."""

import pytest
from celery.signals import celeryd_init

from jobs.celery_app import app, make_celery
from jobs.schedule import BEAT_SCHEDULE
from service import broker
from service.config import get_settings
from service.reservations.monitoring import watchdog
from service.task_queues import BULK, CHILD_MEMORY_KIB, CRITICAL, QUEUES, TASK_CLASSES
from tests.support.waiting import wait_until
from tests.support.worker import START_TIMEOUT, purge_queue


def registered_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_registered_task_has_a_class_and_the_table_names_no_other():
    unclassified = registered_tasks() - set(TASK_CLASSES)
    assert unclassified == set(), f"give these tasks a class in service/task_queues.py: {sorted(unclassified)}"
    assert set(TASK_CLASSES) - registered_tasks() == set()
    assert set(TASK_CLASSES.values()) == set(QUEUES)


def test_every_periodic_task_has_a_class():
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= set(TASK_CLASSES)


@pytest.mark.parametrize(
    ("queues", "limit"),
    [([CRITICAL], CHILD_MEMORY_KIB[CRITICAL]), ([BULK], CHILD_MEMORY_KIB[BULK]), (None, CHILD_MEMORY_KIB[BULK])],
)
def test_a_workers_pool_processes_are_replaced_past_its_classes_memory_limit(queues, limit):
    worker_app = make_celery()
    celeryd_init.send(sender="test@localhost", instance=None, conf=worker_app.conf, options={"queues": queues})
    assert worker_app.conf.worker_max_memory_per_child == limit


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("platform.deliver_message", CRITICAL),
        ("platform.dispatch_outbox", CRITICAL),
        ("fleet.send_alert_digest", CRITICAL),
        ("reservations.sweep_deadlines", CRITICAL),
        ("fleet.mark_offline_terminals", CRITICAL),
        ("platform.send_pending_tasks", CRITICAL),
        ("entry_logs.render_cards", BULK),
        ("entry_logs.import_roster", BULK),
        ("loaners.rotate_submissions", BULK),
        ("platform.backup", BULK),
    ],
)
def test_the_worker_app_and_the_sender_route_a_task_to_its_class(task, queue):
    sender = broker.make_sender(get_settings())
    assert app.amqp.router.route({}, task)["queue"].name == queue
    assert sender.amqp.router.route({}, task)["queue"].name == queue


def test_the_queue_length_is_measured_per_queue_on_the_real_broker():
    purge_queue()
    broker.send_tasks([("platform.deliver_message", [1], None), ("entry_logs.render_cards", [1, 0], None)])
    broker.send_tasks([("entry_logs.render_cards", [2, 0], None)])
    assert (broker.queue_length(CRITICAL), broker.queue_length(BULK), broker.queue_length()) == (1, 2, 3)
    purge_queue()
    assert broker.queue_length() == 0


@pytest.mark.postgres_only  # the embedded broker cannot broadcast: the watchdog does not ask there
def test_the_watchdog_counts_only_a_worker_of_the_critical_queue(start_worker):
    """A worker that has just started may miss a broadcast's deadline on a busy machine: it is asked again until it
    answers (the watchdog's next check), never timed."""
    bulk = start_worker(queues=[BULK])
    wait_until(
        lambda: bulk.node in watchdog.answering_workers(), timeout=START_TIMEOUT, message="the bulk worker to answer"
    )
    assert watchdog.workers_answering() is False
    start_worker(queues=[CRITICAL])
    wait_until(watchdog.workers_answering, timeout=START_TIMEOUT, message="the watchdog to count the critical worker")
