"""Shops' opening hours and 定休日, in the service's time zone: a shop without hours is called at any time on a day it
is not closed; a desired time no listed shop is open for (to the service's end) is refused with the hours in words,
a day every shop is closed on with their 定休日 as they are (「定休日（水・祝）」) and the nearest open day. A call is
placed only while its shop is open (`open_now`), else waits for its next opening (`next_opening`). `open_days` are
the days ahead a shop (or any of a service's shops) is open, as clients are told them."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from service.errors import ValidationFailed
from service.reservations import business_hours, labels, messages
from service.reservations.models import Shop

HOURS_TEXT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-〜~]\s*(\d{1,2}):(\d{2})\s*$")
WEEKDAYS = "月火水木金土日"  # date.weekday()'s order
HOLIDAY = "祝"  # Japan's public holidays (business_hours' calendar)
DAY_CHARACTERS = WEEKDAYS + HOLIDAY
OPENING_SEARCH_DAYS = 14
OPEN_DAYS_SHOWN = 7  # the next open days a client is told
OPEN_DAYS_SEARCH = 62  # days looked at for them (a shop closed most days still shows some)
DAY_SEPARATOR = "・"


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


@dataclass(frozen=True)
class OpenDay:
    """A day some of the shops are open, with the hours of those open on it."""

    day: date
    hours: tuple[str, ...]

    def text(self) -> str:
        """「2026年12月3日（木）10:00〜19:00」."""
        return f"{messages.day_text(self.day)}{'、'.join(self.hours)}"

    def as_answer(self) -> dict[str, object]:
        return {"date": self.day.isoformat(), "text": self.text(), "hours": list(self.hours)}


def closed_days_text(shop: Shop) -> str:
    """「水・祝」 as the shop keeps them; empty when it opens every day."""
    return DAY_SEPARATOR.join(shop.closed_days or "")


def still_open_on(shop: Shop, day: date, now: datetime) -> bool:
    """Not closed that day, and not yet past its closing when it is today."""
    local_now = messages.local(now)
    if day < local_now.date() or is_closed_on(shop, day):
        return False
    return day > local_now.date() or shop.closes_at is None or local_now.time() < shop.closes_at


def open_day(shops: list[Shop], day: date, now: datetime) -> OpenDay | None:
    open_ones = [shop for shop in shops if still_open_on(shop, day, now)]
    return OpenDay(day, tuple(distinct_hours(open_ones))) if open_ones else None


def open_days(shops: list[Shop], now: datetime, start: date | None = None) -> list[OpenDay]:
    """The next OPEN_DAYS_SHOWN days from `start` (today) on which any of `shops` is open."""
    first = max(start or date.min, messages.local(now).date())
    found = (open_day(shops, first + timedelta(days=offset), now) for offset in range(OPEN_DAYS_SEARCH))
    return [day for day in found if day is not None][:OPEN_DAYS_SHOWN]


def nearest_open_day(shops: list[Shop], day: date, now: datetime) -> OpenDay | None:
    """The open day nearest `day`, before or after it (not past); of two as near, the later."""
    for distance in range(1, OPEN_DAYS_SEARCH):
        for candidate in (day + timedelta(days=distance), day - timedelta(days=distance)):
            found = open_day(shops, candidate, now)
            if found is not None:
                return found
    return None


def closed_days_of(shops: list[Shop]) -> str:
    """「水・祝」 when the shops share their 定休日, else each shop's: 「店A: 水・祝、店B: 月」."""
    kept = {closed_days_text(shop) for shop in shops}
    if len(kept) == 1:
        return kept.pop()
    return "、".join(f"{shop.name}: {closed_days_text(shop)}" for shop in shops)


def require_open(shops: list[Shop], duration_minutes: int, desired_at: datetime, now: datetime) -> None:
    """A day every shop is closed on is refused as 定休日 (rule closed_day) with the nearest open day; a time outside
    the hours of the shops open that day, with those hours (rule shop_hours)."""
    if not shops or open_shops(shops, desired_at, duration_minutes):
        return
    start = messages.local(desired_at)
    open_that_day = [shop for shop in shops if not is_closed_on(shop, start.date())]
    if not open_that_day:
        raise closed_day_refusal(shops, start.date(), now)
    end = start + timedelta(minutes=duration_minutes)
    raise ValidationFailed(
        labels.OUTSIDE_HOURS.format(
            span=f"{messages.when_text(desired_at)}〜{end:%H:%M}",
            hours="、".join(distinct_hours(open_that_day)),
        ),
        details={"field": "desired_at", "rule": "shop_hours"},
    )


def closed_day_refusal(shops: list[Shop], day: date, now: datetime) -> ValidationFailed:
    holiday = business_hours.holiday_name(day)
    nearest = nearest_open_day(shops, day, now)
    said = labels.CLOSED_DAY.format(
        day=messages.day_text(day) + (f"、{holiday}" if holiday else ""),
        closed=closed_days_of(shops),
        nearest=labels.NEAREST_OPEN_DAY.format(day=nearest.text()) if nearest else labels.NO_OPEN_DAY,
    )
    details = {
        "field": "desired_at",
        "rule": "closed_day",
        "closed_days": {shop.name: closed_days_text(shop) for shop in shops},
        "nearest_open_day": nearest.as_answer() if nearest else None,
        "next_open_days": [found.as_answer() for found in open_days(shops, now, day)],
    }
    return ValidationFailed(said, details=details)
