"""Tests that depend on the time of day set their own clock, so they pass at any hour CI runs them.

clock_stopped() holds the clock where it is, for answers that must be read at one moment (a file's two formats).
clock_at(moment) starts the test process's clock at `moment` (an aware datetime, e.g. japan_time(2026, 6, 1, 0, 30))
and lets it run on from there. Everything in the test process reads it: the test, the in-process API (`live_api`,
the TestClient) and AppTest pages; a worker or a server in another process keeps the machine's clock. While it is
set, the process's own zone is UTC, as on most servers, so code that takes the machine's zone for Japan's shows it
(between 00:00 and 09:00 Japan time the UTC date is the day before).

moved_clock_env(moment) is the environment that starts a process of its own (a server) at `moment` too: Python runs
moved_clock/sitecustomize.py as it starts.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

JAPAN = ZoneInfo("Asia/Tokyo")
SERVER_ZONE = ZoneInfo("UTC")
MOVED_CLOCK = Path(__file__).resolve().parent / "moved_clock"
REPO_ROOT = Path(__file__).resolve().parents[2]


def japan_time(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAPAN)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """The process's clock from `moment` on (it ticks), its zone UTC (time-machine sets TZ from a ZoneInfo)."""
    with time_machine.travel(moment.astimezone(SERVER_ZONE), tick=True):
        yield


@contextmanager
def clock_stopped() -> Iterator[None]:
    """The process's clock held at this moment: two answers that count time up to now (an open request's days) agree."""
    with time_machine.travel(datetime.now(SERVER_ZONE), tick=False):
        yield


def moved_clock_env(moment: datetime) -> dict[str, str]:
    """Environment variables that start a new Python process's clock at `moment`, ticking, its zone UTC."""
    return {"PYTHONPATH": f"{MOVED_CLOCK}{os.pathsep}{REPO_ROOT}", "DAICHO_MOVED_CLOCK": moment.isoformat()}
