"""The heartbeat write on a real database fault: a batch whose connection the server drops is written again once, at
once, and answered as if nothing happened; a batch that loses its connection twice fails with the fault."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from service.database import get_engine
from service.fleet import credentials
from service.fleet.agent.heartbeats import Beat, write_in_session
from service.fleet.models import MetricSample, Terminal
from service.fleet.wire import HeartbeatIn, HeartbeatReply
from tests.service.fleet.conftest import beat, make_customer, make_terminal
from tests.support.waiting import wait_until

pytestmark = pytest.mark.postgres_only  # the server drops a connection: what a PostgreSQL restart or failover does

WAITING_FOR_A_LOCK = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)
DROP = text("SELECT pg_terminate_backend(:pid)")


@pytest.fixture
def terminal(db) -> tuple[int, Beat]:
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    return terminal.id, Beat(credentials.hash_secret(token), HeartbeatIn(**beat()))


@contextmanager
def row_locked(terminal_id: int) -> Iterator[None]:
    """Another transaction holds the terminal's row, so a heartbeat write waits on it, until the block ends."""
    with get_engine().connect() as holder, holder.begin():
        holder.execute(select(Terminal.id).where(Terminal.id == terminal_id).with_for_update())
        yield


def written_while_dropped(terminal_id: int, beats: list[Beat], drops: int) -> list | BaseException:
    """write_in_session's answer (or what it raised) when the server drops its connection `drops` times: each time
    once it waits on the terminal's row."""
    outcome: list[list | BaseException] = []

    def write() -> None:
        try:
            outcome.append(write_in_session(beats))
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    admin = create_engine(
        get_engine().url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )  # fresh activity each look
    writer = threading.Thread(target=write)
    try:
        with row_locked(terminal_id), admin.connect() as dropper:
            writer.start()
            dropped: set[int] = set()
            for _ in range(drops):
                pid = wait_until(lambda: waiting_writer(dropper, dropped), message="the write waiting on the row")
                dropper.execute(DROP, {"pid": pid})
                dropped.add(pid)
        writer.join(timeout=30)
    finally:
        admin.dispose()
    assert not writer.is_alive()
    return outcome[0]


def waiting_writer(connection, dropped: set[int]) -> int | None:
    """A connection waiting on a lock that has not been dropped yet."""
    return next((pid for pid in connection.scalars(WAITING_FOR_A_LOCK) if pid not in dropped), None)


def retries_logged(caplog) -> list[str]:
    """The heartbeat writer's warnings, each with the fault's traceback."""
    records = [record for record in caplog.records if record.name == "daicho.fleet.heartbeats"]
    assert all(record.exc_info and isinstance(record.exc_info[1], OperationalError) for record in records)
    return [record.getMessage() for record in records]


def samples(db, terminal_id: int) -> int:
    db.rollback()  # a fresh snapshot: the writes committed in other connections
    return db.scalar(select(func.count()).select_from(MetricSample).where(MetricSample.terminal_id == terminal_id))


def test_a_batch_whose_connection_is_dropped_is_written_again_once(db, terminal, caplog):
    terminal_id, one = terminal
    caplog.set_level(logging.WARNING)
    for written in (1, 2):  # and the next batch after it is written as any other
        replies = written_while_dropped(terminal_id, [one], drops=1 if written == 1 else 0)
        assert [type(reply) for reply in replies] == [HeartbeatReply]
        assert samples(db, terminal_id) == written
    assert retries_logged(caplog) == ["heartbeat batch of 1 retried after a database error"]


def test_a_batch_whose_connection_is_dropped_twice_fails_with_the_fault(db, terminal, caplog):
    terminal_id, one = terminal
    caplog.set_level(logging.WARNING)
    fault = written_while_dropped(terminal_id, [one], drops=2)
    assert isinstance(fault, OperationalError) and fault.connection_invalidated
    assert samples(db, terminal_id) == 0
    assert len(retries_logged(caplog)) == 1  # retried once, not twice
    assert isinstance(write_in_session([one])[0], HeartbeatReply)  # the next batch goes through
    assert samples(db, terminal_id) == 1
