"""The offline sweep, customer incidents, the ingest-gap grace period and the email digest."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from service.config import get_settings
from service.database import utcnow
from service.fleet import labels, links
from service.fleet.alerting import monitoring
from service.fleet.models import Alert, FleetState, Incident, Terminal
from service.fleet.schedules import local_minute
from service.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.service.fleet.alerting.test_escalations import add_alert
from tests.service.fleet.conftest import ago, make_customer, make_terminal, send, user_headers
from tests.support.clock import clock_at, japan_time
from tests.support.downloads import csv_download
from tests.support.mail import sent_by_smtp
from tests.support.smtp import smtp_sink  # noqa: F401

pytestmark = pytest.mark.dialect

GROUP_WAIT = timedelta(seconds=30)


def fleet(db, customer, count, *, silent_for=None, prefix="T"):
    """`count` online terminals, each in its own store (a store silent as a whole raises one store alert instead:
    test_quiet_times.py); those with silent_for last heartbeated that long ago."""
    terminals = []
    for i in range(count):
        serial = f"{prefix}{customer.id}-{i:03d}"
        terminal, token = make_terminal(db, customer, serial=serial, store_name=f"店舗{serial}")
        last = utcnow() - (silent_for or timedelta(0))
        terminal.status, terminal.last_heartbeat_at = "online", last
        terminal.offline_deadline_at = last + timedelta(minutes=15)
        terminals.append((terminal, token))
    db.flush()
    return terminals


def tills(db, customer, store, count, *, silent_for=None):
    """A store's `count` tills named as §2.1 names them (「新宿店 レジ1番」), online; silent_for as `fleet`'s."""
    made = []
    for till in range(1, count + 1):
        serial = f"{customer.id}-{store}-{till}"
        terminal, token = make_terminal(
            db, customer, serial=serial.encode().hex()[:50], store_name=f"{store} レジ{till}番"
        )
        last = utcnow() - (silent_for or timedelta(0))
        terminal.status, terminal.last_heartbeat_at = "online", last
        terminal.offline_deadline_at = last + timedelta(minutes=15)
        made.append((terminal, token))
    db.flush()
    return made


def dark_stores_and_one_till_resting(db, customer) -> None:
    """Four stores' twelve tills silent for 20 minutes, 岡崎店's one till in maintenance, 豊田店's four online: 17 in
    all, 16 counted for an outage."""
    for store in ("名古屋店", "栄店", "金山店", "大須店"):
        tills(db, customer, store, 3, silent_for=timedelta(minutes=20))
    ((resting, _),) = tills(db, customer, "岡崎店", 1)
    resting.status = "maintenance"
    tills(db, customer, "豊田店", 4)


def digest_lines(body: str) -> list[str]:
    """A digest's rows as its text part writes them, each checked to have its page's address under it."""
    header, *lines = body.splitlines()
    assert header == " / ".join(labels.DIGEST_COLUMNS)
    assert all(address.startswith("  http") and "?id=" in address for address in lines[1::2])
    return lines[::2]


def test_sweep_marks_silent_terminals_offline_and_a_heartbeat_brings_them_back(client, db):
    customer = make_customer(db)
    ((quiet, token),) = fleet(db, customer, 1, silent_for=timedelta(minutes=16))
    ((fresh, _),) = fleet(db, customer, 1, prefix="F")
    db.commit()
    result = monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    assert (result.marked_offline, result.incidents) == (1, 0)
    statuses = dict(db.execute(select(Terminal.id, Terminal.status)).all())
    assert statuses == {quiet.id: "offline", fresh.id: "online"}
    assert db.scalar(select(Alert.alert_type).where(Alert.terminal_id == quiet.id)) == "offline"
    assert monitoring.sweep_offline(db, now=utcnow()).marked_offline == 0
    db.commit()
    send(client, token)
    db.expire_all()
    assert db.scalar(select(Alert.status).where(Alert.terminal_id == quiet.id)) == "resolved"
    assert db.get(Terminal, quiet.id).status == "online"


def beating_terminal(client, db, *, interval_seconds):
    """An online terminal with its own interval, after one heartbeat; returns it and when the heartbeat arrived."""
    ((terminal, token),) = fleet(db, make_customer(db), 1)
    terminal.interval_seconds = interval_seconds
    db.commit()
    send(client, token)
    db.expire_all()
    return terminal, db.get(Terminal, terminal.id).last_heartbeat_at


def swept_offline_after(db, last_heartbeat_at, silence: timedelta) -> int:
    """Terminals the sweep marks offline `silence` after the heartbeat, while other terminals' heartbeats flow."""
    now = last_heartbeat_at + silence
    db.execute(update(FleetState).values(last_ingest_at=now))
    marked = monitoring.sweep_offline(db, now=now).marked_offline
    db.rollback()
    return marked


