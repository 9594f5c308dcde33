"""platform.dispatch_outbox, run as beat would run it: one delivery task per due message, none while a backlog waits."""

from jobs.platform import dispatch_outbox
from service.broker import queue_length
from service.config import get_settings
from tests.service.outbox.helpers import enqueue_committed
from tests.support.worker import purge_queue


def test_dispatch_queues_one_delivery_per_due_message():
    for n in range(3):
        enqueue_committed(recipient=f"p{n}@example.jp")
    purge_queue()  # forget the after-commit tasks: dispatch is the safety net when they were lost
    assert dispatch_outbox() == 3
    assert queue_length() == 3
    purge_queue()


def test_dispatch_holds_back_while_the_queue_already_holds_a_full_batch(monkeypatch):
    monkeypatch.setattr(get_settings(), "outbox_dispatch_limit", 2)
    purge_queue()
    for n in range(2):
        enqueue_committed(recipient=f"p{n}@example.jp")  # each commit queues its own delivery task
    assert queue_length() == 2
    assert dispatch_outbox() == 0
    assert queue_length() == 2
    purge_queue()
