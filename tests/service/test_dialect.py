"""service/dialect.py: the SQLite/PostgreSQL differences give the same answers on both databases."""

import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import select

from service import dialect
from service.config import REPO_ROOT
from service.database import session_scope
from service.identity.models import LoginThrottle
from service.outbox.models import OutboxMessage

SATURDAY_LATE = datetime(2026, 3, 7, 15, 30, tzinfo=UTC)  # Sunday 2026-03-08 00:30 in Tokyo


def stored_message(db, at: datetime) -> OutboxMessage:
    message = OutboxMessage(channel="email", recipient="a@example.jp", created_at=at, next_attempt_at=at)
    db.add(message)
    db.flush()
    return message


def test_local_time_is_the_service_zone_on_both_databases(db):
    stored_message(db, SATURDAY_LATE)
    column = OutboxMessage.created_at
    text, month = (dialect.local_text(db, column, pattern, at=SATURDAY_LATE) for pattern in ("%Y-%m-%d %H:%M", "%Y-%m"))
    weekday, hour = dialect.local_weekday_hour(db, column, at=SATURDAY_LATE)
    assert db.execute(select(text, month, weekday, hour)).one() == ("2026-03-08 00:30", "2026-03", 6, 0)


def test_utc_hour_and_epoch_agree_on_both_databases(db):
    stored_message(db, SATURDAY_LATE)
    hour, seconds = db.execute(
        select(dialect.utc_hour(db, OutboxMessage.created_at), dialect.epoch(OutboxMessage.created_at))
    ).one()
    assert str(hour).startswith("2026-03-07 15:00:00")
    assert round(seconds) == int(SATURDAY_LATE.timestamp())


def test_the_dialect_upsert_updates_the_existing_row(db):
    for count in (1, 2):
        stmt = dialect.insert(db, LoginThrottle).values(
            kind="login", key="k", failed_count=count, updated_at=SATURDAY_LATE
        )
        db.execute(stmt.on_conflict_do_update(index_elements=["kind", "key"], set_={"failed_count": count}))
    assert db.scalars(select(LoginThrottle.failed_count)).all() == [2]


def test_the_settings_choose_the_dialect_of_the_service_database(db):
    assert dialect.current() is dialect.of(db)


def test_a_transaction_lock_is_taken_by_one_transaction_at_a_time(db):
    """PostgreSQL: an advisory transaction lock; SQLite: always taken (its writers take turns anyway)."""
    taken_here = dialect.of(db).try_lock(db, 0x7E57)
    with session_scope() as other:
        taken_there = dialect.of(other).try_lock(other, 0x7E57)
    assert (taken_here, taken_there) == (True, not dialect.is_postgres(db))


def test_reading_the_settings_does_not_load_a_domain():
    """config.py once imported service.crm.crypto to check APP_CRM_CARD_KEY, which imported config back."""
    probe = (
        "import sys, service.config as c; c.get_settings(); "
        "assert not [m for m in sys.modules if m.startswith('service.crm')]"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
