"""Failed-attempt counting for any login (an account, a nursery code): a lockout per key for unknown devices (a wait
instead for a key failing from many addresses), a lockout per known device, and a throttle per client address.

- A device that signed in keeps a device token (OWASP's device cookies): a signed token naming the key it signed in
  to and the device's id. An attempt with a valid one for its key is a known device's: the key's lock and the
  address's throttle do not apply to it, its failures count against the device alone, and the device locks after as
  many failures as a key, for as long. Failures from anywhere else cannot lock a person's own browser or station out.
- An attempt without one is an unknown device's: the key locks after `login_max_failures` failures in a row (each
  within `login_address_window_minutes` of the last), for `login_lockout_minutes` (a success clears it). Every change
  is one atomic upsert or conditional update, so parallel attempts can neither lose a failure nor slip a success past
  a lock that another attempt has just set.
- A key whose failures come from many addresses (`login_spread_addresses` distinct ones, in a run of failures each
  within `login_address_window_minutes` of the last) is not locked, which would refuse its owner: each failure makes
  the key's unknown devices wait before the next try (429 with Retry-After, before any password is checked), a
  second after its first failure in a row and doubling with each, up to `login_delay_max_seconds`.
- A client address is throttled by the distinct keys it failed on (spraying one password over many accounts): a
  leaky bucket holding up to `login_address_max_failures`, one leaking out every `login_address_window_minutes` /
  `login_address_max_failures`, a key counted once per window. While the bucket is full the address's unknown
  devices are refused (429 with Retry-After) before any password is checked. A success does not empty the bucket (one
  good account cannot reset it). The bucket's row is updated under a row lock (SELECT … FOR UPDATE; SQLite's writers
  queue anyway), so parallel failures count exactly.
- Refusals before the password check (a lock, a throttle, a wait) write nothing; the failure that sets a lock, fills an
  address's bucket or makes a key wait says so in its audit record.
- A counter untouched for `FORGET_AFTER` (longer than any window) and holding no lock or wait is deleted by the beat
  (`purge`): a failure that old no longer counts.
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
    """An address's failures that still count, as of `since` (earlier ones have leaked out)."""

    failures: int
    since: datetime


ADDRESS_KIND = "login_address"  # a client address of /auth/login
STATION_ADDRESS_KIND = "entry_exit_address"  # a client address of the scan stations' login
KEY_OF_ADDRESS = "{}_key"  # an address's failure on one key (kind: the address's), counted once per window
ADDRESSES_OF_KEY = "{}_addresses"  # a key's distinct failing addresses (kind: the key's), and its wait (locked_until)
DEVICE_KIND = "login_device"  # a known device's failures and lock (key: the device's id); its tokens' kind too
LOCKED = "account_locked"
DEVICE_LOCKED = "device_locked"
THROTTLED = "address_throttled"
DELAYED = "key_delayed"
FIRST_DELAY = timedelta(seconds=1)  # a spread key's wait after its first failure in a row; doubled with each failure
FORGET_AFTER = timedelta(days=1)  # a counter untouched this long is purged (and any window, if longer)
TRUSTED, KNOWN = "trusted", "known"  # a sign-in's device: given its device token now, or known by it
MAX_THROTTLED = 50_000  # throttled addresses a process keeps in mind (identity/login_guard.py answers them)


@dataclass(frozen=True)
class Login:
    """Who tries to sign in: the key (an account, a nursery code), the client address, the device token it holds."""

    kind: str
    key: str
    address_kind: str
    address: str
    device_token: str | None = None


@dataclass(frozen=True)
class Admitted:
    """A sign-in let in: the device token to keep for the next one, and whether the device was known (KNOWN) or
    is trusted from now on (TRUSTED)."""

    device_token: str
    device: str


class DeviceClaims(NamedTuple):
    key_kind: str
    key: str
    device_id: str


class ThrottledAddresses:
    """Addresses this process knows to be throttled, by (address kind, address): until when. A throttle ends only with
    time (a success does not empty an address's bucket), so what is known here stays true until then; the oldest
    entry goes first once MAX_THROTTLED are held."""

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
    """A key locks after login_max_failures failures, for login_lockout_minutes."""
    settings = get_settings()
    return settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes)


