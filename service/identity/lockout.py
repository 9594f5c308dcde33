"""Failed-attempt counting for any login: a lockout per key (an account, a nursery code), a throttle per client address.

- A key locks after `login_max_failures` failures in a row, for `login_lockout_minutes`; a success clears it. Every
  change is one atomic upsert or conditional update, so parallel attempts can neither lose a failure nor slip a
  success past a lock that another attempt has just set.
- A client address is throttled by its recent failures: a leaky bucket holding up to `login_address_max_failures`,
  one failure leaking out every `login_address_window_minutes` / `login_address_max_failures`, so failures older than
  the window never count. While the bucket is full the address may not try a key that has recent failures of its own;
  a key without any is always tried (one person's typos, a visitor's guesses or a shared NAT address lock nobody
  else out). A success does not empty the bucket (one good account cannot reset it). The bucket's row is updated
  under a row lock (SELECT … FOR UPDATE; SQLite's writers queue anyway), so parallel failures count exactly.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from service.config import get_settings
from service.database import UTCDateTime
from service.dialect import insert
from service.errors import Locked, Unauthorized
from service.identity.models import LoginThrottle


@dataclass(frozen=True)
class FailureOutcome:
    failed_count: int
    attempts_left: int
    locked_until: datetime | None


@dataclass(frozen=True)
class Bucket:
    """An address's failures that still count, as of `since` (earlier ones have leaked out)."""

    failures: int
    since: datetime


ADDRESS_KIND = "login_address"  # a client address of /auth/login
STATION_ADDRESS_KIND = "entry_exit_address"  # a client address of the scan stations' login
LOCKED = "account_locked"
THROTTLED = "address_throttled"


def _lockout() -> tuple[int, timedelta]:
    """A key locks after login_max_failures failures, for login_lockout_minutes."""
    settings = get_settings()
    return settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes)


def _throttle() -> tuple[int, timedelta]:
    """An address's bucket: how many failures it holds, and how often one leaks out."""
    settings = get_settings()
    capacity = settings.login_address_max_failures
    return capacity, timedelta(minutes=settings.login_address_window_minutes) / capacity


def minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = minutes_left(locked_until, now)
    return f"ログイン試行回数の上限に達したため、ロックされています。あと{minutes}分後に再度お試しください"


def locked_error(locked_until: datetime, now: datetime) -> Locked:
    return Locked(
        locked_message(locked_until, now),
        details={"locked_until": locked_until, "minutes_left": minutes_left(locked_until, now)},
        code=LOCKED,
    )


def throttled_error(until: datetime, now: datetime) -> Locked:
    """The address, not the account, is refused: it says so, and when it may try again."""
    minutes = minutes_left(until, now)
    return Locked(
        f"この接続元からの試行が多すぎます。あと{minutes}分後に再度お試しください",
        details={"throttled_until": until, "minutes_left": minutes},
        code=THROTTLED,
    )


def ensure_not_locked(db: Session, *, kind: str, key: str, now: datetime) -> None:
    """Raise Locked with the time left when the key is locked now."""
    locked_until = db.scalar(
        select(LoginThrottle.locked_until).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
    )
    if locked_until is not None and locked_until > now:
        raise locked_error(locked_until, now)


def has_recent_failures(db: Session, *, kind: str, key: str, now: datetime) -> bool:
    """Whether the key failed within the address window and has not been cleared (by a success or an ended lock)."""
    failed_count, locked_until, updated_at = db.execute(
        select(LoginThrottle.failed_count, LoginThrottle.locked_until, LoginThrottle.updated_at).where(
            LoginThrottle.kind == kind, LoginThrottle.key == key
        )
    ).one_or_none() or (0, None, now)
    window = timedelta(minutes=get_settings().login_address_window_minutes)
    return failed_count > 0 and (locked_until is None or locked_until > now) and updated_at > now - window


def register_failure(db: Session, *, kind: str, key: str, now: datetime) -> FailureOutcome:
    """Count one failure of a key atomically; the failure that reaches the limit sets the lock."""
    max_failures, lock_for = _lockout()
    table = LoginThrottle.__table__
    expired = table.c.locked_until.is_not(None) & (table.c.locked_until <= now)
    new_count = case((expired, 1), else_=table.c.failed_count + 1)
    stmt = insert(db, table).values(kind=kind, key=key, failed_count=1, locked_until=None, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={
            "failed_count": new_count,
            "locked_until": case(
                (new_count >= max_failures, literal(now + lock_for, UTCDateTime)),
                (expired, None),
                else_=table.c.locked_until,
            ),
            "updated_at": now,
        },
    ).returning(table.c.failed_count, table.c.locked_until)
    failed_count, locked_until = db.execute(stmt).one()
    return FailureOutcome(failed_count, max(0, max_failures - failed_count), locked_until)


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


def ensure_not_throttled(db: Session, *, kind: str, key: str, now: datetime) -> None:
    """Raise Locked (address_throttled) with the time left while the address's bucket is full."""
    row = db.execute(
        select(LoginThrottle.failed_count, LoginThrottle.updated_at).where(
            LoginThrottle.kind == kind, LoginThrottle.key == key
        )
    ).one_or_none()
    until = throttled_until(leaked(Bucket(*row), now)) if row else None
    if until is not None:
        raise throttled_error(until, now)


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
    return throttled_until(bucket)


def attempt(
    db: Session,
    *,
    keys: list[tuple[str, str]],
    now: datetime,
    verify: Callable[[], str | None],
    refuse: Callable[[str], None],
    bad_credentials: str,
    throttles: Sequence[tuple[str, str]] = (),
) -> None:
    """One login attempt under the lockout of every key and the throttle of every address: verify() returns None when
    the credentials are good, else the reason they are not. A refusal is recorded with refuse(reason) and raised as
    Locked (a locked key, or a throttled address, with the time left) or Unauthorized (with the attempts left before
    the key locks); either way the counters and the record are kept (keep_changes). A throttled address is refused
    only for keys with recent failures of their own: it stops guessing at known accounts from one address, not the
    other people behind that address."""
    try:
        for kind, key in keys:
            ensure_not_locked(db, kind=kind, key=key, now=now)
        if any(has_recent_failures(db, kind=kind, key=key, now=now) for kind, key in keys):
            for kind, key in throttles:
                ensure_not_throttled(db, kind=kind, key=key, now=now)
        reason = verify()
        if reason is None:
            for kind, key in keys:
                register_success(db, kind=kind, key=key, now=now)
    except Locked as exc:
        refuse("throttled" if exc.code == THROTTLED else "locked")
        exc.keep_changes = True
        raise
    if reason is None:
        return
    refuse(reason)
    outcomes = [register_failure(db, kind=kind, key=key, now=now) for kind, key in keys]
    throttled = [register_address_failure(db, kind=kind, key=key, now=now) for kind, key in throttles]
    locks = [o.locked_until for o in outcomes if o.locked_until is not None]
    full = [until for until in throttled if until is not None]
    # the key's next attempt is refused: by its own lock, else by its address's throttle
    error = locked_error(max(locks), now) if locks else throttled_error(max(full), now) if full else None
    if error is not None:
        error.keep_changes = True
        raise error
    left = min(o.attempts_left for o in outcomes)
    raise Unauthorized(
        f"{bad_credentials}（あと{left}回失敗するとロックされます）",
        details={"attempts_left": left},
        code="bad_credentials",
        keep_changes=True,
    )
