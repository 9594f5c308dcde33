"""Times (the API speaks UTC, people read Japan time; the clock and the zone are clock.py's): local_time ->
"2026/01/05 09:30:00" (formats.DATE_TIME, as every date is written), local_datetime (for chart axes),
relative_time -> "10分前".
"""

from datetime import datetime

from dashboards import clock, formats


def local_datetime(value: str) -> datetime:
    """An API timestamp (UTC) as a datetime in Japan time, e.g. for chart axes or a custom format."""
    return datetime.fromisoformat(value).astimezone(clock.JAPAN_TIME)


def local_time(value: str | None) -> str:
    """An ISO timestamp from the API shown in Japan time, e.g. 2026/01/05 09:30:00 ([:16] without its seconds)."""
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