def _throttle() -> tuple[int, timedelta]:
    """An address's bucket: how many failures it holds, and how often one leaks out."""
    settings = get_settings()
    capacity = settings.login_address_max_failures
    return capacity, timedelta(minutes=settings.login_address_window_minutes) / capacity


def _spread() -> tuple[int, timedelta, timedelta]:
    """A key's failures spread over this many addresses make it wait, not lock; the window they are counted in; the
    longest wait."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_address_window_minutes)
    return settings.login_spread_addresses, window, timedelta(seconds=settings.login_delay_max_seconds)


def delay_after(failures: int) -> timedelta:
    """How long a spread key waits after its `failures`-th failure in a row: a second, doubling, up to the longest."""
    _, _, longest = _spread()
    return min(longest, FIRST_DELAY * 2 ** min(failures - 1, 30))


def minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = minutes_left(locked_until, now)
    return f"ログイン試行回数の上限に達したため、ロックされています。あと{minutes}分後に再度お試しください"


def locked_error(locked_until: datetime, now: datetime, *, kind: str = "") -> Locked:
    """The key (or, for DEVICE_KIND, the device) is locked: until when."""
    return Locked(
        locked_message(locked_until, now),
        details={"locked_until": locked_until, "minutes_left": minutes_left(locked_until, now)},
        code=DEVICE_LOCKED if kind == DEVICE_KIND else LOCKED,
    )


def throttled_error(until: datetime, now: datetime) -> TooManyAttempts:
    """The address, not the account, is refused: it says so, and when it may try again (also in Retry-After)."""
    minutes = minutes_left(until, now)
    return TooManyAttempts(
        f"この接続元からの試行が多すぎます。あと{minutes}分後に再度お試しください",
        details={"throttled_until": until, "minutes_left": minutes},
        code=THROTTLED,
        retry_after=max(1, math.ceil((until - now).total_seconds())),
    )


def delayed_error(until: datetime, now: datetime) -> TooManyAttempts:
    """The key's unknown devices wait (failures from many addresses): not a lock, and it says how long (Retry-After)."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return TooManyAttempts(
        f"複数の接続元からログインの失敗が続いているため、あと{seconds}秒待ってから再度お試しください",
        details={"delayed_until": until, "seconds_left": seconds},
        code=DELAYED,
        retry_after=seconds,
    )


def known_device(token: str | None, *, kind: str, key: str) -> str | None:
    """The device's id when the token is a valid device token for the key; None for an unknown device (no token, or
    one expired, forged or for another key)."""
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
    """A device token for the key (the same device's id renewed, else a new device's) for login_device_days."""
    return issue_token(
        subject=login.key,
        kind=DEVICE_KIND,
        now=now,
        minutes=get_settings().login_device_days * 24 * 60,
        key_kind=login.kind,
        device=device_id or secrets.token_hex(16),
    ).token


def ensure_not_locked(db: Session, *, kind: str, key: str, now: datetime) -> None:
    """Raise Locked with the time left when the key is locked now."""
    locked_until = db.scalar(
        select(LoginThrottle.locked_until).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
    )
    if locked_until is not None and locked_until > now:
        raise locked_error(locked_until, now, kind=kind)


def ensure_may_try(db: Session, *, kind: str, key: str, now: datetime) -> None:
    """Raise Locked with the time left when the key is locked now, or TooManyAttempts (key_delayed) while its failures
    from many addresses make it wait (one query for both)."""
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
    """Count one failure of a key atomically; the failure that reaches the limit sets the lock (unless it may not). A
    run of failures ends with its lock, or after a window without one (failures many addresses made without locking
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
    """Reset the key's counter, unless a concurrent failure locked it meanwhile (then raise Locked)."""
    table = LoginThrottle.__table__
    not_locked = table.c.locked_until.is_(None) | (table.c.locked_until <= now)
    db.execute(
        update(table)
        .where(table.c.kind == kind, table.c.key == key, not_locked)
        .values(failed_count=0, locked_until=None, updated_at=now)
    )
    ensure_not_locked(db, kind=kind, key=key, now=now)


