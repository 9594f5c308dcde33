"""Python runs this module as it starts when this folder is on PYTHONPATH (tests/support/clock.py's
moved_clock_env): the process's clock starts at DAICHO_MOVED_CLOCK (an ISO moment) and ticks on from there, its zone
UTC, as clock_at moves the test process's. A server in its own process (the dashboards' Streamlit server) so keeps the
test's time."""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

if os.environ.get("DAICHO_MOVED_CLOCK"):
    moment = datetime.fromisoformat(os.environ["DAICHO_MOVED_CLOCK"]).astimezone(ZoneInfo("UTC"))
    time_machine.travel(moment, tick=True).start()
