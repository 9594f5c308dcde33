"""Failed-attempt counting and lockout for any login key, safe under concurrent attempts.

Every change is one atomic upsert or conditional update, so parallel attempts can neither lose a
failure nor slip a success past a lock that another attempt has just set.
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


ADDRESS_KIND = "login_address"  # a client address of /auth/login
STATION_ADDRESS_KIND = "entry_exit_address"  # a client address of the scan stations' login
ADDRESS_KINDS = frozenset({ADDRESS_KIND, STATION_ADDRESS_KIND})


def _limits(kind: str) -> tuple[int, timedelta]:
    """An account or code locks after login_max_failures; a client address after login_address_max_failures."""
    settings = get_settings()
    failures = settings.login_address_max_failures if kind in ADDRESS_KINDS else settings.login_max_failures
    return failures, timedelta(minutes=settings.login_lockout_minutes)


def minutes_left(locked_until: datetime, now: datetime) -> int:
    return max(1, math.ceil((locked_until - now).total_seconds() / 60))


def locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = minutes_left(locked_until, now)
    return f"ログイン試行回数の上限に達したため、ロックされています。あと{minutes}分後に再度お試しください"


def locked_error(locked_until: datetime, now: datetime) -> Locked:
    return Locked(
        locked_message(locked_until, now),
        details={"locked_until": locked_until, "minutes_left": minutes_left(locked_until, now)},
        code="account_locked",
    )


def ensure_not_locked(db: Session, *, kind: str, key: str, now: datetime) -> None:
    """Raise Locked with the time left when the key is locked now."""
    locked_until = db.scalar(
        select(LoginThrottle.locked_until).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
    )
    if locked_until is not None and locked_until > now:
        raise locked_error(locked_until, now)


def has_failures(db: Session, *, kind: str, key: str, now: datetime) -> bool:
    """Whether the key has failures that still count (none once its lock has run out)."""
    failed_count, locked_until = db.execute(
        select(LoginThrottle.failed_count, LoginThrottle.locked_until).where(
            LoginThrottle.kind == kind, LoginThrottle.key == key
        )
    ).one_or_none() or (0, None)
    return failed_count > 0 and (locked_until is None or locked_until > now)


def register_failure(db: Session, *, kind: str, key: str, now: datetime) -> FailureOutcome:
    """Count one failure atomically; the failure that reaches the limit sets the lock."""
    max_failures, lock_for = _limits(kind)
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
    """Reset the counter, unless a concurrent failure locked the key meanwhile (then raise Locked)."""
    table = LoginThrottle.__table__
    not_locked = table.c.locked_until.is_(None) | (table.c.locked_until <= now)
    db.execute(
        update(table)
        .where(table.c.kind == kind, table.c.key == key, not_locked)
        .values(failed_count=0, locked_until=None, updated_at=now)
    )
    ensure_not_locked(db, kind=kind, key=key, now=now)


def attempt(
    db: Session,
    *,
    keys: list[tuple[str, str]],
    now: datetime,
    verify: Callable[[], str | None],
    refuse: Callable[[str], None],
    bad_credentials: str,
    throttles: Sequence[tuple[str, str]] = (),
    spare_clean_keys: bool = False,
) -> None:
    """One login attempt under the lockout of every (kind, key): verify() returns None when the credentials are good,
    else the reason they are not. A refusal is recorded with refuse(reason) and raised as Locked (with the time left)
    or Unauthorized (with the attempts left); either way the counters and the record are kept (keep_changes).
    Throttles count and lock like keys, but a success does not clear them (one good account cannot reset them).
    With spare_clean_keys, a locked throttle does not stop an attempt on keys that have no failures of their own:
    it stops spraying from one address, not the other tenants behind the same NAT address."""
    try:
        clean = spare_clean_keys and not any(has_failures(db, kind=k, key=v, now=now) for k, v in keys)
        for kind, key in [*keys, *([] if clean else throttles)]:
            ensure_not_locked(db, kind=kind, key=key, now=now)
        reason = verify()
        if reason is None:
            for kind, key in keys:
                register_success(db, kind=kind, key=key, now=now)
    except Locked as exc:
        refuse("locked")
        exc.keep_changes = True
        raise
    if reason is None:
        return
    refuse(reason)
    outcomes = [register_failure(db, kind=kind, key=key, now=now) for kind, key in [*keys, *throttles]]
    locks = [o.locked_until for o in outcomes if o.locked_until is not None]
    if locks:
        error = locked_error(max(locks), now)
        error.keep_changes = True
        raise error
    left = min(o.attempts_left for o in outcomes)
    raise Unauthorized(
        f"{bad_credentials}（あと{left}回失敗するとロックされます）",
        details={"attempts_left": left},
        code="bad_credentials",
        keep_changes=True,
    )
