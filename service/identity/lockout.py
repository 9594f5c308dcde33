"""Failed-attempt counting for any login (an account, a nursery code).

- A known device (a valid device token for its key, OWASP's device cookies) is held to its own lock only, so failures
  from anywhere else cannot lock a person's own browser or station out.
- An unknown device's key locks after `login_max_failures` failures in a row, for `login_lockout_minutes`. Every change
  is one atomic upsert or conditional update, so parallel attempts can neither lose a failure nor slip a success past a
  lock just set.
- A key failing from `login_spread_addresses` distinct addresses is not locked, which would refuse its owner: its
  unknown devices wait instead (429 with Retry-After), a second after its first failure, doubling up to
  `login_delay_max_seconds`.
- A client address spraying one password over many keys is throttled by a leaky bucket of distinct keys (up to
  `login_address_max_failures`); a success does not empty it (one good account cannot reset it). Its row is updated
  under a row lock, so parallel failures count exactly.
- Refusals before the password check write nothing; the failure that sets a lock, throttle or wait says so in its audit
  record. The beat purges counters untouched for `FORGET_AFTER` holding no lock or wait.
"""

import math
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.orm import Session

from service.config import get_settings
from service.database import UTCDateTime, affected_rows
from service.dialect import insert
from service.errors import Locked, TooManyAttempts, Unauthorized
from service.identity.models import LoginThrottle
from service.identity.security import decode_token, issue_token, password_checks


@dataclass(frozen=True)
class FailureOutcome:
    failed_count: int
    attempts_left: int
    locked_until: datetime | None
    locked_now: bool  # this failure set the lock


@dataclass(frozen=True)
class Bucket:
    """Earlier failures have leaked out."""

    failures: int
    since: datetime


ADDRESS_KIND = "login_address"
STATION_ADDRESS_KIND = "entry_exit_address"
KEY_OF_ADDRESS = "{}_key"  # counted once per window
ADDRESSES_OF_KEY = "{}_addresses"  # and its wait (locked_until)
DEVICE_KIND = "login_device"  # key: the device's id; its tokens' kind too
LOCKED = "account_locked"
DEVICE_LOCKED = "device_locked"
THROTTLED = "address_throttled"
DELAYED = "key_delayed"
FIRST_DELAY = timedelta(seconds=1)  # doubled with each failure
FORGET_AFTER = timedelta(days=1)  # and any window, if longer
TRUSTED, KNOWN = "trusted", "known"  # given its device token now, or known by it
MAX_THROTTLED = 50_000  # identity/login_guard.py answers them


@dataclass(frozen=True)
class Login:
    kind: str
    key: str
    address_kind: str
    address: str
    device_token: str | None = None


@dataclass(frozen=True)
class Admitted:
    device_token: str
    device: str


class DeviceClaims(NamedTuple):
    key_kind: str
    key: str
    device_id: str


class ThrottledAddresses:
    """A throttle ends only with time (a success does not empty a bucket), so what is known here stays true until
    then."""

    def __init__(self) -> None:
        self.until: OrderedDict[tuple[str, str], datetime] = OrderedDict()

    def remember(self, kind: str, address: str, until: datetime) -> None:
        if len(self.until) >= MAX_THROTTLED:
            self.until.popitem(last=False)
        self.until[(kind, address)] = until

    def known(self, kind: str, address: str, now: datetime) -> datetime | None:
        until = self.until.get((kind, address))
        if until is not None and until <= now:
            self.until.pop((kind, address), None)
            return None
        return until

    def clear(self) -> None:
        self.until.clear()


THROTTLED_ADDRESSES = ThrottledAddresses()


def _lockout() -> tuple[int, timedelta]:
    settings = get_settings()
    return settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes)


def _throttle() -> tuple[int, timedelta]:
    settings = get_settings()
    capacity = settings.login_address_max_failures
    return capacity, timedelta(minutes=settings.login_address_window_minutes) / capacity


def _spread() -> tuple[int, timedelta, timedelta]:
    settings = get_settings()
    window = timedelta(minutes=settings.login_address_window_minutes)
    return settings.login_spread_addresses, window, timedelta(seconds=settings.login_delay_max_seconds)