@pytest.mark.parametrize("interval_seconds", [30, 300, 3600])
def test_a_terminal_is_offline_once_it_missed_its_own_interval_and_the_grace_twice(client, db, interval_seconds):
    _, last = beating_terminal(client, db, interval_seconds=interval_seconds)
    settings = get_settings()
    threshold = timedelta(seconds=2 * (interval_seconds + settings.fleet_offline_grace_seconds))
    assert settings.fleet_offline_missed_intervals == 2 and monitoring.terminal_offline_threshold(interval_seconds) == (
        threshold
    )
    assert swept_offline_after(db, last, threshold - timedelta(seconds=1)) == 0
    assert swept_offline_after(db, last, threshold + timedelta(seconds=1)) == 1


def offline_alerts(db) -> list[tuple[int, str, datetime, str]]:
    """The offline alerts; the read ends, so SQLite lets the next heartbeat write."""
    rows = select(Alert.id, Alert.status, Alert.created_at, Alert.message).where(Alert.alert_type == "offline")
    db.expire_all()
    found = db.execute(rows.order_by(Alert.id)).all()
    db.commit()
    return found


def test_a_flapping_connection_is_one_alert_and_a_stable_return_ends_it(client, db):
    """Back for fewer than 3 of its intervals, silent again: the alert its return resolved reopens, its §4.2 clock
    running from the first detection and its message naming the latest heartbeat; back for longer: a new alert."""
    start = japan_time(2026, 11, 18, 10, 0).astimezone(UTC)  # the sweep is given UTC, as utcnow() is
    ((terminal, token),) = fleet(db, make_customer(db), 1)
    terminal.interval_seconds = 60
    db.commit()
    threshold = monitoring.terminal_offline_threshold(60)
    flap = timedelta(seconds=60 * get_settings().fleet_offline_flap_intervals)

    def beat_at(at):
        with clock_at(at):
            assert send(client, token).status_code == 200

    def sweep_after_silence(last_beat):
        db.execute(update(FleetState).values(last_ingest_at=last_beat + threshold))  # other terminals beat on
        assert monitoring.sweep_offline(db, now=last_beat + threshold + timedelta(seconds=1)).marked_offline == 1
        db.commit()

    beat_at(start)
    sweep_after_silence(start)
    [(alert_id, status, detected, _)] = offline_alerts(db)
    assert status == "open" and detected == start + threshold + timedelta(seconds=1)  # §4.2's clock: the detection
    for back in (start + timedelta(minutes=10), start + timedelta(minutes=20)):  # each return brief: flapping
        beat_at(back)
        assert [a.status for a in offline_alerts(db)] == ["resolved"]
        sweep_after_silence(back)
        message = f"端末からの通信が途絶えました（最終通信 {local_minute(back)}）"
        assert offline_alerts(db) == [(alert_id, "open", detected, message)]

    stable = start + timedelta(minutes=30)
    beat_at(stable)
    beat_at(stable + flap + timedelta(seconds=30))  # back for longer than 3 of its intervals: the outage was over
    sweep_after_silence(stable + flap + timedelta(seconds=30))
    assert [(a.id == alert_id, a.status) for a in offline_alerts(db)] == [(True, "resolved"), (False, "open")]


def test_a_flapping_terminal_whose_alert_a_person_resolved_gets_a_new_one(db):
    ((terminal, _),) = fleet(db, make_customer(db), 1, silent_for=timedelta(hours=1))
    add_alert(db, terminal, minutes=70, status="resolved", resolved_at=ago(minutes=61), resolved_by="op1")
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    assert [a.status for a in offline_alerts(db)] == ["resolved", "open"]


def test_maintenance_terminals_are_never_swept(db):
    customer = make_customer(db)
    ((terminal, _),) = fleet(db, customer, 1, silent_for=timedelta(hours=2))
    terminal.status = "maintenance"
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()).marked_offline == 0


