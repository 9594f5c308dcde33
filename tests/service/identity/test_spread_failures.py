"""A login id whose failures come from many addresses waits, it is not locked for its owner: each failure makes its
unknown devices wait before the next try (429 with Retry-After, in Japanese, before any password is checked), the
wait doubling with each failure up to the longest; a known device signs in all the same; after the wait the owner
signs in from a browser of their own. Failures from one address keep the specification's lock. And the beat's purge
of old counters."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from jobs.platform import purge_login_throttles
from jobs.schedule import BEAT_SCHEDULE
from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.errors import DomainError
from service.identity import lockout
from service.identity import service as identity
from service.identity.models import LoginThrottle
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.identity.devices import password_checks
from tests.service.identity.test_devices import HOME, from_address, login, signed_in_device

pytestmark = pytest.mark.dialect

SPREAD = get_settings().login_spread_addresses
LONGEST = timedelta(seconds=get_settings().login_delay_max_seconds)
WAITING = "複数の接続元からログインの失敗が続いているため"


def attacker(number: int) -> str:
    return f"203.0.113.{number % SPREAD + 1}"


def outcome_at(db, login_id: str, password: str, *, address: str, now: datetime) -> DomainError | None:
    """A login as the service judges it at `now`: None when it is let in, else the refusal."""
    actor = Actor(type="anonymous", client_address=address)
    try:
        identity.authenticate(db, login_id=login_id, password=password, actor=actor, now=now)
    except DomainError as refusal:
        return refusal
    return None


def test_failures_from_many_addresses_make_the_id_wait_before_any_password_check(app, db, monkeypatch):
    monkeypatch.setattr(lockout, "FIRST_DELAY", timedelta(minutes=1))  # waits far longer than the test takes
    make_user(db, "owner")
    db.commit()
    device = signed_in_device(app, "owner")
    answers = [login(from_address(app, attacker(number)), "owner") for number in range(SPREAD)]
    assert [answer.status_code for answer in answers] == [401] * (SPREAD - 1) + [429]
    error = answers[-1].json()["error"]
    assert error["code"] == "key_delayed" and error["message"].startswith(WAITING)
    assert int(answers[-1].headers["Retry-After"]) == error["details"]["seconds_left"] == LONGEST.total_seconds()
    checks = password_checks()
    tries = [login(from_address(app, f"198.51.100.{n}"), "owner", DEFAULT_PASSWORD) for n in range(20, 30)]
    assert password_checks() == checks  # refused before any bcrypt, the owner's right password too
    for refused in tries:
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "key_delayed"
        assert "ロック" not in refused.json()["error"]["message"]
        assert 0 < int(refused.headers["Retry-After"]) <= LONGEST.total_seconds()
    assert login(from_address(app, HOME), "owner", DEFAULT_PASSWORD, device).status_code == 200  # a known device
    locks = db.scalars(
        select(AuditEntry.changes["lock"].as_string())
        .where(AuditEntry.action == "login_failed")
        .order_by(AuditEntry.id)
    ).all()
    db.commit()
    assert locks == [None] * (SPREAD - 1) + ["key_delayed"]  # the refusals before a check wrote nothing


def test_the_wait_doubles_with_each_failure_never_locks_and_then_lets_the_owner_in(db):
    make_user(db, "owner")
    db.commit()
    now = utcnow()
    first = [outcome_at(db, "owner", "wrong", address=attacker(n), now=now) for n in range(SPREAD)]
    assert [refusal.code for refusal in first] == ["bad_credentials"] * (SPREAD - 1) + ["key_delayed"]
    waits = [first[-1].headers["Retry-After"]]
    for failures in range(SPREAD + 1, SPREAD + 9):  # far past the 5 failures that lock from one address
        early = outcome_at(db, "owner", DEFAULT_PASSWORD, address=HOME, now=now)
        assert early is not None and early.code == "key_delayed"  # even the right password waits its turn
        now += lockout.delay_after(failures - 1)
        refusal = outcome_at(db, "owner", "wrong", address=attacker(failures), now=now)
        assert refusal is not None and refusal.code == "key_delayed"
        waits.append(refusal.headers["Retry-After"])
    expected = [min(LONGEST, lockout.FIRST_DELAY * 2 ** (n - 1)) for n in range(SPREAD, SPREAD + 9)]
    assert waits == [str(int(wait.total_seconds())) for wait in expected] and expected[-1] == LONGEST
    assert outcome_at(db, "owner", DEFAULT_PASSWORD, address=HOME, now=now + LONGEST) is None


def test_failures_from_two_addresses_still_lock_per_the_specification(app, db):
    make_user(db, "owner")
    db.commit()
    addresses = ["203.0.113.1", "203.0.113.2"] * 3
    assert [login(from_address(app, a), "owner").status_code for a in addresses[:5]] == [401] * 4 + [423]
    locked = login(from_address(app, HOME), "owner", DEFAULT_PASSWORD)
    assert locked.status_code == 423 and locked.json()["error"]["code"] == "account_locked"


def test_a_run_of_failures_from_many_addresses_locks_no_later_failure(db):
    """Once the spread run is over (a window without failures), one address's typo counts from one again."""
    make_user(db, "owner")
    db.commit()
    now = utcnow()
    for failures in range(8):
        now += LONGEST  # past any wait, within the window
        outcome_at(db, "owner", "wrong", address=attacker(failures), now=now)
    later = now + timedelta(minutes=get_settings().login_address_window_minutes, seconds=1)
    typo = outcome_at(db, "owner", "wrong", address=HOME, now=later)
    assert typo is not None and (typo.code, typo.details["attempts_left"]) == ("bad_credentials", 4)


@pytest.fixture
def counters(db):
    """Counters of every age: idle for a day and open, idle but still locked, recent."""
    now = utcnow()
    rows = [
        LoginThrottle(kind="user", key="old", failed_count=3, updated_at=now - timedelta(days=2)),
        LoginThrottle(
            kind="user_addresses",
            key="old",
            failed_count=4,
            locked_until=now - timedelta(days=2),
            updated_at=now - timedelta(days=2),
        ),
        LoginThrottle(
            kind="user",
            key="still-locked",
            failed_count=5,
            locked_until=now + timedelta(minutes=5),
            updated_at=now - timedelta(days=2),
        ),
        LoginThrottle(kind="login_address", key="203.0.113.9", failed_count=2, updated_at=now - timedelta(minutes=1)),
    ]
    db.add_all(rows)
    db.commit()
    return now


def test_the_beat_purges_counters_a_day_old_hourly(db, counters):
    entry = BEAT_SCHEDULE["platform.purge_login_throttles"]
    assert (entry["task"], entry["schedule"]) == (purge_login_throttles.name, timedelta(hours=1))
    assert purge_login_throttles() == 2
    left = db.execute(select(LoginThrottle.kind, LoginThrottle.key).order_by(LoginThrottle.key)).all()
    db.commit()
    assert [tuple(row) for row in left] == [("login_address", "203.0.113.9"), ("user", "still-locked")]
    assert purge_login_throttles() == 0
    assert db.scalar(select(func.count()).select_from(LoginThrottle)) == 2
