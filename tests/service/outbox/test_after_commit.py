"""A committed enqueue queues its delivery task on the real broker; a rollback none; a dead broker fails nothing."""

import pytest

from service import broker
from service.broker import queue_length
from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox.delivery import dispatch_due
from service.outbox.service import enqueue
from tests.support.worker import purge_queue


@pytest.fixture(autouse=True)
def _empty_queue():
    purge_queue()
    yield
    purge_queue()


def test_commit_queues_one_delivery_task_per_message():
    with session_scope() as db:
        enqueue(db, channel="email", recipient="a@example.jp")
        enqueue(db, channel="sms", recipient="+819000000000")
    assert queue_length() == 2


def test_rollback_queues_nothing():
    with pytest.raises(RuntimeError), session_scope() as db:
        enqueue(db, channel="email", recipient="a@example.jp")
        raise RuntimeError("the change that caused the message failed")
    assert queue_length() == 0


def test_an_unreachable_broker_is_logged_and_the_dispatch_job_still_finds_the_message(monkeypatch, caplog):
    dead = get_settings().model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    monkeypatch.setattr(broker, "sender", lambda: broker.make_sender(dead))
    with session_scope() as db:
        message_id = enqueue(db, channel="email", recipient="a@example.jp").id
    assert "could not send" in caplog.text
    with session_scope() as db:
        assert dispatch_due(db, now=utcnow(), limit=10) == [message_id]
