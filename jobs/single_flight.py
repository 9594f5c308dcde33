"""Single flight for periodic jobs: one run at a time per task and arguments, across every worker and beat process.

On PostgreSQL the lock is a session advisory lock on a connection held for the run; on SQLite (embedded, one machine)
it is an exclusive flock on a file under the data folder. Either way a crashed run's lock goes with its process.
A run that finds the lock taken does nothing and returns None: the run holding it does the work (a slow run and the
next beat tick, two beat processes during a deploy, an operator's manual run).
"""

import fcntl
import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from jobs.celery_app import app
from service.config import get_settings
from service.database import get_engine
from service.dialect import advisory_key, is_postgres

log = logging.getLogger(__name__)


def flight_name(task_name: str, args: tuple = (), kwargs: dict | None = None) -> str:
    """The lock's name: the task's, plus its arguments when it has any (a rotation started for one run id)."""
    if not args and not kwargs:
        return task_name
    return f"{task_name}:{json.dumps([list(args), kwargs or {}], sort_keys=True, default=str)}"


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    key = advisory_key(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        taken = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield taken
        finally:
            if taken:
                _advisory_unlock(conn, key)


def _advisory_unlock(conn: Any, key: int) -> None:
    """Release the lock; a connection that cannot is discarded, which releases it too."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    except DBAPIError:
        conn.invalidate()


@contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    folder = get_settings().data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    safe = hashlib.blake2b(name.encode(), digest_size=12).hexdigest()
    with open(folder / f"{safe}.lock", "a") as handle:  # closing the file releases the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            taken = True
        except BlockingIOError:
            taken = False
        yield taken


@contextmanager
def single_flight(name: str) -> Iterator[bool]:
    """Hold the job lock `name` for the with-block if no other run holds it; yields whether it was taken."""
    engine = get_engine()
    lock = _advisory_lock(engine, name) if is_postgres(engine) else _file_lock(name)
    with lock as taken:
        yield taken


class SingleFlightTask(Task):
    """A Celery task whose runs never overlap: a run started while another holds the lock returns None at once."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with single_flight(flight_name(self.name, args, kwargs)) as taken:
            if not taken:
                log.info("%s skipped: another run holds its lock", self.name)
                return None
            return super().__call__(*args, **kwargs)


def periodic(name: str, **options: Any):
    """Register a task the beat schedule runs: single-flight by construction."""
    return app.task(name=name, base=SingleFlightTask, **options)
