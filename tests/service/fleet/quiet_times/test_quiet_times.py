"""Quiet times: business hours hold offline alerts until opening, a store silent as a whole raises one store alert,
recurring maintenance windows hold alerts back and mail a digest when they end."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from service.audit.models import AuditEntry
from service.fleet.alerting import monitoring
from service.fleet.models import Alert, Incident, MaintenanceWindow, Terminal
from service.fleet.quiet_times import maintenance_windows
from service.outbox.models import OutboxMessage
from tests.service.fleet.conftest import make_customer, make_terminal, send, user_headers
from tests.support.mail import sent_by_smtp
from tests.support.smtp import smtp_sink  # noqa: F401

# 2026-11-17 (a Tuesday) 22:00 in Japan.
NIGHT = datetime(2026, 11, 17, 13, 0, tzinfo=UTC)
OPENING = datetime(2026, 11, 18, 0, 0, tzinfo=UTC)  # 09:00 the next morning in Japan


def silent(db, customer, count, *, at, store="新宿店", prefix="Q"):
    """`count` online terminals of one store whose deadline passed just before `at`."""
    terminals = []
    for i in range(count):
        terminal, token = make_terminal(db, customer, serial=f"{prefix}{customer.id}-{i:02d}", store_name=store)
        terminal.status, terminal.last_heartbeat_at = "online", at - timedelta(minutes=20)
        terminal.offline_deadline_at = at - timedelta(minutes=1)
        terminals.append((terminal, token))
    db.flush()
    return terminals


def alerts(db) -> list[tuple[int, str, str]]:
    return db.execute(select(Alert.terminal_id, Alert.alert_type, Alert.status).order_by(Alert.id)).all()


def sweep(db, at):
    result = monitoring.sweep_offline(db, now=at)
    db.commit()
    db.expire_all()
    return result


@pytest.mark.dialect
def test_silence_after_closing_waits_for_opening_and_raises_one_alert(db):
    customer = make_customer(db, opens_at=time(9), closes_at=time(21))
    ((terminal, _),) = silent(db, customer, 1, at=NIGHT)
    db.commit()
    assert sweep(db, NIGHT).marked_offline == 1
    assert db.get(Terminal, terminal.id).status == "offline"
    assert alerts(db) == []
    sweep(db, OPENING - timedelta(minutes=1))
    assert alerts(db) == []
    sweep(db, OPENING)
    sweep(db, OPENING + timedelta(minutes=1))
    assert alerts(db) == [(terminal.id, "offline", "open")]


@pytest.mark.dialect
def test_a_terminal_back_before_opening_raises_nothing(client, db):
    customer = make_customer(db, opens_at=time(9), closes_at=time(21))
    ((terminal, token),) = silent(db, customer, 1, at=NIGHT)
    db.commit()
    sweep(db, NIGHT)
    assert send(client, token).status_code == 200
    db.expire_all()
    sweep(db, OPENING)
    assert db.get(Terminal, terminal.id).status == "online"
    assert alerts(db) == []


@pytest.mark.dialect
def test_a_closed_weekday_holds_alerts_all_day(db):
    noon_wednesday = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
    customer = make_customer(db, closed_weekdays=[2])
    silent(db, customer, 1, at=noon_wednesday)
    db.commit()
    sweep(db, noon_wednesday)
    assert alerts(db) == []
    sweep(db, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))  # Thursday 00:00 in Japan
    assert [a.alert_type for a in alerts(db)] == ["offline"]


@pytest.mark.dialect
def test_a_store_silent_together_raises_one_store_alert(client, db):
    customer = make_customer(db)
    store = silent(db, customer, 8, at=NIGHT)
    ((other, _),) = silent(db, customer, 1, at=NIGHT, store="渋谷店", prefix="S")
    for i in range(40):  # the customer's other stores run on: no customer outage (an incident)
        make_terminal(db, customer, serial=f"OK{i}", store_name=f"店舗{i}", status="online")
    db.commit()
    sweep(db, NIGHT)
    rows = db.execute(select(Alert.alert_type, Alert.message, Alert.terminal_id)).all()
    assert sorted(r.alert_type for r in rows) == ["offline", "store_offline"]
    store_alert = next(r for r in rows if r.alert_type == "store_offline")
    assert "新宿店の端末8台" in store_alert.message
    assert db.scalar(select(Incident.id)) is None  # the store alert speaks for its terminals
    db.commit()
    for _, token in store:
        send(client, token)
    db.expire_all()
    sweep(db, NIGHT + timedelta(minutes=1))
    statuses = dict(db.execute(select(Alert.alert_type, Alert.status).where(Alert.terminal_id != other.id)).all())
    assert statuses == {"store_offline": "resolved"}


@pytest.mark.dialect
def test_a_store_going_silent_over_two_sweeps_folds_its_first_alerts(db):
    customer = make_customer(db)
    later = NIGHT + timedelta(minutes=2)
    first = silent(db, customer, 3, at=NIGHT)
    rest = silent(db, customer, 5, at=later, prefix="R")
    db.commit()
    sweep(db, NIGHT)
    assert len(alerts(db)) == 3
    sweep(db, later)
    open_ = db.execute(select(Alert.alert_type, Alert.message).where(Alert.status == "open")).all()
    assert [a.alert_type for a in open_] == ["store_offline"]
    assert "端末8台" in open_[0].message
    assert len(first) + len(rest) == 8


@pytest.mark.dialect
def test_a_store_of_one_terminal_gets_a_terminal_alert(db):
    silent(db, make_customer(db), 1, at=NIGHT)
    db.commit()
    sweep(db, NIGHT)
    assert [a.alert_type for a in alerts(db)] == ["offline"]


def test_business_hours_api_is_audited_and_validated(client, db):
    customer = make_customer(db)
    other = make_customer(db, name="XYZ物産")
    admin = user_headers(db, "admin1", role="admin")
    scoped_admin = user_headers(db, "admin2", role="admin", scope=str(other.id))
    db.commit()
    url = f"/api/fleet/customers/{customer.id}/business-hours"
    body = {"opens_at": "09:00", "closes_at": "21:00", "closed_weekdays": [6]}
    answer = client.put(url, json=body, headers=admin)
    assert answer.status_code == 200
    assert (answer.json()["opens_at"], answer.json()["closed_weekdays"]) == ("09:00:00", [6])
    refused = client.put(url, json={"opens_at": "09:00"}, headers=admin)
    assert (refused.status_code, rule(refused)) == (422, "business_hours")
    assert client.put(url, json={"closed_weekdays": [0, 1, 2, 3, 4, 5, 6]}, headers=admin).status_code == 422
    assert client.put(url, json={"opens_at": "09:00+09:00", "closes_at": "21:00"}, headers=admin).status_code == 422
    assert client.put(url, json=body, headers=scoped_admin).status_code == 404
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "set_business_hours"))
    assert entry.changes["closes_at"]["after"] == "21:00:00"


def rule(answer) -> str:
    details = answer.json()["error"]["details"]
    return details["rule"] if isinstance(details, dict) else details[0]["rule"]


def window_body(customer_id, **overrides):
    body = {
        "customer_id": customer_id,
        "store_name": "新宿店",
        "recurrence": "daily",
        "start_time": "21:30",
        "duration_minutes": 60,
        "until": "2099-12-31",
        "reason": "夜間バッチ",
    }
    return body | overrides


def test_maintenance_window_api_is_audited_validated_and_scoped(client, db):
    customer = make_customer(db)
    other = make_customer(db, name="XYZ物産")
    operator = user_headers(db)
    scoped = user_headers(db, "operator2", scope=str(other.id))
    db.commit()
    created = client.post("/api/fleet/maintenance-windows", json=window_body(customer.id), headers=operator)
    assert created.status_code == 201
    assert created.json()["recurrence_label"] == "毎日"
    window_id = created.json()["id"]
    weekly = window_body(customer.id, recurrence="weekly")
    answer = client.post("/api/fleet/maintenance-windows", json=weekly, headers=operator)
    assert (answer.status_code, rule(answer)) == (422, "weekly_weekday")
    bygone = window_body(customer.id, until="2020-01-01")
    past = client.post("/api/fleet/maintenance-windows", json=bygone, headers=operator)
    assert (past.status_code, rule(past)) == (422, "not_past")
    vocabulary = client.get("/api/fleet/vocabulary", headers=operator).json()
    served = vocabulary["fields"]["fleet_maintenance_window"]["duration_minutes"]  # the form's range
    assert (served["minimum"], served["maximum"]) == (1, 1440)
    for minutes, rule_broken in (
        (served["minimum"] - 1, "greater_than_equal"),
        (served["maximum"] + 1, "less_than_equal"),
    ):
        refused = client.post(
            "/api/fleet/maintenance-windows", json=window_body(customer.id, duration_minutes=minutes), headers=operator
        )
        assert (refused.status_code, rule(refused)) == (422, rule_broken)
    theirs = client.post("/api/fleet/maintenance-windows", json=window_body(customer.id), headers=scoped)
    assert (theirs.status_code, rule(theirs)) == (422, "exists")
    assert client.get("/api/fleet/maintenance-windows", headers=scoped).json() == []
    assert client.delete(f"/api/fleet/maintenance-windows/{window_id}", headers=scoped).status_code == 404
    assert client.delete(f"/api/fleet/maintenance-windows/{window_id}", headers=operator).status_code == 204
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "maintenance_window")).all()
    assert sorted(actions) == ["create_maintenance_window", "delete_maintenance_window"]


@pytest.mark.dialect
def test_a_recurring_window_holds_alerts_back_and_mails_a_digest_at_its_end(db, smtp_sink):
    customer = make_customer(db)
    make_customer(db, name="XYZ物産")
    user_headers(db, "support1", role="support")
    window = MaintenanceWindow(
        customer_id=customer.id,
        store_name="新宿店",
        recurrence="daily",
        start_time=time(21, 30),
        duration_minutes=60,
        until=NIGHT.date() + timedelta(days=30),
        reason="夜間バッチ",
        created_at=NIGHT - timedelta(days=2),
    )
    db.add(window)
    ((held, _), (back, _)) = silent(db, customer, 2, at=NIGHT)
    db.commit()
    sweep(db, NIGHT)  # 22:00, inside the window
    assert alerts(db) == []
    back_online = {"status": "online", "offline_deadline_at": NIGHT + timedelta(hours=1)}
    db.execute(update(Terminal).where(Terminal.id == back.id).values(**back_online))
    db.commit()
    end = NIGHT + timedelta(minutes=30)  # 22:30, the window's end
    sweep(db, end)
    assert maintenance_windows.send_window_digests(db, now=end) == 1
    db.commit()
    assert alerts(db) == [(held.id, "offline", "open")]
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.ref_type == "fleet_maintenance_window"))
    assert "保留2件" in mail.subject
    db.commit()
    [shown] = sent_by_smtp(smtp_sink, mail.id)
    assert "夜間バッチ" in shown.text and "夜間バッチ" in shown.html
    assert shown.tables == [
        [
            ["店舗", "シリアル番号", "オフライン", "メンテナンス終了時点"],
            ["新宿店", held.serial_number, "2026-11-17 22:00", "応答なし（アラートを発行します）"],
            ["新宿店", back.serial_number, "2026-11-17 22:00", "応答あり"],
        ]
    ]
    assert maintenance_windows.send_window_digests(db, now=end + timedelta(minutes=1)) == 0