def delay_after(failures: int) -> timedelta:
    _, _, longest = _spread()
    return min(longest, FIRST_DELAY * 2 ** min(failures - 1, 30))


def minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = minutes_left(locked_until, now)
    return f"ログイン試行回数の上限に達したため、ロックされています。あと{minutes}分後に再度お試しください"


def locked_error(locked_until: datetime, now: datetime, *, kind: str = "") -> Locked:
    return Locked(
        locked_message(locked_until, now),
        details={"locked_until": locked_until, "minutes_left": minutes_left(locked_until, now)},
        code=DEVICE_LOCKED if kind == DEVICE_KIND else LOCKED,
    )


def throttled_error(until: datetime, now: datetime) -> TooManyAttempts:
    """The address, not the account, is refused, and it says so."""
    minutes = minutes_left(until, now)
    return TooManyAttempts(
        f"この接続元からの試行が多すぎます。あと{minutes}分後に再度お試しください",
        details={"throttled_until": until, "minutes_left": minutes},
        code=THROTTLED,
        retry_after=max(1, math.ceil((until - now).total_seconds())),
    )


def delayed_error(until: datetime, now: datetime) -> TooManyAttempts:
    """Not a lock: failures from many addresses."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return TooManyAttempts(
        f"複数の接続元からログインの失敗が続いているため、あと{seconds}秒待ってから再度お試しください",
        details={"delayed_until": until, "seconds_left": seconds},
        code=DELAYED,
        retry_after=seconds,
    )


def known_device(token: str | None, *, kind: str, key: str) -> str | None:
    """None for no token, or one expired, forged or for another key."""
    if not token:
        return None
    try:
        claims = _device_claims(decode_token(token, kind=DEVICE_KIND))
    except Unauthorized:
        return None
    return claims.device_id if (claims.key_kind, claims.key) == (kind, key) else None


def _device_claims(claims: Mapping[str, Any]) -> DeviceClaims:
    return DeviceClaims(str(claims.get("key_kind", "")), str(claims["sub"]), str(claims.get("device", "")))


def device_token(login: Login, device_id: str | None, now: datetime) -> str:
    """The same device's id renewed, else a new device's."""
    return issue_token(
        subject=login.key,
        kind=DEVICE_KIND,
        now=now,
        minutes=get_settings().login_device_days * 24 * 60,
        key_kind=login.kind,
        device=device_id or secrets.token_hex(16),
    ).token


def ensure_not_locked(db: Session, *, kind: str, key: str, now: datetime) -> None:
    locked_until = db.scalar(
        select(LoginThrottle.locked_until).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
    )
    if locked_until is not None and locked_until > now:
        raise locked_error(locked_until, now, kind=kind)


def ensure_may_try(db: Session, *, kind: str, key: str, now: datetime) -> None:
    """One query for both the lock and the wait."""
    spread_kind = ADDRESSES_OF_KEY.format(kind)
    found = select(LoginThrottle.kind, LoginThrottle.locked_until).where(
        LoginThrottle.kind.in_((kind, spread_kind)), LoginThrottle.key == key
    )
    until = dict(db.execute(found).tuples().all())
    locked_until, delayed_until = until.get(kind), until.get(spread_kind)
    if locked_until is not None and locked_until > now:
        raise locked_error(locked_until, now, kind=kind)
    if delayed_until is not None and delayed_until > now:
        raise delayed_error(delayed_until, now)


def register_failure(db: Session, *, kind: str, key: str, now: datetime, may_lock: bool = True) -> FailureOutcome:
    """A run of failures ends with its lock, or after a window without one (failures many addresses made without locking
    the key lock it no later)."""
    max_failures, lock_for = _lockout()
    table = LoginThrottle.__table__
    expired = table.c.locked_until.is_not(None) & (table.c.locked_until <= now)
    stale = table.c.updated_at <= now - _spread()[1]
    new_count = case((expired | stale, 1), else_=table.c.failed_count + 1)
    locks = [(new_count >= max_failures, literal(now + lock_for, UTCDateTime))] if may_lock else []
    stmt = insert(db, table).values(kind=kind, key=key, failed_count=1, locked_until=None, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={
            "failed_count": new_count,
            "locked_until": case(*locks, (expired, None), else_=table.c.locked_until),
            "updated_at": now,
        },
    ).returning(table.c.failed_count, table.c.locked_until)
    failed_count, locked_until = db.execute(stmt).one()
    locked_now = may_lock and failed_count == max_failures
    return FailureOutcome(failed_count, max(0, max_failures - failed_count), locked_until, locked_now)


def register_success(db: Session, *, kind: str, key: str, now: datetime) -> None:
    """Unless a concurrent failure locked it meanwhile (then raise Locked)."""
    table = LoginThrottle.__table__
    not_locked = table.c.locked_until.is_(None) | (table.c.locked_until <= now)
    db.execute(
        update(table)
        .where(table.c.kind == kind, table.c.key == key, not_locked)
        .values(failed_count=0, locked_until=None, updated_at=now)
    )
    ensure_not_locked(db, kind=kind, key=key, now=now)


def leaked(bucket: Bucket, now: datetime) -> Bucket:
    _, interval = _throttle()
    gone = max(0, (now - bucket.since) // interval)
    if gone >= bucket.failures:
        return Bucket(0, now)
    return Bucket(bucket.failures - gone, bucket.since + gone * interval)


def throttled_until(bucket: Bucket) -> datetime | None:
    """None: it has room now."""
    capacity, interval = _throttle()
    if bucket.failures < capacity:
        return None
    return bucket.since + (bucket.failures - capacity + 1) * interval


def ensure_not_throttled(db: Session, *, kind: str, key: str, now: datetime) -> int:
    row = db.execute(
        select(LoginThrottle.failed_count, LoginThrottle.updated_at).where(
            LoginThrottle.kind == kind, LoginThrottle.key == key
        )
    ).one_or_none()
    bucket = leaked(Bucket(*row), now) if row else Bucket(0, now)
    until = throttled_until(bucket)
    if until is not None:
        THROTTLED_ADDRESSES.remember(kind, key, until)
        raise throttled_error(until, now)
    return bucket.failures


def first_failure_on_key(db: Session, *, kind: str, address: str, key: str, now: datetime) -> bool:
    """True when it is the first within the address window."""
    table = LoginThrottle.__table__
    recent = table.c.updated_at > now - timedelta(minutes=get_settings().login_address_window_minutes)
    stmt = insert(db, table).values(
        kind=KEY_OF_ADDRESS.format(kind), key=f"{address} {key}", failed_count=1, locked_until=None, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={"failed_count": case((recent, table.c.failed_count + 1), else_=1), "updated_at": now},
    ).returning(table.c.failed_count)
    return db.execute(stmt).scalar_one() == 1


def spread_addresses(db: Session, *, kind: str, key: str, new_address: bool, now: datetime) -> int:
    """The run ends after a window without failures."""
    _, window, _ = _spread()
    table = LoginThrottle.__table__
    recent = table.c.updated_at > now - window
    stmt = insert(db, table).values(
        kind=ADDRESSES_OF_KEY.format(kind), key=key, failed_count=1, locked_until=None, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={"failed_count": case((recent, table.c.failed_count + int(new_address)), else_=1), "updated_at": now},
    ).returning(table.c.failed_count)
    return db.execute(stmt).scalar_one()


def delay_key(db: Session, *, kind: str, key: str, failures: int, now: datetime) -> datetime:
    until = now + delay_after(failures)
    table = LoginThrottle.__table__
    db.execute(
        update(table)
        .where(table.c.kind == ADDRESSES_OF_KEY.format(kind), table.c.key == key)
        .values(locked_until=until)
    )
    return until


def register_address_failure(db: Session, *, kind: str, key: str, now: datetime) -> datetime | None:
    """A full bucket stays full."""
    capacity, _ = _throttle()
    table = LoginThrottle.__table__
    db.execute(
        insert(db, table)
        .values(kind=kind, key=key, failed_count=0, locked_until=None, updated_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
    )
    where = (table.c.kind == kind) & (table.c.key == key)
    row = db.execute(select(table.c.failed_count, table.c.updated_at).where(where).with_for_update()).one()
    bucket = leaked(Bucket(*row), now)
    bucket = Bucket(min(capacity, bucket.failures + 1), bucket.since)
    db.execute(
        update(table).where(where).values(failed_count=bucket.failures, locked_until=None, updated_at=bucket.since)
    )
    until = throttled_until(bucket)
    if until is not None:
        THROTTLED_ADDRESSES.remember(kind, key, until)
    return until


def attempt(
    db: Session,
    *,
    login: Login,
    now: datetime,
    verify: Callable[[], str | None],
    refuse: Callable[[str, str | None], None],
    bad_credentials: str,
) -> Admitted:
    """verify() returns None when the credentials are good, else the reason they are not.

    All refusals come before any password is checked; then only a bounded number of checks run at once
    (security.PasswordChecks; one at a time for an address with failures counting: many people behind one office address
    are not held up, a guesser is). A failure's counters and record are kept (keep_changes)."""
    device = known_device(login.device_token, kind=login.kind, key=login.key)
    counted = (DEVICE_KIND, device) if device else (login.kind, login.key)  # whose lock, and whose failures
    failing = device is None and ensure_not_throttled(db, kind=login.address_kind, key=login.address, now=now) > 0
    ensure_may_try(db, kind=counted[0], key=counted[1], now=now)
    with password_checks().slot(login.address if failing else None, known_device=device is not None):
        reason = verify()
    if reason is None:
        register_success(db, kind=counted[0], key=counted[1], now=now)
        return Admitted(device_token(login, device, now), KNOWN if device else TRUSTED)
    raise _failed(db, login, device, reason, now, refuse, bad_credentials)


