"""Turns taken in order: at most `size` holders per key at once, the others waiting in the event loop (no thread, no
CPU) until a holder hands its turn on, first come first served. Nobody is refused for waiting: a slow machine makes a
turn longer, never a refusal. The event loop serving the app is one per process, but a test's threads may share an
app: each waiter's future is woken on its own loop."""

import asyncio
import threading
from collections import Counter, deque


class Turns:
    def __init__(self, size: int) -> None:
        self.size = size
        self.held: Counter[str] = Counter()
        self.waiting: dict[str, deque[asyncio.Future[None]]] = {}
        self.handed: set[asyncio.Future[None]] = set()  # turns handed on whose waiters have not woken yet
        self.lock = threading.Lock()

    async def take(self, key: str) -> None:
        with self.lock:
            if self.held[key] < self.size and not self.waiting.get(key):
                self.held[key] += 1
                return
            turn = asyncio.get_running_loop().create_future()
            self.waiting.setdefault(key, deque()).append(turn)
        try:
            await turn  # handed on by a holder: counted as held already
        except asyncio.CancelledError:
            self._leave(key, turn)
            raise
        with self.lock:
            self.handed.discard(turn)

    def give_back(self, key: str) -> None:
        with self.lock:
            queue = self.waiting.get(key)
            while queue:
                turn = queue.popleft()
                if not queue:
                    del self.waiting[key]
                if _hand_on(turn):
                    self.handed.add(turn)
                    return
            self.held[key] -= 1
            if not self.held[key]:
                del self.held[key]

    def _leave(self, key: str, turn: asyncio.Future[None]) -> None:
        """A waiter gone (its client hung up): out of the line, or, if its turn had just been handed on, passed on."""
        with self.lock:
            queue = self.waiting.get(key)
            if queue is not None and turn in queue:
                queue.remove(turn)
                if not queue:
                    del self.waiting[key]
                return
            if turn not in self.handed:
                return  # skipped as gone by the holder that would have handed it on
            self.handed.discard(turn)
        self.give_back(key)


class Gaps:
    """Holders counted, and waiters for a moment none holds: they all go on then, while new holders keep coming in
    first."""

    def __init__(self) -> None:
        self.holders = 0
        self.waiting: list[asyncio.Future[None]] = []
        self.lock = threading.Lock()

    def hold(self) -> None:
        with self.lock:
            self.holders += 1

    def let_go(self) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders:
                return
            waiting, self.waiting = self.waiting, []
        for waiter in waiting:
            _hand_on(waiter)

    async def gap(self) -> None:
        with self.lock:
            if not self.holders:
                return
            waiter = asyncio.get_running_loop().create_future()
            self.waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            with self.lock:
                if waiter in self.waiting:
                    self.waiting.remove(waiter)
            raise


def _hand_on(turn: asyncio.Future[None]) -> bool:
    """False when its waiter has gone."""
    if turn.done():
        return False
    turn.get_loop().call_soon_threadsafe(_wake, turn)
    return True


def _wake(turn: asyncio.Future[None]) -> None:
    if not turn.done():
        turn.set_result(None)
