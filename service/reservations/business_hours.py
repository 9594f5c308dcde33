"""The QRV team's hours (§2.3.1 運営体制): weekdays 9:00–18:00 Japan time, not on Japan's public holidays; outside them
オンコール対応 is on duty. An operation's SLA clock counts these hours only (Zendesk's business-hours SLA), but 緊急's.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from service.config import get_settings
from service.reservations import labels

if TYPE_CHECKING:
    import holidays

OPENS = time(9)  # and the on-call shift turns over (oncall/oncall.py)
CLOSES = time(18)
SEARCH_DAYS = 400


@cache
def _calendar() -> "holidays.HolidayBase":
    """振替休日 and 国民の休日 included, named in Japanese; holidays (every country's calendar) is imported here."""
    import holidays

    return holidays.country_holidays("JP", language="ja")


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def today(now: datetime) -> date:
    return now.astimezone(zone()).date()


def holiday_name(day: date) -> str | None:
    """None on any other day."""
    return _calendar().get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def in_hours(at: datetime) -> bool:
    local = at.astimezone(zone())
    return is_working_day(local.date()) and OPENS <= local.time() < CLOSES


def add_working_minutes(start: datetime, minutes: int) -> datetime:
    """60 minutes from Friday 17:30 end on Monday 9:30 (Tuesday when Monday is a holiday)."""
    local_zone = zone()
    left = timedelta(minutes=minutes)
    cursor = start.astimezone(local_zone)
    day = cursor.date()
    for _ in range(SEARCH_DAYS):
        if is_working_day(day):
            begin = max(cursor, datetime.combine(day, OPENS, local_zone))
            closes = datetime.combine(day, CLOSES, local_zone)
            if begin + left <= closes:
                return (begin + left).astimezone(UTC)
            left -= max(closes - begin, timedelta(0))
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0), local_zone)
    raise ValueError(f"no working hours within {SEARCH_DAYS} days of {start.isoformat()}")


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """The team hours from `start` to `end`: Monday 16:30 to Tuesday 18:00 is 10.5 hours (25.5 on the wall clock)."""
    local_zone = zone()
    total = timedelta(0)
    day, last = start.astimezone(local_zone).date(), end.astimezone(local_zone).date()
    while day <= last:
        if is_working_day(day):
            begin = max(start, datetime.combine(day, OPENS, local_zone))
            total += max(min(end, datetime.combine(day, CLOSES, local_zone)) - begin, timedelta(0))
        day += timedelta(days=1)
    return total


def hours_text() -> str:
    """「平日 9:00〜18:00（土日祝を除く）」."""
    return labels.BUSINESS_HOURS.format(opens=clock_text(OPENS), closes=clock_text(CLOSES))


def clock_text(at: time) -> str:
    return f"{at.hour}:{at.minute:02d}"