@dataclass(frozen=True)
class Counted:
    outcome: FailureOutcome
    throttled_until: datetime | None = None
    delayed_until: datetime | None = None


def _count_unknown_device(db: Session, login: Login, now: datetime) -> Counted:
    """A key whose failures come from many addresses waits instead of locking."""
    new_address = first_failure_on_key(db, kind=login.address_kind, address=login.address, key=login.key, now=now)
    full = register_address_failure(db, kind=login.address_kind, key=login.address, now=now) if new_address else None
    spread = spread_addresses(db, kind=login.kind, key=login.key, new_address=new_address, now=now)
    spreading = spread >= _spread()[0]
    outcome = register_failure(db, kind=login.kind, key=login.key, now=now, may_lock=not spreading)
    if not spreading:
        return Counted(outcome, full)
    return Counted(outcome, full, delay_key(db, kind=login.kind, key=login.key, failures=outcome.failed_count, now=now))


def _failed(
    db: Session,
    login: Login,
    device: str | None,
    reason: str,
    now: datetime,
    refuse: Callable[[str, str | None], None],
    bad_credentials: str,
) -> Locked | TooManyAttempts | Unauthorized:
    """A known device's failure counts against it alone."""
    if device is None:
        counted = _count_unknown_device(db, login, now)
    else:
        counted = Counted(register_failure(db, kind=DEVICE_KIND, key=device, now=now))
    outcome = counted.outcome
    locked = (DEVICE_LOCKED if device else LOCKED) if outcome.locked_now else None
    refuse(reason, locked or (THROTTLED if counted.throttled_until else DELAYED if counted.delayed_until else None))
    error: Locked | TooManyAttempts | Unauthorized
    if outcome.locked_until is not None:  # the next attempt is refused: by the lock, the throttle or the wait
        error = locked_error(outcome.locked_until, now, kind=DEVICE_KIND if device else login.kind)
    elif counted.throttled_until is not None:
        error = throttled_error(counted.throttled_until, now)
    elif counted.delayed_until is not None:
        error = delayed_error(counted.delayed_until, now)
    else:
        left = outcome.attempts_left
        error = Unauthorized(
            f"{bad_credentials}（あと{left}回失敗するとロックされます）",
            details={"attempts_left": left},
            code="bad_credentials",
        )
    error.keep_changes = True
    return error


def purge(db: Session, *, now: datetime) -> int:
    _, window, _ = _spread()
    table = LoginThrottle.__table__
    idle = table.c.updated_at < now - max(FORGET_AFTER, window, _lockout()[1])
    open_now = table.c.locked_until.is_(None) | (table.c.locked_until <= now)
    return affected_rows(db.execute(delete(table).where(idle, open_now)))
