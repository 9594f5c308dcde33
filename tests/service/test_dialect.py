"""service/dialect.py: the SQLite/PostgreSQL differences give the same answers on both databases."""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import literal, select

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


@pytest.mark.dialect
def test_local_time_is_the_service_zone_on_both_databases(db):
    stored_message(db, SATURDAY_LATE)
    column = OutboxMessage.created_at
    text, month = (dialect.local_text(db, column, pattern, at=SATURDAY_LATE) for pattern in ("%Y-%m-%d %H:%M", "%Y-%m"))
    weekday, hour = dialect.local_weekday_hour(db, column, at=SATURDAY_LATE)
    assert db.execute(select(text, month, weekday, hour)).one() == ("2026-03-08 00:30", "2026-03", 6, 0)


@pytest.mark.dialect
def test_the_middle_spans_are_the_two_middle_ones_exactly_on_both_databases(db):
    """Spans of 4, 1, 3 and 2 hours (and a microsecond): the middle two of the four are 2 h and 3 h; of the first three
    3 h twice."""
    spans = [timedelta(hours=4), timedelta(hours=1), timedelta(hours=3), timedelta(hours=2, microseconds=1)]
    ids = [stored_message(db, SATURDAY_LATE).id for _ in spans]
    for message_id, span in zip(ids, spans, strict=True):
        db.get(OutboxMessage, message_id).next_attempt_at = SATURDAY_LATE + span
    db.flush()
    rows = select(
        (OutboxMessage.id > ids[2]).label("key"),  # the fourth message apart from the first three
        OutboxMessage.created_at.label("start"),
        OutboxMessage.next_attempt_at.label("end"),
        OutboxMessage.id.label("id"),
    )
    every = rows.with_only_columns(literal(0).label("key"), *rows.selected_columns[1:])
    first_three = rows.where(OutboxMessage.id <= ids[2])
    for statement, expected in ((first_three, {False: (spans[2],) * 2}), (every, {0: (spans[3], spans[2])})):
        middle, spans_of = dialect.of(db).middle_spans(statement)
        assert {row.key: spans_of(row) for row in db.execute(middle)} == expected


@pytest.mark.dialect
def test_utc_hour_and_epoch_agree_on_both_databases(db):
    stored_message(db, SATURDAY_LATE)
    hour, seconds = db.execute(
        select(dialect.utc_hour(db, OutboxMessage.created_at), dialect.epoch(OutboxMessage.created_at))
    ).one()
    assert str(hour).startswith("2026-03-07 15:00:00")
    assert round(seconds) == int(SATURDAY_LATE.timestamp())


@pytest.mark.dialect
def test_the_dialect_upsert_updates_the_existing_row(db):
    for count in (1, 2):
        stmt = dialect.insert(db, LoginThrottle).values(
            kind="login", key="k", failed_count=count, updated_at=SATURDAY_LATE
        )
        db.execute(stmt.on_conflict_do_update(index_elements=["kind", "key"], set_={"failed_count": count}))
    assert db.scalars(select(LoginThrottle.failed_count)).all() == [2]


def test_the_settings_choose_the_dialect_of_the_service_database(db):
    assert dialect.current() is dialect.of(db)


@pytest.mark.dialect
def test_a_transaction_lock_is_taken_by_one_transaction_at_a_time(db):
    """PostgreSQL: an advisory transaction lock; SQLite: always taken (its writers take turns anyway)."""
    taken_here = dialect.of(db).try_lock(db, 0x7E57)
    with session_scope() as other:
        taken_there = dialect.of(other).try_lock(other, 0x7E57)
    assert (taken_here, taken_there) == (True, not dialect.is_postgres(db))


MESSAGES_THEN_THROTTLES = dialect.UpdateThenInsert(
    updated=OutboxMessage.__table__,
    update_columns=("attempts",),
    update_nulls=("last_error",),
    update_constants=("next_attempt_at",),
    inserted=LoginThrottle.__table__,
    insert_columns=("kind", "key", "failed_count"),
    insert_constants=("updated_at",),
)


