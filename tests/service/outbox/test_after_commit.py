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


def test_tasks_go_to_the_broker_the_settings_name_at_each_commit(tmp_path, monkeypatch):
    """Whichever was sent to first: a test's own data folder (a small disk, unmounted after it) takes the tasks
    committed meanwhile, and the commits after it go to the run's broker again."""
    with monkeypatch.context() as own:
        own.setattr(get_settings(), "redis_url", "")
        own.setattr(get_settings(), "data_dir", tmp_path)
        with session_scope() as db:
            enqueue(db, channel="email", recipient="a@example.jp")
        assert queue_length() == 1  # in the test's own folder
    with session_scope() as db:
        enqueue(db, channel="email", recipient="b@example.jp")
    assert queue_length() == 1  # in the run's broker


def test_an_unreachable_broker_is_logged_and_the_dispatch_job_still_finds_the_message(monkeypatch, caplog):
    dead = get_settings().model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    monkeypatch.setattr(broker, "sender", lambda: broker.make_sender(dead))
    with session_scope() as db:
        message_id = enqueue(db, channel="email", recipient="a@example.jp").id
    assert "could not send" in caplog.text
    with session_scope() as db:
        assert dispatch_due(db, now=utcnow(), limit=10) == [message_id]
