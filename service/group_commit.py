"""Group commit: concurrent requests share one write (one transaction), each answered once it committed.

What arrives while a batch is being written goes into the next one (up to `max_batch`): under load many requests share a
transaction; alone, a request waits for nobody. `write` answers each item its result, or an exception for that item
alone; when `write` raises, every request of its batch gets the error."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Write = Callable[[list[Item]], Awaitable[list[Result | Exception]]]


class GroupCommit(Generic[Item, Result]):
    def __init__(self, write: Write[Item, Result], max_batch: int) -> None:
        self.write = write
        self.max_batch = max_batch
        self.groups: dict[int, _Group[Item, Result]] = {}

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        group = self.groups.get(id(loop))
        if group is None or group.loop is not loop or group.task.done():
            group = self.groups[id(loop)] = _Group(loop, self.write, self.max_batch)
        return await group.submit(item)


class _Group(Generic[Item, Result]):
    def __init__(self, loop: asyncio.AbstractEventLoop, write: Write[Item, Result], max_batch: int) -> None:
        self.loop = loop
        self.write = write
        self.max_batch = max_batch
        self.queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self.wakeup = asyncio.Event()
        self.task = loop.create_task(self._run())

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = self.loop.create_future()
        self.queue.append((item, future))
        self.wakeup.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.queue:
                batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
                await self._write(batch)

    async def _write(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        results: list[Result | Exception]
        try:
            results = await self.write([item for item, _ in batch])
        except Exception as exc:
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue  # its request went away
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