def utc(at: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC one (SQLite gives them back naive)."""
    return at.replace(tzinfo=UTC) if at else None


@pytest.mark.dialect
def test_update_then_insert_writes_every_row_on_both_databases(db):
    earlier = datetime(2026, 3, 1, tzinfo=UTC)
    messages = [stored_message(db, earlier) for _ in range(3)]
    for message in messages:
        message.last_error = "timeout"
    db.flush()
    updates = [{"id": messages[0].id, "attempts": 3}, {"id": messages[2].id, "attempts": 5}]
    inserts = [{"kind": "login", "key": key, "failed_count": 1} for key in ("x", "y")]
    for bulk in dialect.current().update_then_insert(MESSAGES_THEN_THROTTLES, updates, inserts, SATURDAY_LATE):
        db.execute(bulk.statement, bulk.params)
    db.expire_all()
    changed = db.execute(
        select(OutboxMessage.attempts, OutboxMessage.last_error, OutboxMessage.next_attempt_at).order_by(
            OutboxMessage.id
        )
    ).all()
    assert [(attempts, error, utc(due)) for attempts, error, due in changed] == [
        (3, None, SATURDAY_LATE),
        (0, "timeout", earlier),
        (5, None, SATURDAY_LATE),
    ]
    written = db.execute(select(LoginThrottle.key, LoginThrottle.failed_count, LoginThrottle.updated_at)).all()
    assert sorted((key, count, utc(at)) for key, count, at in written) == [
        ("x", 1, SATURDAY_LATE),
        ("y", 1, SATURDAY_LATE),
    ]


@pytest.mark.dialect
def test_member_of_matches_the_list_given_when_the_statement_runs(db):
    db.add_all([LoginThrottle(kind="login", key=key) for key in ("a", "b", "c")])
    db.flush()
    statement = select(LoginThrottle.key).where(dialect.current().member_of(LoginThrottle.key, "keys"))
    assert sorted(db.scalars(statement, {"keys": ["a", "c", "z"]})) == ["a", "c"]
    assert list(db.scalars(statement, {"keys": ["z"]})) == []


def test_no_domain_module_branches_on_the_database():
    """Dialect differences live in service/dialect.py: a domain's module never asks which database it runs on."""
    branching = ("is_sqlite", "is_postgres(", "dialect.name")
    domains = ("fleet", "reservations", "loaners", "crm", "entry_logs")
    found = [
        f"{path.relative_to(REPO_ROOT)}: {needle}"
        for domain in domains
        for path in (REPO_ROOT / "service" / domain).rglob("*.py")
        for needle in branching
        if needle in path.read_text()
    ]
    assert not found, found


def test_reading_the_settings_does_not_load_a_domain():
    """config.py once imported service.crm.crypto to check APP_CRM_CARD_KEY, which imported config back."""
    probe = (
        "import sys, service.config as c; c.get_settings(); "
        "assert not [m for m in sys.modules if m.startswith('service.crm')]"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_months_partitions_run_from_midnight_utc_on_the_first_to_the_next_first_across_a_year_end():
    december = datetime(2025, 12, 31, 23, 59, tzinfo=UTC)
    assert dialect.MONTH.ahead(december, 2) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert dialect.MONTH.bounds(date(2026, 2, 1)) == {
        "start": datetime(2026, 2, 1, tzinfo=UTC),
        "end": datetime(2026, 3, 1, tzinfo=UTC),
    }
    assert dialect.MONTH.name("fleet_metric_hourly", date(2026, 2, 1)) == "fleet_metric_hourly_p202602"
    assert dialect.is_partition("fleet_metric_hourly_p202602") and dialect.is_partition("fleet_metric_sample_p20260201")
    assert not dialect.is_partition("fleet_metric_hourly_p2026")
