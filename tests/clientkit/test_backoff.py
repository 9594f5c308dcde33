"""clientkit's backoff, driven by tenacity's own retry loop with its sleep recorded instead of slept: how long a
client waits between tries, with and without the service's Retry-After."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from tenacity import Retrying, stop_after_attempt

from clientkit.backoff import FailureStreak, RetryLater, backoff, jittered, retry_after_seconds

pytestmark = pytest.mark.embedded_only  # no database: the same on either backend

INITIAL, CAP = 1.0, 8.0


def waits_of(wait, failures: list[BaseException]) -> list[float]:
    """The waits tenacity sleeps between tries that fail in turn with `failures`, then one that succeeds."""
    slept: list[float] = []
    left = iter(failures)

    def attempt() -> str:
        failure = next(left, None)
        if failure is not None:
            raise failure
        return "answered"

    retrying = Retrying(wait=wait, sleep=slept.append, stop=stop_after_attempt(len(failures) + 1))
    assert retrying(attempt) == "answered"
    return slept


def doubling(n: int) -> float:
    """The n-th wait's upper bound (1, 2, 3 ...)."""
    return min(CAP, INITIAL * 2 ** (n - 1))


def assert_jittered(waits: list[float], first: int = 1) -> None:
    """Each wait between half and all of its doubling bound; `first`: the number of the first wait given."""
    for n, waited in enumerate(waits, start=first):
        assert doubling(n) / 2 <= waited <= doubling(n), (n, waited)


def test_the_waits_double_up_to_the_cap_half_of_each_random():
    wait = jittered(INITIAL, CAP)
    calls = [waits_of(wait, [RetryLater("HTTP 502")] * 6) for _ in range(3)]  # each call starts from the first wait
    for waits in calls:
        assert_jittered(waits)
    assert len({tuple(waits) for waits in calls}) == 3  # callers that failed together come back apart


def test_a_retry_after_longer_than_the_backoff_is_waited_up_to_the_cap():
    asked = [RetryLater("HTTP 503", retry_after=5), RetryLater("HTTP 429", retry_after=60), RetryLater("HTTP 503")]
    waits = waits_of(backoff(INITIAL, CAP), asked)
    assert waits[:2] == [5.0, CAP]
    assert_jittered(waits[2:], first=3)  # no Retry-After: the third wait is the backoff's own


def test_a_retry_after_shorter_than_the_backoff_does_not_hurry_it():
    waits = waits_of(backoff(INITIAL, CAP), [RetryLater("HTTP 503")] * 3 + [RetryLater("HTTP 503", retry_after=0)])
    assert_jittered(waits)


def test_any_other_failure_waits_the_backoff():
    assert_jittered(waits_of(backoff(INITIAL, CAP), [OSError("connection refused"), ValueError("not JSON")]))


def test_a_streak_of_failures_waits_longer_each_time_and_a_success_ends_it():
    streak = FailureStreak(backoff(INITIAL, CAP))
    for _ in range(2):  # a second streak starts from the first wait again
        assert streak.failed(RetryLater("HTTP 503", retry_after=7)) == 7.0
        assert_jittered([streak.failed(RetryLater("HTTP 502")) for _ in range(4)], first=2)
        assert streak.failures == 5
        streak.succeeded()
        assert streak.failures == 0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (format_datetime(datetime(2030, 1, 1, 0, 0, 30, tzinfo=UTC), usegmt=True), 30.0),
        ("Tue, 01 Jan 2030 00:00:30 -0000", 30.0),
        (format_datetime(datetime(2029, 12, 31, tzinfo=UTC), usegmt=True), 0.0),  # a date already past: at once
        ("soon", None),
        ("-5", None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_a_delay_or_a_date(header, seconds):
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(httpx.Headers({"retry-after": header}), now=now) == seconds


def test_an_answer_without_retry_after_has_none():
    assert retry_after_seconds(httpx.Headers({"content-type": "application/json"})) is None
    assert retry_after_seconds(httpx.Headers({"Retry-After": "3"}), now=datetime.now(UTC) + timedelta(days=1)) == 3.0
