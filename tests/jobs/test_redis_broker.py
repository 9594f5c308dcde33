"""A worker running a task when Redis restarts reconnects and takes the next one (service/redis_broker.py); with
kombu's own transport it exited ("Unrecoverable error"), and nothing of its queue ran again until it was restarted."""

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from jobs.celery_app import make_celery
from service.config import REPO_ROOT, get_settings
from service.database import get_engine
from service.task_queues import CRITICAL
from tests.support.run_resources import RunRedis, start_redis
from tests.support.waiting import wait_until
from tests.support.worker import START_TIMEOUT
from tools.run import worker_argv

pytestmark = pytest.mark.postgres_only  # Redis is the PostgreSQL pass's broker; the SQLite pass's is a folder

WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of the test's own: restarting it touches no other test's broker."""
    servers: list[RunRedis] = [start_redis(tmp_path / "redis")]

    def restart() -> None:
        servers[-1].stop()
        servers.append(start_redis(tmp_path / "redis", port=urlparse(servers[-1].url).port))

    yield servers[0].url, restart
    servers[-1].stop()


@pytest.fixture
def critical_worker(tmp_path, own_redis):
    """The critical queue's worker as `make run` and the compose file start it (gossip, mingle, heartbeats), on that
    Redis, in an interpreter of its own (the run's worker parent forks workers for the run's broker only)."""
    url, _ = own_redis
    log_path = tmp_path / "worker.log"
    env = {**os.environ, "APP_REDIS_URL": url, "PYTHONPATH": str(REPO_ROOT)}
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            worker_argv(CRITICAL, "info"),
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: " ready." in log_path.read_text() or process.poll() is not None, START_TIMEOUT)
        assert process.poll() is None, log_path.read_text()[-3000:]
        yield process, log_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def outbox_locked() -> Iterator[None]:
    """A critical task reading the outbox (platform.dispatch_outbox) waits, running, until the block ends."""
    with get_engine().connect() as held:
        held.execute(text("LOCK TABLE outbox_message IN ACCESS EXCLUSIVE MODE"))
        yield
        held.rollback()


def a_query_waits_on_a_lock() -> bool:
    """Asked in a transaction of its own: one reads the activity once and keeps what it read."""
    with get_engine().connect() as conn:
        return conn.execute(WAITING_ON_A_LOCK).scalar_one() > 0


def test_a_worker_running_a_task_when_redis_restarts_takes_the_next_one(db, own_redis, critical_worker):
    url, restart_redis = own_redis
    process, log_path = critical_worker
    broker = make_celery(get_settings().model_copy(update={"redis_url": url}))
    with outbox_locked():
        broker.send_task("platform.dispatch_outbox", queue=CRITICAL)
        wait_until(a_query_waits_on_a_lock, message="the task to wait on the lock")
        restart_redis()  # while the task runs: its message delivered, not acknowledged
    with outbox_locked():
        broker.send_task("platform.dispatch_outbox", queue=CRITICAL)

        def running_or_gone() -> bool:
            return process.poll() is not None or a_query_waits_on_a_lock()

        wait_until(running_or_gone, timeout=30, message="the worker to take the next task or exit")
        assert process.poll() is None, log_path.read_text()[-3000:]
