"""Times: the API speaks UTC, people read Japan time (the clock and the zone are clock.py's)."""

from datetime import datetime

from dashboards import clock, formats


def local_datetime(value: str) -> datetime:
    """E.g. for chart axes or a custom format."""
    return datetime.fromisoformat(value).astimezone(clock.JAPAN_TIME)


def local_time(value: str | None) -> str:
    """E.g. 2026/01/05 09:30:00 ([:16] without its seconds)."""
    return local_datetime(value).strftime(formats.DATE_TIME) if value else ""


def relative_time(value: str | None, now: datetime | None = None) -> str:
    """An API timestamp as 'たった今', '10分前', '3時間前' or '2日前'."""
    if not value:
        return ""
    seconds = ((now or clock.now()) - datetime.fromisoformat(value)).total_seconds()
    minutes = max(0, int(seconds // 60))
    if minutes < 1:
        return "たった今"
    if minutes < 60:
        return f"{minutes}分前"
    if minutes < 24 * 60:
        return f"{minutes // 60}時間前"
    return f"{minutes // (24 * 60)}日前"