def leaked(bucket: Bucket, now: datetime) -> Bucket:
    """The bucket at `now`: one failure gone per leak interval since it was counted."""
    _, interval = _throttle()
    gone = max(0, (now - bucket.since) // interval)
    if gone >= bucket.failures:
        return Bucket(0, now)
    return Bucket(bucket.failures - gone, bucket.since + gone * interval)


def throttled_until(bucket: Bucket) -> datetime | None:
    """When a full bucket has room again (None: it has room now)."""
    capacity, interval = _throttle()
    if bucket.failures < capacity:
        return None
    return bucket.since + (bucket.failures - capacity + 1) * interval


def ensure_not_throttled(db: Session, *, kind: str, key: str, now: datetime) -> int:
    """Raise TooManyAttempts (address_throttled) with the time left while the address's bucket is full; else how
    many failures it holds."""
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
    """Record the address's failure on the key; True when it is the first within the address window."""
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
    """How many distinct addresses the key's run of failures came from, this one's counted if it is `new_address` (its
    first failure on the key within the window); the run ends after a window without failures."""
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
    """Make the spread key's unknown devices wait after its `failures`-th failure in a row: until when."""
    until = now + delay_after(failures)
    table = LoginThrottle.__table__
    db.execute(
        update(table)
        .where(table.c.kind == ADDRESSES_OF_KEY.format(kind), table.c.key == key)
        .values(locked_until=until)
    )
    return until


def register_address_failure(db: Session, *, kind: str, key: str, now: datetime) -> datetime | None:
    """Count one failure of an address in its bucket (a full bucket stays full); when it is full now, until when."""
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
    """One login attempt: verify() returns None when the credentials are good, else the reason they are not.

    A known device is held to its own lock; an unknown one to its address's throttle (429 with Retry-After), its
    key's lock (423) and its key's wait (429), all before any password is checked, and then only a bounded number of
    checks run at once (security.PasswordChecks; one at a time for an address with failures counting: many people
    signing in behind one office address are not held up, a guesser is). A failure is counted, recorded with
    refuse(reason, lock: the lock, throttle or wait it set, if any) and raised as Locked, TooManyAttempts or
    Unauthorized (with the attempts left), the counters and the record kept (keep_changes). A success answers the
    device token to keep."""
    device = known_device(login.device_token, kind=login.kind, key=login.key)
    counted = (DEVICE_KIND, device) if device else (login.kind, login.key)  # whose lock, and whose failures
    failing = device is None and ensure_not_throttled(db, kind=login.address_kind, key=login.address, now=now) > 0
    ensure_may_try(db, kind=counted[0], key=counted[1], now=now)
    with password_checks().slot(login.address if failing else None):
        reason = verify()
    if reason is None:
        register_success(db, kind=counted[0], key=counted[1], now=now)
        return Admitted(device_token(login, device, now), KNOWN if device else TRUSTED)
    raise _failed(db, login, device, reason, now, refuse, bad_credentials)


@dataclass(frozen=True)
class Counted:
    """What a failed attempt set: its key's (or device's) count and lock, its address's throttle, its key's wait."""

    outcome: FailureOutcome
    throttled_until: datetime | None = None
    delayed_until: datetime | None = None


def _count_unknown_device(db: Session, login: Login, now: datetime) -> Counted:
    """An unknown device's failure: counted for its key, its address (once per key and window) and the addresses the
    key's failures come from; a key whose failures come from many waits instead of locking."""
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
    """Count a failed attempt (a known device's against it alone) and the refusal to raise."""
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
    """Delete the counters untouched for FORGET_AFTER (or a window, if longer) that hold no lock or wait now."""
    _, window, _ = _spread()
    table = LoginThrottle.__table__
    idle = table.c.updated_at < now - max(FORGET_AFTER, window, _lockout()[1])
    open_now = table.c.locked_until.is_(None) | (table.c.locked_until <= now)
    return affected_rows(db.execute(delete(table).where(idle, open_now)))