def test_many_offline_at_once_make_one_incident_with_one_digest_line(client, db):
    big = make_customer(db, "ABC商事")
    small = make_customer(db, "XYZ商店")
    fleet(db, big, 6, silent_for=timedelta(minutes=20))
    fleet(db, big, 14, prefix="OK")
    fleet(db, small, 1, silent_for=timedelta(minutes=20))
    make_user(db, "support1", grants={"fleet": "support"}, email="support1@example.jp")
    db.commit()
    result = monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    assert (result.marked_offline, result.incidents) == (7, 1)
    incident = db.scalar(select(Incident))
    assert (incident.customer_id, incident.terminal_count, incident.status) == (big.id, 6, "open")
    assert db.scalar(select(func.count()).select_from(Alert).where(Alert.incident_id == incident.id)) == 6
    assert monitoring.send_digest(db, now=utcnow() + GROUP_WAIT) == 1
    db.commit()
    email = db.scalar(select(OutboxMessage))
    lines = digest_lines(email.body)
    assert email.recipient == "support1@example.jp"
    assert len(lines) == 2 and "6店舗・6台" in lines[0] and "XYZ商店" in lines[1]


def test_below_the_ratio_no_incident(db):
    customer = make_customer(db)
    fleet(db, customer, 5, silent_for=timedelta(minutes=20))
    fleet(db, customer, 21, prefix="OK")
    db.commit()
    result = monitoring.sweep_offline(db, now=utcnow())
    assert (result.marked_offline, result.incidents) == (5, 0)


def test_incident_resolves_when_its_terminals_return(client, db):
    customer = make_customer(db)
    gone = fleet(db, customer, 5, silent_for=timedelta(minutes=20))
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()).incidents == 1
    db.commit()
    for _, token in gone:
        send(client, token)
    db.expire_all()
    assert db.scalar(select(Incident.status)) == "resolved"


def test_no_offline_verdicts_during_or_right_after_an_ingest_gap(client, db):
    customer = make_customer(db)
    terminals = fleet(db, customer, 30, silent_for=timedelta(hours=1))
    db.add(FleetState(id=1, last_ingest_at=ago(hours=1)))
    db.commit()
    outage = monitoring.sweep_offline(db, now=utcnow())
    assert (outage.marked_offline, outage.skipped) == (0, "ingest_gap")
    db.commit()
    send(client, terminals[0][1])
    db.expire_all()
    state = db.get(FleetState, 1)
    assert state.grace_until > utcnow() + monitoring.offline_threshold() - timedelta(minutes=1)  # one threshold
    grace = monitoring.sweep_offline(db, now=utcnow())
    assert (grace.marked_offline, grace.skipped) == (0, "grace_period")
    later = utcnow() + monitoring.offline_threshold() + timedelta(minutes=1)
    db.execute(update(FleetState).values(last_ingest_at=later - timedelta(seconds=30)))  # heartbeats flow again
    assert monitoring.sweep_offline(db, now=later).marked_offline == 30


def test_a_small_quiet_fleet_is_not_mistaken_for_an_outage(db):
    customer = make_customer(db)
    fleet(db, customer, 2, silent_for=timedelta(minutes=16))
    db.add(FleetState(id=1, last_ingest_at=ago(minutes=16)))
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()).marked_offline == 2


def test_the_first_alert_of_a_quiet_period_is_mailed_after_the_group_wait_then_news_is_grouped(db, smtp_sink):
    customer = make_customer(db)
    other = make_customer(db, "XYZ商店")
    make_user(db, "op", grants={"fleet": "operator"}, email="op@example.jp")
    make_user(db, "scoped", grants={"fleet": ("support", str(other.id))}, email="scoped@example.jp")
    make_user(db, "viewer", grants={"fleet": "viewer"}, email="viewer@example.jp")
    fleet(db, customer, 2, silent_for=timedelta(minutes=20))
    db.commit()
    now = utcnow()
    monitoring.sweep_offline(db, now=now)
    assert monitoring.send_digest(db, now=now + GROUP_WAIT - timedelta(seconds=1)) == 0
    assert monitoring.send_digest(db, now=now + GROUP_WAIT) == 1
    fleet(db, customer, 1, silent_for=timedelta(minutes=20), prefix="L")
    monitoring.sweep_offline(db, now=now + timedelta(minutes=1))
    assert monitoring.send_digest(db, now=now + timedelta(minutes=5)) == 0
    assert monitoring.send_digest(db, now=now + GROUP_WAIT + timedelta(minutes=5)) == 1
    db.commit()
    emails = db.execute(
        select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.body).order_by(OutboxMessage.id)
    ).all()
    db.commit()
    assert [e.recipient for e in emails] == ["op@example.jp", "op@example.jp"]
    assert [len(digest_lines(e.body)) for e in emails] == [2, 1]
    first, second = sent_by_smtp(smtp_sink, *(e.id for e in emails))  # as the mail reader shows them
    assert [len(first.tables[0]), len(second.tables[0])] == [3, 2]  # the header and a row per alert
    assert first.tables[0][0] == list(labels.DIGEST_COLUMNS) and first.tables[0][1][:2] == ["新規", "オフライン"]
    alert_ids = db.scalars(select(Alert.id).order_by(Alert.id)).all()
    assert [href for href, _ in first.links + second.links] == [links.alert_url(i) for i in alert_ids]
    assert [words for _, words in second.links] == [f"アラート #{alert_ids[-1]}"]
    assert monitoring.send_digest(db, now=now + timedelta(minutes=30)) == 0


