"""The clock every page reads: Japan time (Asia/Tokyo, the service's APP_TIMEZONE), whatever zone the machine that
runs the dashboards is set to (UTC on most servers).

JAPAN_TIME is the zone; now() is this moment in it and today() its date. A page's default date or time, "today" in
its filters and "how long ago" come from these, never from date.today() or datetime.now() (the machine's zone):
tests/dashboards/test_clock.py fails on any other reading of the clock in the dashboards.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

JAPAN_TIME = ZoneInfo("Asia/Tokyo")


def now() -> datetime:
    """This moment in Japan time (an aware datetime)."""
    return datetime.now(JAPAN_TIME)


def today() -> date:
    """Today's date in Japan."""
    return now().date()
