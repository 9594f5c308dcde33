"""The time a request's statuses take (§4), split between waiting on the agency (in 不備) and the input team's. Days are
shown to one decimal (`days`): a figure's median and the CSV's column round alike, so they agree."""

from datetime import datetime, timedelta

from service.crm.models import DEFICIENT, SUBMITTED, Request
from service.crm.schemas import RequestTimes

DAY_SECONDS = 86_400


def days(seconds: float) -> float:
    return round(seconds / DAY_SECONDS, 1)


def seconds_between(start: datetime, end: datetime) -> int:
    """None before the start."""
    return whole_seconds(end - start)


def whole_seconds(span: timedelta) -> int:
    return max(0, round(span.total_seconds()))


def span_days(span: timedelta) -> float:
    return days(whole_seconds(span))


def times_of(request: Request, *, now: datetime) -> RequestTimes:
    end = request.closed_at or now
    total = seconds_between(request.created_at, end)
    waiting = request.deficient_seconds + (
        seconds_between(request.status_since, now) if request.status == DEFICIENT else 0
    )
    agency = min(total, waiting)
    return RequestTimes(
        status_since=request.status_since,
        closed_at=request.closed_at,
        in_status_seconds=seconds_between(request.status_since, now),
        total_seconds=total,
        agency_seconds=agency,
        input_team_seconds=total - agency,
        days_to_submitted=days(total) if request.status == SUBMITTED else None,
        first_time_right=None if request.status != SUBMITTED else not request.ever_deficient,
    )
