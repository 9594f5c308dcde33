"""Process-local caches kept true across API processes by PostgreSQL LISTEN/NOTIFY.

`invalidate` drops a group here at once and, by a NOTIFY sent on commit, in every other process. A cache answers only
while its listener is connected: never on SQLite, not while starting, and not after the connection is lost."""

import asyncio
import logging
import threading
from collections.abc import Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy import make_url
from sqlalchemy.orm import Session

from service import dialect
from service.config import get_settings

if TYPE_CHECKING:  # psycopg and tenacity are imported by the listener, on PostgreSQL only
    from psycopg import AsyncConnection
    from psycopg.pq.abc import PGconn
    from tenacity import RetryCallState

log = logging.getLogger(__name__)
Value = TypeVar("Value")
RECONNECT_SECONDS = 1.0


class GroupedCache(Generic[Value]):
    def __init__(self, channel: str, *, max_entries: int = 100_000) -> None:
        self.channel = channel
        self.max_entries = max_entries
        self.entries: dict[Hashable, tuple[str, Value]] = {}
        self.groups: dict[str, set[Hashable]] = {}
        self.epoch = 0  # raised by every drop: an entry read from the database before a drop is not put back
        self.lock = threading.Lock()
        self.listener: asyncio.Task | None = None
        self.listening = False

    def usable(self) -> bool:
        """Its listener is started on this event loop on first use."""
        loop = asyncio.get_running_loop()
        listener = self.listener
        if listener is not None and listener.get_loop() is loop and not listener.done():
            return self.listening
        if not dialect.current().notifies:
            return False
        self._drop_all()
        self.listener = loop.create_task(self._listen(), name=f"listen-{self.channel}")
        return self.listening

    def get(self, key: Hashable) -> Value | None:
        entry = self.entries.get(key)
        return None if entry is None else entry[1]

    def put(self, key: Hashable, group: str, value: Value, *, epoch: int) -> None:
        """`epoch`: nothing was dropped since the value was read."""
        with self.lock:
            if not self.listening or epoch != self.epoch:
                return
            if len(self.entries) >= self.max_entries:
                self.entries.clear()
                self.groups.clear()
            self.entries[key] = (group, value)
            self.groups.setdefault(group, set()).add(key)

    def invalidate(self, db: Session, group: str) -> None:
        self._drop(group)
        dialect.notify(db, self.channel, group)

    def _drop(self, group: str) -> None:
        with self.lock:
            self.epoch += 1
            for key in self.groups.pop(group, ()):
                self.entries.pop(key, None)

    def _drop_all(self) -> None:
        with self.lock:
            self.epoch += 1
            self.listening = False
            self.entries.clear()
            self.groups.clear()

    async def _listen(self) -> None:
        """Listen for as long as the process runs: a lost connection is opened again after RECONNECT_SECONDS."""
        import psycopg
        from tenacity import AsyncRetrying, retry_if_exception_type, wait_fixed

        def lost(state: "RetryCallState") -> None:
            fault = state.outcome.exception() if state.outcome else None
            log.warning("cache listener on %s lost its connection: %s", self.channel, fault)

        reconnecting = AsyncRetrying(
            retry=retry_if_exception_type(psycopg.Error), wait=wait_fixed(RECONNECT_SECONDS), before_sleep=lost
        )
        await reconnecting(self._listen_once)

    async def _listen_once(self) -> None:
        """Until the connection is lost; caches answer only meanwhile."""
        try:
            async with await _listening_connection() as connection:
                await connection.execute(f"LISTEN {self.channel}")
                with self.lock:
                    self.epoch += 1
                    self.listening = True
                await self._receive(connection.pgconn)
        finally:
            self._drop_all()

    async def _receive(self, pgconn: "PGconn") -> None:
        """Woken only when the socket has data: psycopg's `notifies()` wakes every 0.1 s, costing an idle worker as much
        CPU as its uvicorn server."""
        loop = asyncio.get_running_loop()
        readable = asyncio.Event()
        socket = pgconn.socket  # read once: a lost connection no longer tells its socket
        loop.add_reader(socket, readable.set)
        try:
            while True:
                await readable.wait()
                readable.clear()
                pgconn.consume_input()  # OperationalError once the connection is lost
                while (notification := pgconn.notifies()) is not None:
                    self._drop(notification.extra.decode())
        finally:
            loop.remove_reader(socket)


async def _listening_connection() -> "AsyncConnection":
    from psycopg import AsyncConnection

    url = make_url(get_settings().effective_database_url).set(drivername="postgresql")
    return await AsyncConnection.connect(url.render_as_string(hide_password=False), autocommit=True)
