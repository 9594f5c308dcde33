"""When heartbeats stop: the offline sweep writes its alerts in one set-based statement."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service.fleet.alerting import monitoring
from service.fleet.models import Alert, Terminal
from tests.service.fleet.conftest import make_customer, make_terminal

pytestmark = pytest.mark.dialect

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def silent(db, customer, serial, *, last):
    """An online terminal of its own store past its deadline; `last` is its last heartbeat (None: it never sent
    one)."""
    terminal, _ = make_terminal(db, customer, serial=serial, store_name=f"店舗{serial}")
    terminal.status, terminal.last_heartbeat_at = "online", last
    terminal.offline_deadline_at = NOW - timedelta(minutes=1)
    return terminal


def test_offline_alerts_name_the_last_heartbeat_in_local_time(db):
    customer = make_customer(db)
    late = silent(db, customer, "S-1", last=datetime(2026, 11, 21, 2, 30, 59, 900000, tzinfo=UTC))
    never = silent(db, customer, "S-2", last=None)
    db.commit()
    result = monitoring.sweep_offline(db, now=NOW)
    db.commit()
    assert result.marked_offline == 2
    alerts = dict(db.execute(select(Alert.terminal_id, Alert.message)).all())
    assert alerts == {
        late.id: "端末からの通信が途絶えました（最終通信 2026-11-21 11:30）",
        never.id: "端末からの通信が途絶えました（最終通信 -）",
    }
    stored = db.execute(select(Alert.status, Alert.created_at, Alert.customer_id, Alert.acknowledged_by)).all()
    assert set(stored) == {("open", NOW, customer.id, "")}
    assert set(db.scalars(select(Terminal.offline_since))) == {NOW}


def test_an_offline_alert_already_open_is_kept_and_not_doubled(db):
    customer = make_customer(db)
    terminal = silent(db, customer, "S-1", last=NOW - timedelta(minutes=30))
    db.add(Alert(terminal_id=terminal.id, customer_id=customer.id, alert_type="offline", message="前回"))
    db.commit()
    assert monitoring.sweep_offline(db, now=NOW).marked_offline == 1
    db.commit()
    assert db.execute(select(Alert.message, Alert.status)).all() == [("前回", "open")]