def test_alerts_resolved_since_the_last_email_are_mailed_even_if_never_mailed_open(client, db):
    customer = make_customer(db)
    make_user(db, "op", grants={"fleet": "operator"}, email="op@example.jp")
    ((mailed, mailed_token),) = fleet(db, customer, 1, silent_for=timedelta(minutes=20))
    db.commit()
    now = utcnow()
    monitoring.sweep_offline(db, now=now)
    assert monitoring.send_digest(db, now=now + GROUP_WAIT) == 1
    ((brief, brief_token),) = fleet(db, customer, 1, silent_for=timedelta(minutes=20), prefix="B")
    monitoring.sweep_offline(db, now=now + timedelta(minutes=1))
    db.commit()
    send(client, mailed_token)  # back online: its mailed offline alert resolves
    send(client, brief_token)  # back before any email said it was gone
    db.expire_all()
    later = now + timedelta(minutes=10)
    assert monitoring.send_digest(db, now=later) == 1
    db.commit()
    email = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert email.subject == "【TMS】アラート 新規0件・解決2件"
    lines = digest_lines(email.body)
    assert [line.startswith("・解決（") for line in lines] == [True, True]
    assert {mailed.serial_number in lines[0], brief.serial_number in lines[1]} == {True}
    assert monitoring.send_digest(db, now=later + timedelta(minutes=10)) == 0


def test_configured_recipients_get_the_digest(db, monkeypatch):
    from service.config import get_settings

    monkeypatch.setattr(get_settings(), "fleet_alert_recipients", "team@example.jp, oncall@example.jp")
    fleet(db, make_customer(db), 1, silent_for=timedelta(minutes=20))
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    assert monitoring.send_digest(db, now=utcnow() + GROUP_WAIT) == 2


def test_a_terminal_that_joins_an_acknowledged_incident_is_acknowledged_with_it(db):
    customer = make_customer(db)
    fleet(db, customer, 5, silent_for=timedelta(minutes=20))
    (late,) = fleet(db, customer, 1, prefix="L")
    fleet(db, customer, 10, prefix="OK")
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()).incidents == 1
    incident = db.scalar(select(Incident))
    incident.acknowledged_at, incident.acknowledged_by, incident.status = utcnow(), "サポート 一郎", "acknowledged"
    late[0].offline_deadline_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()).marked_offline == 1
    db.commit()
    joined = db.scalar(select(Alert).where(Alert.terminal_id == late[0].id))
    assert (joined.incident_id, joined.status, joined.acknowledged_by) == (incident.id, "acknowledged", "サポート 一郎")
    assert joined.acknowledged_at is not None


def test_an_alert_resolved_while_its_terminal_is_offline_warns_and_comes_back_at_the_next_sweep(client, db):
    customer = make_customer(db)
    ((down, _),) = fleet(db, customer, 1, silent_for=timedelta(minutes=20))
    headers = user_headers(db)
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    alert_id = db.scalar(select(Alert.id).where(Alert.terminal_id == down.id))
    db.commit()
    before = client.get(f"/api/fleet/alerts/{alert_id}", headers=headers).json()
    assert before["offline_now"] == 1 and "まだオフライン" in before["outage_warning"]
    resolved = client.post(f"/api/fleet/alerts/{alert_id}/resolve", json={"note": "再起動を依頼"}, headers=headers)
    assert resolved.status_code == 200 and "まだオフライン" in resolved.json()["outage_warning"]
    assert monitoring.sweep_offline(db, now=utcnow()).realerted == 1
    db.commit()
    alerts = db.execute(select(Alert.id, Alert.status).where(Alert.terminal_id == down.id).order_by(Alert.id)).all()
    assert [status for _, status in alerts] == ["resolved", "open"]
    assert monitoring.sweep_offline(db, now=utcnow()).realerted == 0  # the new alert stands for the outage now


