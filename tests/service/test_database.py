import enum
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from service.database import get_engine, utcnow
from service.identity.models import User
from service.outbox.models import OutboxMessage


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(backend):
    if backend != "sqlite":
        pytest.skip("SQLite pragmas apply to the SQLite pass only")
    with get_engine().connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_timestamps_come_back_as_utc(db):
    user = User(login_id="t", name="t", password_hash="x", created_at=utcnow())
    db.add(user)
    db.commit()
    db.expire_all()
    assert db.get(User, user.id).created_at.utcoffset().total_seconds() == 0


def test_naive_timestamps_are_refused(db):
    db.add(User(login_id="t", name="t", password_hash="x", created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetimes"):
        db.flush()
    db.rollback()


def test_request_id_appears_in_log_lines(client, caplog):
    with caplog.at_level("INFO", logger="daicho.access"):
        client.get("/api/health", headers={"X-Request-ID": "trace-me-42"})
    records = [r for r in caplog.records if r.name == "daicho.access"]
    assert records and records[-1].request_id == "trace-me-42"
    assert "/api/health 200" in records[-1].getMessage()


class Colour(enum.Enum):
    RED = "red"


def test_json_columns_store_dates_decimals_and_enums_in_their_json_form(db):
    payload = {
        "day": date(1980, 4, 5),
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "amount": Decimal("1234.50"),
        "colour": Colour.RED,
        "nested": [{"day": date(2000, 1, 1)}],
    }
    message = OutboxMessage(channel="email", recipient="a@example.jp", payload=payload)
    db.add(message)
    db.commit()
    db.expire_all()
    assert db.get(OutboxMessage, message.id).payload == {
        "day": "1980-04-05",
        "at": "2026-01-02T03:04:05Z",
        "amount": "1234.50",
        "colour": "red",
        "nested": [{"day": "2000-01-01"}],
    }
