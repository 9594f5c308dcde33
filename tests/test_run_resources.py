"""A test run touches only what it created: its own Redis server, and the PostgreSQL databases bearing its mark; a
Redis and databases of someone else's (made here by the test, under the names a run would use) are left alone."""

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

from service.config import get_settings
from tests.conftest import CONFIGURED_DATABASE_URL, RUN_REDIS, configure_environment
from tests.support import run_resources

pytestmark = pytest.mark.postgres_only  # a run starts a Redis and makes databases of its own on PostgreSQL only

ANOTHER_MACHINE = {"machine": "another machine's boot", "host": "elsewhere"}


def dead_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def databases() -> set[str]:
    with run_resources.server_connection(CONFIGURED_DATABASE_URL) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database")}


@pytest.fixture
def plant() -> Iterator[Callable[[str, str | None], str]]:
    """Create a database with the given comment (None: none), as someone else might; those still there at the end are
    dropped (the test made them)."""
    made = []

    def create(name: str, comment: str | None) -> str:
        with run_resources.server_connection(CONFIGURED_DATABASE_URL) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            if comment is not None:
                conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(comment)))
        made.append(name)
        return name

    yield create
    with run_resources.server_connection(CONFIGURED_DATABASE_URL) as conn:
        for name in made:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def another_machines_mark(pid: int) -> str:
    return json.dumps({run_resources.MARK: ANOTHER_MACHINE | {"pid": pid}})


def test_a_run_drops_only_the_databases_a_dead_run_of_this_machine_left_and_takes_none_it_did_not_mark(plant):
    base = make_url(CONFIGURED_DATABASE_URL)
    left, unmarked, elsewhere = dead_pid(), dead_pid(), dead_pid()
    left_here = plant(f"{base.database}_run{left}_replica", run_resources.run_mark(left))
    someone_elses = plant(f"{base.database}_run{unmarked}", None)
    another_machines = plant(f"{base.database}_run{elsewhere}", another_machines_mark(elsewhere))

    dropped = run_resources.drop_abandoned_databases(CONFIGURED_DATABASE_URL)
    assert left_here in dropped
    assert {someone_elses, another_machines} & set(dropped) == set()

    theirs = base.set(database=someone_elses).render_as_string(hide_password=False)
    with pytest.raises(RuntimeError, match=f"database {someone_elses} exists and is not this run's"):
        run_resources.create_run_database(theirs)
    run_resources.drop_run_databases(theirs)  # a run's end drops only what it marked, whatever the names

    assert {someone_elses, another_machines} <= databases()
    assert left_here not in databases()


def test_the_run_s_broker_is_the_redis_it_started_and_keeps_nothing_on_disk():
    broker = redis.Redis.from_url(os.environ["APP_REDIS_URL"])
    assert RUN_REDIS is not None
    assert broker.info("server")["process_id"] == RUN_REDIS.process.pid
    assert broker.config_get("save") == {"save": ""}
    assert broker.config_get("appendonly") == {"appendonly": "no"}
    broker.close()


@pytest.fixture
def developers_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis standing in for `make run`'s broker (on PostgreSQL, database 1): its URL."""
    server = run_resources.start_redis(tmp_path / "make-run")
    yield server.url.replace("/0", "/1")
    server.stop()


def test_a_run_in_a_developer_s_shell_leaves_make_run_s_redis_alone(developers_redis: str, monkeypatch):
    queue = redis.Redis.from_url(developers_redis)
    queue.rpush("celery", "a task make run queued")
    queue.set("unacked_index", "its worker's")
    for variable in ("APP_REDIS_URL", "APP_TEST_REDIS_URL"):  # whatever the shell names, the run uses its own
        monkeypatch.setenv(variable, developers_redis)

    run = configure_environment()
    assert run is not None
    try:
        broker = redis.Redis.from_url(os.environ["APP_REDIS_URL"])
        assert broker.info("server")["process_id"] == run.process.pid
        broker.flushdb()  # what a test that loses the broker's messages does (tests/jobs/test_card_jobs.py)
        broker.close()
    finally:
        run.stop()

    assert queue.lrange("celery", 0, -1) == [b"a task make run queued"]
    assert queue.get("unacked_index") == b"its worker's"
    queue.close()


def test_a_forked_worker_whose_settings_would_configure_another_broker_is_told(tmp_path, monkeypatch):
    from tests.support.worker_forks import import_time_differences

    assert import_time_differences() == []  # the run's own settings: what the app was configured with
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("APP_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    try:
        assert "broker_url" in import_time_differences()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_an_xdist_worker_is_a_run_of_its_own_and_what_it_starts_belongs_to_it(monkeypatch):
    monkeypatch.setenv(run_resources.RUN_ID_VARIABLE, str(dead_pid()))  # the pytest that started the worker
    monkeypatch.setenv(run_resources.XDIST_WORKER_VARIABLE, "gw1")
    monkeypatch.delenv(run_resources.RUN_WORKER_VARIABLE, raising=False)

    run_resources.claim_xdist_worker()

    assert run_resources.run_id() == str(os.getpid()) and not run_resources.started_by_a_run()
    monkeypatch.setenv(run_resources.RUN_ID_VARIABLE, str(dead_pid()))  # as a server the worker started sees it
    run_resources.claim_xdist_worker()
    assert run_resources.started_by_a_run()
