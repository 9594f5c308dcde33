"""How a job meets a fault: a transient database fault retried with backoff, any other recorded in Japanese words.

A job works in units (a batch in its own short transaction that commits the job's progress with it), so a unit can run
again: it re-reads where the job stands, and a unit whose COMMIT went through although its connection dropped finds its
work done. The backoff waits in the worker between two transactions (no broker countdown, no transaction open). The
message for people goes to the job's row: Japanese, never SQL, a class name or a pattern."""

import logging
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from service.database import session_scope
from service.errors import HAS_JAPANESE, DomainError

if TYPE_CHECKING:
    from tenacity import RetryCallState

log = logging.getLogger("daicho.jobs")

T = TypeVar("T")

RETRIES = 8  # with the backoff below, a unit keeps trying for 45-90 s: a database restart or failover
BACKOFF_BASE = 0.5  # seconds: the n-th wait is between half and all of min(BACKOFF_CAP, BACKOFF_BASE * 2**(n-1))
BACKOFF_CAP = 30.0

# PostgreSQL's SQLSTATEs that pass: serialization failure, deadlock, the server shutting down or not accepting
# connections yet; and the whole connection exception class 08.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})
CONNECTION_EXCEPTION_CLASS = "08"
SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})  # primary codes: "database is locked"

DATABASE_UNREACHABLE = "データベースが一時的に利用できないため処理を完了できませんでした。もう一度お試しください"
DATABASE_FAULT = "データベースの処理でエラーが発生したため処理を完了できませんでした。管理者にお問い合わせください"
UNEXPECTED_FAULT = "内部エラーが発生したため処理を完了できませんでした。管理者にお問い合わせください"


def _causes(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return found


def _transient_one(exc: BaseException) -> bool:
    import psycopg  # here, not with the app: a fault is rare, and SQLite never needs it

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, PoolTimeout):  # every pooled connection busy for the pool's timeout
        return True
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        if state is None:  # no answer from a server: the connection was refused, lost or closed
            return isinstance(exc, psycopg.OperationalError)
        return state in TRANSIENT_SQLSTATES or state.startswith(CONNECTION_EXCEPTION_CLASS)
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorcode", 0) & 0xFF in SQLITE_BUSY_CODES
    return False


def is_transient(exc: BaseException) -> bool:
    return any(_transient_one(cause) for cause in _causes(exc))


def _is_database_fault(exc: BaseException) -> bool:
    import psycopg

    return any(isinstance(cause, DBAPIError | psycopg.Error | sqlite3.Error) for cause in _causes(exc))


def failure_message(exc: BaseException) -> str:
    """A service error's own Japanese message, else whether the database could not be reached, failed otherwise, or
    something else broke."""
    if isinstance(exc, DomainError) and HAS_JAPANESE.search(exc.message):
        return exc.message
    if is_transient(exc):
        return DATABASE_UNREACHABLE
    if _is_database_fault(exc):
        return DATABASE_FAULT
    return UNEXPECTED_FAULT


def job_failed(exc: BaseException, job: str) -> str:
    """`job` names the task and what it worked on, e.g. "entry_logs.import_roster import_id=3 start=7400"."""
    log.error("%s failed", job, exc_info=exc)
    return failure_message(exc)


def retrying(unit: Callable[[], T], job: str, *, retries: int = RETRIES) -> T:
    """`job` names the job in the log, as for `job_failed`."""
    from tenacity import Retrying, retry_if_exception, stop_after_attempt

    from clientkit.backoff import jittered

    def note(state: "RetryCallState") -> None:
        fault = state.outcome.exception() if state.outcome else None
        log.warning("%s: transient database fault (%d of %d): %s", job, state.attempt_number, retries, fault)

    policy = Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(retries + 1),
        wait=jittered(BACKOFF_BASE, BACKOFF_CAP),
        before_sleep=note,
        reraise=True,
    )
    return policy(unit)


def run_in_batches(step: Callable[[Session], bool], fail: Callable[[Session, str], object], job: str) -> None:
    """Each step is retried on a transient fault; a fault ending the job is recorded with `fail` in a transaction of its
    own."""

    def one_batch() -> bool:
        with session_scope() as db:
            return step(db)

    try:
        while retrying(one_batch, job):
            pass
    except Exception as exc:
        message = job_failed(exc, job)
        with session_scope() as db:
            fail(db, message)
