"""A stalled heartbeat intake is a platform alert: one email per stall and one on recovery, the dashboards' banner,
the /metrics gauges; and a configuration that would mark terminals offline before a stall is seen is refused."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from service.config import Settings, get_settings
from service.database import utcnow
from service.fleet import links
from service.fleet.alerting import monitoring
from service.fleet.models import FleetState, Terminal
from service.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.service.fleet.alerting.test_monitoring import fleet
from tests.service.fleet.conftest import ago, make_customer, send, user_headers
from tests.support.mail import sent_by_smtp
from tests.support.smtp import smtp_sink  # noqa: F401


def stalled_fleet(db, *, silent_for=timedelta(minutes=10)):
    """30 online terminals and an intake silent for `silent_for` (30 × 10 min / 5 min = 60 beats missing)."""
    terminals = fleet(db, make_customer(db), 30, silent_for=silent_for)
    db.add(FleetState(id=1, last_ingest_at=utcnow() - silent_for))
    db.commit()
    return terminals


def mails(db) -> list[tuple[str, str]]:
    return db.execute(select(OutboxMessage.recipient, OutboxMessage.subject).order_by(OutboxMessage.id)).all()


@pytest.mark.dialect
def test_a_stall_is_mailed_once_and_its_recovery_once(client, db, smtp_sink):
    make_user(db, "op", grants={"fleet": "operator"}, email="op@example.jp")
    terminals = stalled_fleet(db)
    for minute in range(3):  # the sweep runs every minute: one email for the whole stall
        assert monitoring.sweep_offline(db, now=utcnow() + timedelta(minutes=minute)).skipped == "ingest_gap"
        db.commit()
    assert mails(db) == [("op@example.jp", "【TMS】ハートビート受信停止")]
    body = db.scalar(select(OutboxMessage.body))
    assert "10分間" in body and "オフライン検知を停止" in body
    db.commit()  # end the read: SQLite lets the heartbeat write
    send(client, terminals[0][1])  # heartbeats resume
    db.expire_all()
    for minute in range(2):
        assert monitoring.sweep_offline(db, now=utcnow() + timedelta(seconds=minute)).skipped == "grace_period"
        db.commit()
    assert [m.subject for m in mails(db)] == ["【TMS】ハートビート受信停止", "【TMS】ハートビート受信再開"]
    assert db.get(FleetState, 1).ingest_stalled_since is None
    ids = db.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
    db.commit()
    for mail in sent_by_smtp(smtp_sink, *ids):  # each links the overview in its HTML part
        assert mail.links == [(links.overview_url(), links.overview_url())]
        assert mail.text.endswith(f"\n\n{links.overview_url()}\n")


def test_a_stall_that_stops_counting_without_a_heartbeat_is_no_recovery(db):
    make_user(db, "op", grants={"fleet": "operator"}, email="op@example.jp")
    stalled_fleet(db)
    monitoring.sweep_offline(db, now=utcnow())
    db.execute(update(Terminal).values(status="maintenance"))  # nobody is expected to heartbeat now
    assert monitoring.sweep_offline(db, now=utcnow()).skipped == ""
    db.commit()
    assert [m.subject for m in mails(db)] == ["【TMS】ハートビート受信停止"]
    assert db.get(FleetState, 1).ingest_stalled_since is not None  # the recovery mail waits for a heartbeat


def test_a_quiet_intake_within_the_gap_window_is_no_stall(db):
    make_user(db, "op", grants={"fleet": "operator"}, email="op@example.jp")
    stalled_fleet(db, silent_for=timedelta(seconds=90))
    assert monitoring.sweep_offline(db, now=utcnow()).skipped == ""
    db.commit()
    assert mails(db) == []


def test_the_banner_and_the_gauges_say_how_long_no_heartbeat_arrived(client, db):
    headers = user_headers(db, "support1", "support")
    stalled_fleet(db)
    stalled = client.get("/api/fleet/ingest", headers=headers).json()
    assert stalled["stalled"] is True and 600 <= stalled["silence_seconds"] < 660
    assert stalled["banner"].startswith("ハートビートの受信が停止しています") and "10分前" in stalled["banner"]
    body = client.get("/metrics").text
    assert "daicho_fleet_ingest_stalled 1.0" in body
    silence = next(line for line in body.splitlines() if line.startswith("daicho_fleet_heartbeat_silence_seconds "))
    assert 600 <= float(silence.split()[1]) < 660
    db.execute(update(FleetState).values(last_ingest_at=ago(seconds=3)))
    db.commit()
    flowing = client.get("/api/fleet/ingest", headers=headers).json()
    assert (flowing["stalled"], flowing["banner"]) == (False, "")
    assert "daicho_fleet_ingest_stalled 0.0" in client.get("/metrics").text


@pytest.fixture
def without_demo_agents(monkeypatch):
    """`make run` with APP_DEMO_AGENTS=0: the settings are read again, and restored afterwards."""
    monkeypatch.setenv("APP_DEMO_AGENTS", "0")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_without_the_demo_agents_the_banner_says_that_is_why_no_heartbeat_arrives(client, db, without_demo_agents):
    headers = user_headers(db, "support1", "support")
    stalled_fleet(db)
    ingest = client.get("/api/fleet/ingest", headers=headers).json()
    assert (ingest["stalled"], ingest["heartbeats_expected"]) == (True, False)
    assert ingest["banner"].startswith("デモの模擬エージェントを起動していないため（APP_DEMO_AGENTS=0）")
    assert "ハートビートの受信が停止しています" not in ingest["banner"] and "10分前" in ingest["banner"]


def test_no_silence_gauge_before_the_first_heartbeat(client, db):
    body = client.get("/metrics").text
    assert "daicho_fleet_ingest_stalled 0.0" in body
    assert "\ndaicho_fleet_heartbeat_silence_seconds " not in body


def test_an_offline_threshold_shorter_than_the_gap_window_is_refused():
    """A 30 s terminal (the shortest interval) missing 30 s + the grace twice must take longer than the gap window."""
    with pytest.raises(ValidationError, match="must be at least APP_FLEET_INGEST_GAP_SECONDS"):
        Settings(fleet_offline_missed_intervals=2, fleet_offline_grace_seconds=29, fleet_ingest_gap_seconds=120)
    with pytest.raises(ValidationError, match=r"× \(10 s, the shortest heartbeat interval"):
        Settings(fleet_heartbeat_interval_seconds=10, fleet_offline_grace_seconds=40)  # 2 × 50 s < 120 s
    assert Settings(fleet_offline_missed_intervals=2, fleet_offline_grace_seconds=30).fleet_ingest_gap_seconds
