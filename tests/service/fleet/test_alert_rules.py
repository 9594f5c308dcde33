"""Alert rules on the heartbeat path: error, high cpu/memory on consecutive beats, recovery, maintenance."""

from sqlalchemy import func, select

from service.database import utcnow
from service.fleet.agents import hash_secret
from service.fleet.heartbeats import Beat, TerminalState, evaluate, write_batch
from service.fleet.models import Alert
from service.fleet.schemas import HeartbeatIn
from tests.service.fleet.conftest import beat, make_customer, make_terminal, send, user_headers


def alerts_of(db, terminal_id):
    rows = db.execute(
        select(Alert.alert_type, Alert.status, Alert.resolved_by)
        .where(Alert.terminal_id == terminal_id)
        .order_by(Alert.id)
    ).all()
    db.commit()
    return [tuple(r) for r in rows]


def test_evaluate_needs_two_consecutive_high_beats():
    state = TerminalState(1, 1, "online", 0, 0, 300)
    first = evaluate(state, HeartbeatIn(**beat(cpu=95, memory=91)))
    assert first.to_open == {} and (first.high_cpu_streak, first.high_memory_streak) == (1, 1)
    state.high_cpu_streak, state.high_memory_streak = 1, 1
    second = evaluate(state, HeartbeatIn(**beat(cpu=90, memory=50)))
    assert set(second.to_open) == {"high_cpu"} and second.high_memory_streak == 0


def test_evaluate_in_maintenance_opens_nothing():
    state = TerminalState(1, 1, "maintenance", 5, 5, 300)
    verdict = evaluate(state, HeartbeatIn(**beat(status="error", cpu=99)))
    assert verdict.status == "maintenance" and verdict.to_open == {}


def test_error_status_opens_one_error_alert_and_recovery_resolves_it(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    send(client, token, status="error", error_message="プリンタ異常")
    send(client, token, status="error", error_message="プリンタ異常")
    assert alerts_of(db, terminal.id) == [("error", "open", "")]
    send(client, token)
    assert alerts_of(db, terminal.id) == [("error", "resolved", "system")]


def test_high_cpu_and_memory_open_on_the_second_beat_and_resolve_on_recovery(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    send(client, token, cpu=95, memory=92)
    assert alerts_of(db, terminal.id) == []
    send(client, token, cpu=96, memory=93)
    assert sorted(alerts_of(db, terminal.id)) == [("high_cpu", "open", ""), ("high_memory", "open", "")]
    send(client, token, cpu=97, memory=10)
    assert sorted(alerts_of(db, terminal.id)) == [("high_cpu", "open", ""), ("high_memory", "resolved", "system")]
    send(client, token, cpu=10, memory=10)
    assert all(status == "resolved" for _, status, _ in alerts_of(db, terminal.id))


def test_alternating_high_cpu_never_alerts(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    for cpu in (95, 50, 95, 50, 95):
        send(client, token, cpu=cpu)
    assert alerts_of(db, terminal.id) == []


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


def test_one_batch_with_an_error_and_its_recovery_leaves_no_open_alert(db):
    terminal, token = make_terminal(db, make_customer(db))
    beats = [Beat(hash_secret(token), HeartbeatIn(**beat(status=status))) for status in ("error", "online")]
    replies = write_batch(db, beats, now=utcnow())
    assert [r.interval_seconds for r in replies] == [300, 300]
    db.commit()
    assert alerts_of(db, terminal.id) == []


def test_resolving_alerts_of_thousands_of_terminals_at_once(db):
    from sqlalchemy import insert

    from service.fleet.alerts import NewAlert, open_alerts, resolve_alerts
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
