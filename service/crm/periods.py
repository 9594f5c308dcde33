"""Local dates (APP_TIMEZONE) for period filters and the month/day buckets of the metrics, in SQL."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from service.config import get_settings
from service.database import utcnow
from service.dialect import of
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


@dataclass(frozen=True)
class Buckets:
    """Consecutive local months or days: their labels ('2026-02' / '2026-02-10') and UTC start instants."""

    granularity: str
    labels: list[str]
    starts: list[datetime]


def buckets(since: date, until: date, granularity: str) -> Buckets:
    zone = local_zone()
    days: list[date] = []
    cursor = since if granularity == "day" else since.replace(day=1)
    while cursor <= until:
        days.append(cursor)
        cursor = cursor + timedelta(days=1) if granularity == "day" else (cursor + timedelta(days=32)).replace(day=1)
    labels = [d.isoformat() if granularity == "day" else d.strftime("%Y-%m") for d in days]
    return Buckets(granularity, labels, [datetime.combine(d, time.min, tzinfo=zone) for d in days])


def bucket_of(db: Session, column: Any, grid: Buckets) -> tuple[Any, Callable[[Any], str]]:
    """An SQL expression placing a UTC timestamp in its bucket, and the function turning its value into the label.

    PostgreSQL: width_bucket over the buckets' UTC starts (exact across DST changes, cheap per row). SQLite: the
    local date as text with the zone's current offset (exact for zones without DST, such as Asia/Tokyo).
    """
    pattern = "%Y-%m" if grid.granularity == "month" else "%Y-%m-%d"
    return of(db).bucket(column, grid.starts, grid.labels, pattern, at=utcnow())
