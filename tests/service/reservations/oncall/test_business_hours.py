"""The team's hours (business_hours.py) counted over a span: only weekdays 9:00–18:00 Japan time that are no public
holiday, the same span the SLA clock adds them over."""

from datetime import datetime, timedelta

import pytest

from service.reservations import business_hours
from tests.support.clock import japan_time

pytestmark = pytest.mark.embedded_only  # reads no database: the same on either backend


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (japan_time(2026, 11, 24, 16, 30), japan_time(2026, 11, 25, 18, 0), 10.5),  # 25.5 on the wall clock
        (japan_time(2026, 11, 20, 17, 0), japan_time(2026, 11, 24, 10, 0), 2),  # Friday to Tuesday over 勤労感謝の日
        (japan_time(2026, 11, 21, 10, 0), japan_time(2026, 11, 21, 15, 0), 0),  # a Saturday
        (japan_time(2026, 11, 25, 7, 0), japan_time(2026, 11, 25, 8, 0), 0),  # before opening
    ],
)
def test_team_hours_between_two_moments(start: datetime, end: datetime, hours: float):
    assert business_hours.working_time_between(start, end) == timedelta(hours=hours)


def test_adding_team_minutes_and_counting_them_back_agree():
    start = japan_time(2026, 11, 20, 17, 30)
    end = business_hours.add_working_minutes(start, 90)
    assert business_hours.working_time_between(start, end) == timedelta(minutes=90)