def test_an_incident_resolved_while_its_terminals_are_offline_gets_its_alerts_back(client, db):
    customer = make_customer(db, "東和モータース")
    gone = fleet(db, customer, 5, silent_for=timedelta(minutes=20))
    headers = user_headers(db)
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    incident_id = db.scalar(select(Incident.id))
    db.commit()
    read = client.get(f"/api/fleet/incidents/{incident_id}", headers=headers).json()
    assert read["offline_now"] == 5 and "端末5台" in read["outage_warning"]
    assert client.post(f"/api/fleet/incidents/{incident_id}/resolve", json={}, headers=headers).status_code == 200
    send(client, gone[0][1])  # one store comes back before the next sweep
    db.expire_all()
    result = monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    assert result.realerted == 4
    still_down = {terminal.id for terminal, _ in gone[1:]}
    reopened = db.scalars(select(Alert.terminal_id).where(Alert.status == "open")).all()
    assert set(reopened) == still_down


def test_a_held_terminal_whose_alert_was_resolved_is_not_alerted_again(db):
    customer = make_customer(db)
    ((down, _),) = fleet(db, customer, 1, silent_for=timedelta(minutes=20))
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    db.execute(update(Alert).values(status="resolved", resolved_at=utcnow()))
    db.execute(update(Terminal).where(Terminal.id == down.id).values(offline_alert_held=True))
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()).realerted == 0


def test_the_tills_of_a_store_named_as_the_spec_names_them_raise_one_store_alert(client, db):
    customer = make_customer(db)
    tills(db, customer, "新宿店", 3, silent_for=timedelta(minutes=20))
    for store in ("渋谷店", "池袋店", "品川店", "上野店", "銀座店"):
        tills(db, customer, store, 4)
    headers = user_headers(db)
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()) == monitoring.SweepResult(3, 0)
    db.commit()
    ((alert_id, kind, message),) = db.execute(select(Alert.id, Alert.alert_type, Alert.message)).all()
    assert kind == "store_offline" and message.startswith("新宿店の端末3台がすべて")
    db.commit()
    read = client.get(f"/api/fleet/alerts/{alert_id}", headers=headers).json()
    assert (read["place"], read["store"], read["offline_now"]) == ("新宿店", "新宿店", 3)
    assert [(t["store_name"], t["status_label"]) for t in read["terminals"]] == [
        ("新宿店 レジ1番", "オフライン"),
        ("新宿店 レジ2番", "オフライン"),
        ("新宿店 レジ3番", "オフライン"),
    ]
    kind_filter = {"alert_type": "store_offline"}  # the filter 端末管理 › アラート offers (the vocabulary's kinds)
    listed = client.get("/api/fleet/alerts", headers=headers, params=kind_filter).json()["items"]
    assert [(a["place"], a["terminals"]) for a in listed] == [("新宿店", [])]
    header, row = csv_download(client.get("/api/fleet/alerts/export", headers=headers, params=kind_filter))
    shown = [row[header.index(name)] for name in ("設置店舗名", "シリアル番号", "種別")]
    assert shown == ["新宿店", "", "店舗オフライン"]
    dashboard = client.get("/api/fleet/dashboard", headers=headers).json()
    assert [a["store_name"] for a in dashboard["critical_alerts"]] == ["新宿店"]


def test_a_store_alert_lists_each_terminal_of_its_store_as_it_is_now(client, db):
    customer = make_customer(db)
    made = tills(db, customer, "新宿店", 2, silent_for=timedelta(minutes=20))
    tills(db, customer, "渋谷店", 4)
    headers = user_headers(db)
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    alert_id = db.scalar(select(Alert.id).where(Alert.alert_type == "store_offline"))
    db.execute(update(Terminal).where(Terminal.id == made[1][0].id).values(status="online"))
    db.commit()

    read = client.get(f"/api/fleet/alerts/{alert_id}", headers=headers).json()

    assert [(t["store_name"], t["status_label"]) for t in read["terminals"]] == [
        ("新宿店 レジ1番", "オフライン"),
        ("新宿店 レジ2番", "オンライン"),
    ]
    assert read["offline_now"] == 1


