"""service.job_failures on real database faults: a fault that passes by itself is retried, another is raised at once,
and what a person reads about either is Japanese, without SQL or a class name."""

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from service.database import get_engine
from service.entry_logs import labels
from service.errors import HAS_JAPANESE, NotFound
from service.job_failures import (
    DATABASE_FAULT,
    DATABASE_UNREACHABLE,
    UNEXPECTED_FAULT,
    failure_message,
    is_transient,
    retrying,
)
from tests.support.database import drop_other_connections

NO_OP_WRITE = text("UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1")
JOB = "test.job unit=1"


def sqlite_write(contended: bool) -> None:
    """A write on a connection that does not wait for the write lock; while `contended`, another holds it."""
    impatient = create_engine(get_engine().url, connect_args={"timeout": 0}, poolclass=NullPool)
    try:
        with get_engine().connect() as holder:
            if contended:
                holder.begin()  # BEGIN IMMEDIATE: the write lock, held until the holder is closed
            with impatient.begin() as connection:
                connection.execute(NO_OP_WRITE)
    finally:
        impatient.dispose()


def postgres_write(contended: bool) -> None:
    """A repeatable-read transaction that updates a row it read; while `contended`, another transaction updated and
    committed that row in between (a serialization failure)."""
    with get_engine().connect().execution_options(isolation_level="REPEATABLE READ") as reader, reader.begin():
        reader.execute(text("SELECT last_seq FROM audit_chain_head WHERE id = 1"))
        if contended:
            with get_engine().begin() as other:
                other.execute(NO_OP_WRITE)
        reader.execute(NO_OP_WRITE)


@pytest.fixture
def contended_write(backend) -> Callable[[bool], None]:
    """A write that meets another connection's when asked to: a fault that passes once the other is done."""
    return postgres_write if backend == "postgres" else sqlite_write


def fault_of(unit: Callable[[], object]) -> BaseException:
    with pytest.raises(DBAPIError) as raised:
        unit()
    return raised.value


def test_a_write_that_meets_another_is_a_passing_fault_said_in_japanese(contended_write):
    fault = fault_of(lambda: contended_write(True))
    assert is_transient(fault)
    assert failure_message(fault) == DATABASE_UNREACHABLE
    contended_write(False)  # once the other connection is done, the same write succeeds


def test_a_unit_that_meets_a_passing_fault_is_run_again_and_succeeds(contended_write):
    attempts: list[int] = []

    def unit() -> str:
        attempts.append(len(attempts) + 1)
        contended_write(len(attempts) == 1)
        return "written"

    assert retrying(unit, JOB) == "written"
    assert attempts == [1, 2]


def test_a_unit_whose_fault_lasts_past_its_retries_raises_the_last_fault(contended_write):
    attempts: list[int] = []

    def unit() -> None:
        attempts.append(len(attempts) + 1)
        contended_write(True)

    assert is_transient(fault_of(lambda: retrying(unit, JOB, retries=2)))
    assert attempts == [1, 2, 3]


def test_a_real_database_fault_is_raised_at_once_and_said_without_sql():
    attempts: list[int] = []

    def unit() -> None:
        attempts.append(len(attempts) + 1)
        with get_engine().connect() as connection:
            connection.execute(text("SELECT secret FROM no_such_table"))

    fault = fault_of(lambda: retrying(unit, JOB))
    assert attempts == [1]
    assert "no_such_table" in str(fault)  # the log gets all of it; people get a sentence
    assert not is_transient(fault)
    assert failure_message(fault) == DATABASE_FAULT


@pytest.mark.postgres_only
def test_a_connection_the_server_dropped_is_a_passing_fault():
    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))
        assert drop_other_connections(get_engine()) >= 1
        fault = fault_of(lambda: connection.execute(text("SELECT 1")))
    assert is_transient(fault)
    assert failure_message(fault) == DATABASE_UNREACHABLE


def test_a_service_error_keeps_its_own_words_and_anything_else_gets_a_sentence():
    assert failure_message(NotFound(labels.IMPORT_NOT_FOUND)) == labels.IMPORT_NOT_FOUND
    assert failure_message(NotFound("import 3 not found")) == UNEXPECTED_FAULT
    assert failure_message(KeyError("actor")) == UNEXPECTED_FAULT
    for message in (DATABASE_UNREACHABLE, DATABASE_FAULT, UNEXPECTED_FAULT):
        assert HAS_JAPANESE.search(message) and not any(c.isascii() and c.isalpha() for c in message)
