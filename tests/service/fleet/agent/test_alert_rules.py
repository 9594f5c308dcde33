"""Alert rules on the heartbeat path: error, store-PC cpu/memory high on N beats in a row, recovery, maintenance."""

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from service.config import Settings, get_settings
from service.database import utcnow
from service.fleet.agent.heartbeats import Beat, TerminalState, evaluate, write_batch
from service.fleet.credentials import hash_secret
from service.fleet.models import Alert
from service.fleet.wire import HeartbeatIn
from tests.service.fleet.conftest import beat, make_customer, make_terminal, send, user_headers


def alerts_of(db, terminal_id):
    rows = db.execute(
        select(Alert.alert_type, Alert.status, Alert.resolved_by)
        .where(Alert.terminal_id == terminal_id)
        .order_by(Alert.id)
    ).all()
    db.commit()
    return [tuple(r) for r in rows]


def test_evaluate_opens_on_the_third_consecutive_high_beat_by_default():
    assert get_settings().fleet_high_usage_consecutive == 3
    state = TerminalState(1, 1, "online", {"high_cpu": 1, "high_memory": 1}, 300)
    second = evaluate(state, HeartbeatIn(**beat(cpu=95, memory=91)))
    assert second.to_open == {} and second.usage_streaks == {"high_cpu": 2, "high_memory": 2}
    state.usage_streaks = second.usage_streaks
    third = evaluate(state, HeartbeatIn(**beat(cpu=90, memory=50)))
    assert third.to_open == {"high_cpu": "店舗PC CPU使用率が90%です（3回連続で90%以上）"}
    assert third.usage_streaks == {"high_cpu": 3}


def test_a_streak_of_no_beats_is_refused_as_configuration():
    with pytest.raises(ValidationError, match="fleet_high_usage_consecutive"):
        Settings(fleet_high_usage_consecutive=0)
    assert Settings(fleet_high_usage_consecutive=1).fleet_high_usage_consecutive == 1


def test_evaluate_in_maintenance_opens_nothing():
    state = TerminalState(1, 1, "maintenance", {"high_cpu": 5, "high_memory": 5}, 300)
    verdict = evaluate(state, HeartbeatIn(**beat(status="error", cpu=99)))
    assert verdict.status == "maintenance" and verdict.to_open == {}


@pytest.mark.dialect
def test_error_status_opens_one_error_alert_and_recovery_resolves_it(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    send(client, token, status="error", error_message="プリンタ異常")
    send(client, token, status="error", error_message="プリンタ異常")
    assert alerts_of(db, terminal.id) == [("error", "open", "")]
    send(client, token)
    assert alerts_of(db, terminal.id) == [("error", "resolved", "システム")]


@pytest.mark.dialect
def test_one_high_sample_opens_nothing_and_a_sustained_load_opens_exactly_one_alert(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    send(client, token, cpu=99, memory=99)
    assert alerts_of(db, terminal.id) == []
    for _ in range(3):
        send(client, token, cpu=95, memory=92)
    assert sorted(alerts_of(db, terminal.id)) == [("high_cpu", "open", ""), ("high_memory", "open", "")]
    for _ in range(3):
        send(client, token, cpu=97, memory=93)
    assert sorted(alerts_of(db, terminal.id)) == [("high_cpu", "open", ""), ("high_memory", "open", "")]
    send(client, token, cpu=97, memory=10)
    send(client, token, cpu=10, memory=10)
    assert sorted(alerts_of(db, terminal.id)) == [("high_cpu", "open", ""), ("high_memory", "open", "")]
    send(client, token, cpu=10, memory=10)  # the third beat below for memory, the second for cpu
    assert sorted(alerts_of(db, terminal.id)) == [("high_cpu", "open", ""), ("high_memory", "resolved", "システム")]
    send(client, token, cpu=10, memory=10)
    assert all(status == "resolved" for _, status, _ in alerts_of(db, terminal.id))


@pytest.mark.dialect
def test_a_load_hovering_at_the_threshold_keeps_one_alert_open(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    for cpu in (95, 95, 95, 50, 95, 50, 50, 95, 50):
        send(client, token, cpu=cpu)
    assert alerts_of(db, terminal.id) == [("high_cpu", "open", "")]
    for _ in range(2):
        send(client, token, cpu=50)
    assert alerts_of(db, terminal.id) == [("high_cpu", "resolved", "システム")]


@pytest.mark.dialect
def test_a_sample_below_the_threshold_starts_the_count_again(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    for cpu in (95, 95, 50, 95, 95, 50, 95, 95):
        send(client, token, cpu=cpu)
    assert alerts_of(db, terminal.id) == []


@pytest.mark.dialect
def test_two_agents_on_one_busy_pc_raise_one_alert_each_in_25_minutes(client, db):
    """Five beats each at the 5-minute interval, the PC at 91–99 % throughout: each terminal alerts once."""
    customer = make_customer(db)
    first, second = make_terminal(db, customer, "TC-A"), make_terminal(db, customer, "TC-B")
    db.commit()
    for cpu in (97.7, 91.0, 99.0, 94.5, 98.2):
        for _, token in (first, second):
            send(client, token, cpu=cpu)
    assert [alerts_of(db, terminal.id) for terminal, _ in (first, second)] == [[("high_cpu", "open", "")]] * 2
    assert db.scalar(select(Alert.message).where(Alert.terminal_id == first[0].id)) == (
        "店舗PC CPU使用率が99%です（3回連続で90%以上）"
    )


@pytest.mark.dialect
def test_maintenance_resolves_open_alerts_and_opens_none(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    headers = user_headers(db)
    db.commit()
    send(client, token, status="error")
    response = client.post(f"/api/fleet/terminals/{terminal.id}/maintenance", json={"enabled": True}, headers=headers)
    assert response.json()["status"] == "maintenance"
    for _ in range(3):
        send(client, token, status="error", cpu=99)
    assert alerts_of(db, terminal.id) == [("error", "resolved", "operator1")]
    back = client.post(f"/api/fleet/terminals/{terminal.id}/maintenance", json={"enabled": False}, headers=headers)
    assert back.json()["status"] == "error"
    send(client, token, status="error")
    assert alerts_of(db, terminal.id)[-1] == ("error", "open", "")


@pytest.mark.dialect
def test_one_batch_with_an_error_and_its_recovery_leaves_no_open_alert(db):
    terminal, token = make_terminal(db, make_customer(db))
    beats = [Beat(hash_secret(token), HeartbeatIn(**beat(status=status))) for status in ("error", "online")]
    replies = write_batch(db, beats, now=utcnow())
    assert [r.interval_seconds for r in replies] == [300, 300]
    db.commit()
    assert alerts_of(db, terminal.id) == []


@pytest.mark.dialect
def test_resolving_alerts_of_thousands_of_terminals_at_once(db):
    from sqlalchemy import insert

    from service.fleet.alerting.alerts import NewAlert, open_alerts, resolve_alerts
    from service.fleet.models import Terminal

    customer = make_customer(db)
    db.execute(
        insert(Terminal),
        [{"serial_number": f"BULK-{n:05d}", "customer_id": customer.id, "store_name": "店"} for n in range(1500)],
    )
    ids = db.scalars(select(Terminal.id)).all()
    open_alerts(
        db, [NewAlert(t, customer.id, kind, "x") for t in ids for kind in ("offline", "update_failed")], now=utcnow()
    )
    assert resolve_alerts(db, [(t, "offline") for t in ids], now=utcnow()) == 1500
    assert db.scalar(select(func.count()).select_from(Alert).where(Alert.status != "resolved")) == 1500