def test_an_incident_counts_the_customer_s_terminals_as_the_dashboard_does_and_says_which_it_left_out(client, db):
    customer = make_customer(db, "東和モータース")
    dark_stores_and_one_till_resting(db, customer)
    headers = user_headers(db, scope=str(customer.id))
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()) == monitoring.SweepResult(12, 1)
    db.commit()
    assert "（全17台（メンテナンス中1台を除く16台））" in db.scalar(select(Incident.message))
    db.commit()
    dashboard = client.get("/api/fleet/dashboard", headers=headers).json()
    assert {f["key"]: f["value"] for f in dashboard["figures"]}["fleet.terminals"] == 17


def test_an_outage_across_stores_is_one_incident_that_names_its_stores(client, db):
    customer = make_customer(db, "東和モータース")
    for store in ("名古屋店", "栄店", "金山店", "大須店"):
        tills(db, customer, store, 3, silent_for=timedelta(minutes=20))
    tills(db, customer, "岡崎店", 4)
    headers = user_headers(db)
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()) == monitoring.SweepResult(12, 1)
    db.commit()
    assert db.scalars(select(Alert.alert_type).distinct()).all() == ["offline"]  # no store alert beside it
    incident = db.scalar(select(Incident))
    assert (incident.store_count, incident.terminal_count) == (4, 12)
    assert incident.message == (
        "東和モータース: 4店舗・12台が10分以内にオフラインになりました（全16台）。店舗: 名古屋店、大須店、栄店、金山店"
    )
    db.commit()
    read = client.get(f"/api/fleet/incidents/{incident.id}", headers=headers).json()
    assert read["places"] == "4店舗・12台"
    assert [(s["store"], s["terminals"], s["offline"]) for s in read["stores"]] == [
        ("名古屋店", 3, 3),
        ("大須店", 3, 3),
        ("栄店", 3, 3),
        ("金山店", 3, 3),
    ]
    # two of 栄店's tills are heard again: the stores still down come first
    back = select(Terminal.id).where(Terminal.store_name.like("栄店%")).order_by(Terminal.id).limit(2)
    db.execute(update(Terminal).where(Terminal.id.in_(back.scalar_subquery())).values(status="online"))
    db.commit()
    read = client.get(f"/api/fleet/incidents/{incident.id}", headers=headers).json()
    assert [(s["store"], s["offline"]) for s in read["stores"]][2:] == [("金山店", 3), ("栄店", 1)]
    listed = client.get("/api/fleet/incidents", headers=headers).json()["items"]
    assert [(i["places"], i["stores"]) for i in listed] == [("4店舗・12台", [])]
    critical = client.get("/api/fleet/dashboard", headers=headers).json()["critical_alerts"]
    assert [a["summary"] for a in critical] == ["4店舗・12台オフライン"]
    assert monitoring.send_digest(db, now=utcnow() + GROUP_WAIT) == 1
    db.commit()
    (line,) = digest_lines(db.scalar(select(OutboxMessage.body)))  # the operator's
    assert "4店舗・12台" in line and "店舗: 名古屋店、大須店、栄店、金山店" in line


def test_a_store_alert_of_the_window_joins_the_incident_when_the_outage_grows(db):
    customer = make_customer(db)
    first = tills(db, customer, "新宿店", 3, silent_for=timedelta(minutes=20))
    later = [t for store in ("渋谷店", "池袋店") for t in tills(db, customer, store, 3)]
    tills(db, customer, "品川店", 6)
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    assert db.scalars(select(Alert.alert_type).where(Alert.status == "open")).all() == ["store_offline"]
    for terminal, _ in later:
        terminal.offline_deadline_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert monitoring.sweep_offline(db, now=utcnow()).incidents == 1
    db.commit()
    incident = db.scalar(select(Incident))
    assert (incident.store_count, incident.terminal_count) == (3, 9)
    open_ = db.execute(select(Alert.alert_type, Alert.incident_id).where(Alert.status == "open")).all()
    assert sorted(set(open_)) == [("offline", incident.id)] and len(open_) == 9
    store_alert = db.scalar(select(Alert).where(Alert.alert_type == "store_offline"))
    assert (store_alert.status, store_alert.resolved_by) == ("resolved", "システム")
    assert {t.id for t, _ in first} <= set(
        db.scalars(select(Alert.terminal_id).where(Alert.incident_id == incident.id))
    )
