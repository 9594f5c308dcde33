"""Local dates (APP_TIMEZONE) for period filters and the month/day buckets of the metrics, in SQL."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal
from sqlalchemy.orm import Session

from service.config import get_settings
from service.errors import ValidationFailed


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_today(now: datetime) -> date:
    return now.astimezone(local_zone()).date()


def bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC instants from the start of `since` to the end of `until` (both local days, inclusive)."""
    if since and until and since > until:
        raise ValidationFailed(
            "期間の開始日が終了日より後です", details={"field": "since", "rule": "since_before_until"}
        )
    zone = local_zone()
    start = datetime.combine(since, time.min, tzinfo=zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None
    return start, end


def bucket(db: Session, column: Any, granularity: str) -> Any:
    """The local month ('2026-02') or day ('2026-02-10') of a UTC timestamp column, as text."""
    zone = get_settings().timezone
    if db.get_bind().dialect.name == "postgresql":
        pattern = "YYYY-MM" if granularity == "month" else "YYYY-MM-DD"
        return func.to_char(func.timezone(literal(zone), column), pattern)
    offset = datetime.now(ZoneInfo(zone)).utcoffset() or timedelta()
    pattern = "%Y-%m" if granularity == "month" else "%Y-%m-%d"
    return func.strftime(pattern, column, f"{int(offset.total_seconds())} seconds")
