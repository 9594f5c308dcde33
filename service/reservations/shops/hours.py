"""Shops' opening hours and 定休日, in the service's time zone: a shop without hours is called at any time on a day it
is not closed; a desired time no listed shop is open for (to the service's end) is refused with the hours in words. A
call is placed only while its shop is open (`open_now`), else waits for its next opening (`next_opening`)."""

import re
from datetime import date, datetime, time, timedelta

from service.errors import ValidationFailed
from service.reservations import labels, messages
from service.reservations.models import Shop
from service.reservations.oncall import business_hours

HOURS_TEXT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-〜~]\s*(\d{1,2}):(\d{2})\s*$")
WEEKDAYS = "月火水木金土日"  # date.weekday()'s order
HOLIDAY = "祝"  # Japan's public holidays (business_hours' calendar)
DAY_CHARACTERS = WEEKDAYS + HOLIDAY
OPENING_SEARCH_DAYS = 14


def check_hours(opens_at: time | None, closes_at: time | None) -> None:
    """On one day; else 422 naming the rule."""
    if (opens_at is None) != (closes_at is None):
        raise ValidationFailed(labels.HOURS_BOTH, details={"field": "closes_at", "rule": "hours_both"})
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        raise ValidationFailed(labels.HOURS_ORDER, details={"field": "closes_at", "rule": "hours_order"})


def hours_text(shop: Shop) -> str:
    if shop.opens_at is None or shop.closes_at is None:
        return labels.HOURS_ANY
    return f"{shop.opens_at:%H:%M}〜{shop.closes_at:%H:%M}"


def parse_hours(text: str) -> tuple[time | None, time | None]:
    """A ValueError says what is wrong."""
    if not text.strip():
        return None, None
    found = HOURS_TEXT.match(text)
    if found is None:
        raise ValueError(labels.HOURS_FORMAT)
    hour_open, minute_open, hour_close, minute_close = (int(part) for part in found.groups())
    try:
        return time(hour_open, minute_open), time(hour_close, minute_close)
    except ValueError as exc:
        raise ValueError(labels.HOURS_FORMAT) from exc


def closed_days(text: str) -> str:
    """「水・祝」 -> 「水祝」, in the week's order; a ValueError names the rule."""
    chosen = {character for character in text if not character.isspace() and character not in "・、,/"}
    if not chosen <= set(DAY_CHARACTERS):
        raise ValueError(labels.CLOSED_DAYS_FORMAT)
    return "".join(character for character in DAY_CHARACTERS if character in chosen)


def check_closed_days(text: str) -> str:
    try:
        return closed_days(text)
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"field": "closed_days", "rule": "closed_days"}) from exc


def is_closed_on(shop: Shop, day: date) -> bool:
    closed = shop.closed_days or ""
    return WEEKDAYS[day.weekday()] in closed or (HOLIDAY in closed and business_hours.holiday_name(day) is not None)


def is_open(shop: Shop, desired_at: datetime, duration_minutes: int) -> bool:
    """On the same local day."""
    start = messages.local(desired_at)
    if is_closed_on(shop, start.date()):
        return False
    if shop.opens_at is None or shop.closes_at is None:
        return True
    end = start + timedelta(minutes=duration_minutes)
    closing = datetime.combine(start.date(), shop.closes_at, tzinfo=start.tzinfo)
    return shop.opens_at <= start.time() and end <= closing


def open_now(shop: Shop, at: datetime) -> bool:
    """Whether a call may ring now."""
    return is_open(shop, at, 0) and (shop.closes_at is None or messages.local(at).time() < shop.closes_at)


def next_opening(shop: Shop, at: datetime) -> datetime | None:
    """`at` itself when open; None when closed every day of the next two weeks."""
    local_at = messages.local(at)
    for offset in range(OPENING_SEARCH_DAYS):
        day = local_at.date() + timedelta(days=offset)
        opening = datetime.combine(day, shop.opens_at or time.min, tzinfo=local_at.tzinfo)
        candidate = max(opening, local_at)
        if open_now(shop, candidate):
            return candidate
    return None


def open_shops(shops: list[Shop], desired_at: datetime, duration_minutes: int) -> list[Shop]:
    return [shop for shop in shops if is_open(shop, desired_at, duration_minutes)]


def distinct_hours(shops: list[Shop]) -> list[str]:
    return sorted({hours_text(shop) for shop in shops})


def require_open(shops: list[Shop], duration_minutes: int, desired_at: datetime) -> None:
    if not shops or open_shops(shops, desired_at, duration_minutes):
        return
    start = messages.local(desired_at)
    end = start + timedelta(minutes=duration_minutes)
    raise ValidationFailed(
        labels.OUTSIDE_HOURS.format(
            span=f"{messages.when_text(desired_at)}〜{end:%H:%M}",
            hours="、".join(distinct_hours(shops)),
        ),
        details={"field": "desired_at", "rule": "shop_hours"},
    )
