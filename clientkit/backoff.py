"""How long to wait before trying again, as tenacity wait strategies: one backoff for the thin clients and the jobs.

`jittered(initial, cap)`: the n-th wait lies between half and all of min(cap, initial * 2**(n-1)), half of it fixed and
half random, so that many callers that failed together do not come back together. `backoff(initial, cap)` adds what
the service asked for: when the failed try was answered "later" with a `Retry-After` (a 429, or a 503 of a busy
connection pool), the wait is at least that long, though never above `cap`. The store-PC agent, its simulator and the
scan station wait `backoff`; the service's jobs wait `jittered` between two tries of a unit of work.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState, Retrying
from tenacity.wait import wait_base, wait_exponential, wait_random_exponential


class RetryLater(Exception):
    """No definitive answer: the request may be sent again, not before `retry_after` seconds if the service said so."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The seconds an answer's Retry-After asks to wait, from its delay or its date (RFC 9110 §10.2.3); None when it
    has none or it cannot be read."""
    text = headers.get("Retry-After", "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, with no zone said
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def jittered(initial: float, cap: float) -> wait_base:
    """The n-th wait between half and all of min(cap, initial * 2**(n-1))."""
    half_initial, half_cap = initial / 2, cap / 2
    return wait_exponential(multiplier=half_initial, max=half_cap) + wait_random_exponential(
        multiplier=half_initial, max=half_cap
    )


class AtLeastRetryAfter(wait_base):
    """`wait`, or the failed try's Retry-After when longer, up to `cap` seconds."""

    def __init__(self, wait: wait_base, cap: float) -> None:
        self.wait = wait
        self.cap = cap

    def __call__(self, retry_state: RetryCallState) -> float:
        waited = self.wait(retry_state)
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        asked = failure.retry_after if isinstance(failure, RetryLater) else None
        return waited if asked is None else min(self.cap, max(asked, waited))


def backoff(initial: float, cap: float) -> wait_base:
    """`jittered(initial, cap)`, or longer when the service answered with Retry-After."""
    return AtLeastRetryAfter(jittered(initial, cap), cap)


class FailureStreak:
    """The consecutive failed tries of a loop that schedules its own next try (the agent's heartbeat cycle) as one
    tenacity call state, and the wait before the next try; a success ends the streak."""

    def __init__(self, wait: wait_base) -> None:
        self.policy = Retrying(wait=wait)
        self.state: RetryCallState | None = None

    @property
    def failures(self) -> int:
        return 0 if self.state is None else self.state.attempt_number

    def failed(self, failure: BaseException) -> float:
        """One more failed try; the seconds to wait before the next."""
        if self.state is None:
            self.state = RetryCallState(self.policy, fn=None, args=(), kwargs={})
        else:
            self.state.prepare_for_next_attempt()
        self.state.set_exception((type(failure), failure, failure.__traceback__))
        return self.policy.wait(self.state)

    def succeeded(self) -> None:
        self.state = None
