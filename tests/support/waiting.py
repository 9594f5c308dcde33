"""Waiting on a condition with a deadline instead of sleeping a fixed time."""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
# the longest pause of a wait on a worker's job (seconds of work): its check (a request, a query, a page's rerun) then
# takes a few percent of a core instead of half of one, beside the worker it waits for
WORKER_POLL = 0.3
# A request a test sends to a server it started, as the tests' own calls or as a client under test (the agent, the
# station) sends it: a deadline against a hang only, since a loaded machine can take longer than a client's own timeout
HTTP_DEADLINE_SECONDS = 120


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "",
    max_interval: float | None = None,
) -> T:
    """Return the predicate's first truthy value; fail the test when the deadline passes first. The checks are
    `interval` apart; given `max_interval`, each pause is half as long again as the one before, up to that."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:.0f} s: {message or predicate}")
        pause.wait(interval)
        if max_interval is not None:
            interval = min(interval * 1.5, max_interval)


def wait_for_job(predicate: Callable[[], T], timeout: float, message: str) -> T:
    """Wait on a worker's job: checks that start 50 ms apart and slow to `WORKER_POLL`, so the waiting takes little of
    the core the worker needs; fail the test when the deadline passes first."""
    return wait_until(predicate, timeout=timeout, message=message, max_interval=WORKER_POLL)
