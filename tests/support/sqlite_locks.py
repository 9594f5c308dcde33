"""A test that calls the service while its own SQLite transaction is open fails at once, naming the lock.

On SQLite every write transaction of the service begins with BEGIN IMMEDIATE (service/database.py), which waits up to
the busy timeout (30 s) for the write lock. When the test's own session (the `db` fixture, a session_scope) holds that
lock, uncommitted, and the test then waits on a request, the request can never get it: the test used to hang 30 s and
fail with "database is locked". Here the service's BEGIN IMMEDIATE is refused at once instead, while a request is in
flight and a connection the test's thread checked out is inside a transaction, and the test fails at its end with the
lock named and what to do.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

MESSAGE = (
    "SQLite's write lock is held by the test's own open transaction (a session of the test, such as `db`, has "
    "written or read without committing) while it waits on a request whose write needs that lock: commit the "
    "session (db.commit()) before calling the service"
)


class HeldByTheTest(RuntimeError):
    """The service's write transaction would wait on the lock the waiting test holds."""


class LockWatch:
    """The SQLite connections the test's thread holds, the requests in flight and the refusals made meanwhile."""

    def __init__(self) -> None:
        self.test_thread = threading.main_thread()
        self.held: dict[int, sqlite3.Connection] = {}
        self.requests_in_flight = 0
        self.counting = threading.Lock()
        self.refusals: list[str] = []

    def checked_out(self, dbapi_connection: Any, *_: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection) and threading.current_thread() is self.test_thread:
            self.held[id(dbapi_connection)] = dbapi_connection

    def checked_in(self, dbapi_connection: Any, *_: Any) -> None:
        self.held.pop(id(dbapi_connection), None)

    def test_holds_the_lock(self, database: str) -> bool:
        """Whether a connection of the test's thread to this database file is inside a transaction."""
        return any(
            connection.in_transaction and database_file(connection) == database for connection in self.held.values()
        )

    def before_statement(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        """Refuse a write transaction begun by the service while the test, waiting on it, holds the lock."""
        if (
            statement.startswith("BEGIN IMMEDIATE")
            and threading.current_thread() is not self.test_thread
            and self.requests_in_flight
            and self.test_holds_the_lock(str(Path(conn.engine.url.database).resolve()))
        ):
            self.refusals.append(MESSAGE)
            raise HeldByTheTest(MESSAGE)

    @contextmanager
    def request(self) -> Iterator[None]:
        with self.counting:
            self.requests_in_flight += 1
        try:
            yield
        finally:
            with self.counting:
                self.requests_in_flight -= 1


def database_file(connection: sqlite3.Connection) -> str:
    """The main database file of a connection (asked only when a refusal is near: the test's thread is waiting)."""
    return str(Path(connection.execute("PRAGMA database_list").fetchone()[2]).resolve())


WATCH = LockWatch()


def watch() -> None:
    """Listen on every engine and pool, and count the requests of the dashboards' httpx clients and of Starlette's
    TestClient (built on httpx2, a client of its own)."""
    event.listen(Pool, "checkout", WATCH.checked_out)
    event.listen(Pool, "checkin", WATCH.checked_in)
    event.listen(Engine, "before_cursor_execute", WATCH.before_statement)
    for client in (httpx.Client, TestClient):
        client.send = counted(client.send)  # type: ignore[method-assign]


def counted(send: Callable[..., Any]) -> Callable[..., Any]:
    """A client's send that counts itself among the requests in flight."""

    def counted_send(self: Any, *args: Any, **kwargs: Any) -> Any:
        with WATCH.request():
            return send(self, *args, **kwargs)

    return counted_send
