from datetime import datetime

import pytest
from sqlalchemy import func, select

from service.database import get_engine, utcnow
from service.fleet.models import Alert, Command, MetricSample, Terminal, TerminalEvent
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import agent_headers, beat, make_customer, make_terminal, send, user_headers
from tests.support.database import drop_other_connections

ENROLL = "/api/fleet/agent/enroll"


def enroll_body(code, serial="TC200-0001"):
    return {"enrollment_code": code, "serial_number": serial, "firmware_version": "1.2.0", "agent_version": "0.3.0"}


@pytest.mark.dialect
def test_enrolment_gives_a_token_that_heartbeats(client, db):
    customer = make_customer(db)
    terminal, _ = make_terminal(db, customer, enrolled=False)
    headers = user_headers(db)
    db.commit()
    code = client.post(f"/api/fleet/terminals/{terminal.id}/enrollment-code", headers=headers).json()["code"]
    response = client.post(ENROLL, json=enroll_body(code))
    assert response.status_code == 201
    body = response.json()
    assert body["terminal_id"] == terminal.id and body["interval_seconds"] == 300
    stored = db.scalar(select(Terminal.token_hash).where(Terminal.id == terminal.id))
    assert stored and body["token"] not in stored
    db.commit()
    assert send(client, body["token"]).status_code == 200
    again = client.post(ENROLL, json=enroll_body(code))
    assert again.status_code == 409 and again.json()["error"]["code"] == "enrollment_code_used"


def test_wrong_expired_or_foreign_codes_are_refused(client, db):
    customer = make_customer(db)
    terminal, _ = make_terminal(db, customer, enrolled=False)
    headers = user_headers(db)
    db.commit()
    assert client.post(ENROLL, json=enroll_body("AAAA-BBBB-CCCC")).status_code == 401
    code = client.post(f"/api/fleet/terminals/{terminal.id}/enrollment-code", headers=headers).json()["code"]
    mismatch = client.post(ENROLL, json=enroll_body(code, serial="TC200-9999"))
    assert mismatch.status_code == 401 and mismatch.json()["error"]["code"] == "enrollment_serial_mismatch"
    newer = client.post(f"/api/fleet/terminals/{terminal.id}/enrollment-code", headers=headers).json()["code"]
    expired = client.post(ENROLL, json=enroll_body(code))
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "enrollment_code_expired"
    assert client.post(ENROLL, json=enroll_body(newer)).status_code == 201


@pytest.mark.dialect
def test_heartbeat_updates_state_and_stores_metrics_and_events_once(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    event = {
        "client_event_id": "e-1",
        "occurred_at": "2026-11-21T09:00:00+09:00",
        "level": "warning",
        "kind": "usb",
        "message": "USB再接続",
    }
    for _ in range(2):
        response = send(client, token, cpu=55.5, firmware_version="1.3.0", events=[event])
        assert response.status_code == 200
        assert response.json() == {"interval_seconds": 300, "commands": []}
    db.expire_all()
    stored = db.get(Terminal, terminal.id)
    assert (stored.status, stored.cpu_usage, stored.firmware_version) == ("online", 55.5, "1.3.0")
    assert stored.last_heartbeat_at is not None
    assert db.scalar(select(func.count()).select_from(MetricSample)) == 2
    assert db.scalar(select(func.count()).select_from(TerminalEvent)) == 1


@pytest.mark.dialect
def test_bad_tokens_are_401(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    user = make_user(db, "op", grants={"fleet": "admin"})
    db.commit()
    for headers in ({}, agent_headers("tct_unknown"), auth_headers(user), {"Authorization": "Basic abc"}):
        response = client.post("/api/fleet/agent/heartbeat", json=beat(), headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_terminal_token"


@pytest.mark.dialect
def test_revoked_and_rotated_tokens_stop_working(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    headers = user_headers(db)
    db.commit()
    assert send(client, token).status_code == 200
    rotated = client.post("/api/fleet/agent/token/rotate", headers=agent_headers(token))
    assert rotated.status_code == 200
    new_token = rotated.json()["token"]
    assert send(client, token).status_code == 401
    assert send(client, new_token).status_code == 200
    assert client.post(f"/api/fleet/terminals/{terminal.id}/revoke-token", headers=headers).status_code == 204
    assert send(client, new_token).status_code == 401


def test_bad_metrics_are_422_and_nothing_is_stored(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    for bad in (
        {"cpu": -1},
        {"memory": 100.5},
        {"disk": "NaN"},
        {"status": "maintenance"},
        {"sent_at": "2026-11-21T09:00"},
        {"events": [{"client_event_id": "x"}]},
    ):
        response = send(client, token, **bad)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "validation_failed"
    nan = client.post(
        "/api/fleet/agent/heartbeat",
        content=b'{"cpu": NaN}',
        headers=agent_headers(token) | {"content-type": "application/json"},
    )
    assert nan.status_code in (400, 422)
    too_many = [
        {"client_event_id": str(i), "occurred_at": "2026-11-21T00:00:00Z", "level": "info", "kind": "k"}
        for i in range(501)
    ]
    assert send(client, token, events=too_many).status_code == 422
    assert db.scalar(select(func.count()).select_from(MetricSample)) == 0
    assert db.scalar(select(Terminal.last_heartbeat_at).where(Terminal.id == terminal.id)) is None


@pytest.mark.parametrize("sent", [0, "1700000000", "2026-11-21 09:00 JST"])
def test_agent_times_that_are_not_iso_with_a_zone_are_422(client, db, sent):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    event = {"client_event_id": "e-1", "occurred_at": sent, "level": "info", "kind": "k"}
    for response in (send(client, token, events=[event]), send(client, token, sent_at=sent)):
        assert response.status_code == 422, response.text
        assert [d["rule"] for d in response.json()["error"]["details"]] == ["iso_datetime"]
    assert db.scalar(select(func.count()).select_from(TerminalEvent)) == 0


WRONG_CLOCKS = ["0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-09:00", "1999-12-31T23:59:59Z"]


@pytest.mark.dialect
@pytest.mark.parametrize("device_time", WRONG_CLOCKS)
def test_a_wrong_device_clock_never_has_a_heartbeat_refused(client, db, device_time):
    terminal, token = make_terminal(db, make_customer(db))
    reader = user_headers(db)
    db.commit()
    event = {"client_event_id": "e-1", "occurred_at": device_time, "level": "error", "kind": "k", "message": "停止"}
    before = utcnow()
    assert send(client, token, sent_at=device_time, events=[event]).status_code == 200
    assert db.scalar(select(Terminal.last_heartbeat_at).where(Terminal.id == terminal.id)) is not None
    db.commit()
    answer = client.get(f"/api/fleet/terminals/{terminal.id}/events", headers=reader)
    assert answer.status_code == 200, answer.text
    stored = answer.json()["items"][0]
    assert datetime.fromisoformat(stored["occurred_at"]) >= before.replace(microsecond=0)
    assert stored["message"] == f"停止（端末の時計では {datetime.fromisoformat(device_time).isoformat()}）"


@pytest.mark.dialect
def test_event_times_from_2000_on_are_kept_as_sent(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    reader = user_headers(db)
    db.commit()
    event = {"client_event_id": "e-1", "occurred_at": "2000-01-01T09:00:00+09:00", "level": "info", "kind": "k"}
    assert send(client, token, events=[event]).status_code == 200
    stored = client.get(f"/api/fleet/terminals/{terminal.id}/events", headers=reader).json()["items"][0]
    assert stored["occurred_at"].startswith("2000-01-01T00:00:00") and stored["message"] == ""


def test_validate_endpoint_checks_but_stores_nothing(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    db.commit()
    ok = client.post("/api/fleet/agent/heartbeat/validate", json=beat(), headers=agent_headers(token))
    assert ok.status_code == 200 and ok.json() == {"valid": True}
    assert (
        client.post("/api/fleet/agent/heartbeat/validate", json=beat(cpu=101), headers=agent_headers(token)).status_code
        == 422
    )
    assert (
        client.post("/api/fleet/agent/heartbeat/validate", json=beat(), headers=agent_headers("tct_x")).status_code
        == 401
    )
    assert db.scalar(select(func.count()).select_from(MetricSample)) == 0


@pytest.mark.dialect
def test_commands_arrive_once_and_diagnostics_come_back(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    headers = user_headers(db)
    db.commit()
    requested = client.post(f"/api/fleet/terminals/{terminal.id}/diagnostics", json={"max_lines": 2}, headers=headers)
    assert requested.status_code == 201
    interval = client.post(
        f"/api/fleet/terminals/{terminal.id}/interval", json={"interval_seconds": 60}, headers=headers
    )
    assert interval.status_code == 201
    reply = send(client, token).json()
    assert reply["interval_seconds"] == 60
    assert [(c["type"], c["params"]) for c in reply["commands"]] == [
        ("collect_diagnostics", {"max_lines": 2}),
        ("set_interval", {"interval_seconds": 60}),
    ]
    assert send(client, token).json()["commands"] == []
    command_id = reply["commands"][0]["id"]
    upload = {"command_id": command_id, "collected_at": "2099-11-21T09:00:00Z", "lines": ["a", "b", "c"]}
    assert client.post("/api/fleet/agent/diagnostics", json=upload, headers=agent_headers(token)).status_code == 202
    diagnostics = client.get(f"/api/fleet/terminals/{terminal.id}/diagnostics", headers=headers).json()
    assert diagnostics[0]["lines"] == ["b", "c"]
    assert diagnostics[0]["collected_at"] == diagnostics[0]["received_at"]  # a device clock 73 years ahead
    assert client.post("/api/fleet/agent/diagnostics", json=upload, headers=agent_headers(token)).status_code == 409
    assert db.scalar(select(Command.status).where(Command.id == command_id)) == "done"


def test_another_terminals_command_is_404(client, db):
    customer = make_customer(db)
    first, first_token = make_terminal(db, customer)
    second, second_token = make_terminal(db, customer, serial="TC200-0002")
    headers = user_headers(db)
    db.commit()
    command_id = client.post(f"/api/fleet/terminals/{first.id}/diagnostics", json={}, headers=headers).json()["id"]
    progress = client.post(
        f"/api/fleet/agent/commands/{command_id}/progress",
        json={"state": "succeeded", "progress": 100},
        headers=agent_headers(second_token),
    )
    assert progress.status_code == 404
    assert db.scalar(select(func.count()).select_from(Alert)) == 0


@pytest.mark.dialect
def test_concurrent_heartbeats_share_transactions_and_every_acknowledged_one_is_stored(client, db):
    from concurrent.futures import ThreadPoolExecutor

    customer = make_customer(db)
    tokens = [make_terminal(db, customer, serial=f"TC-{i:03d}")[1] for i in range(40)]
    db.commit()
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda t: send(client, t, cpu=12.5).status_code, tokens * 2))
    assert statuses == [200] * 80
    assert db.scalar(select(func.count()).select_from(MetricSample)) == 80
    assert db.scalar(select(func.count()).select_from(Terminal).where(Terminal.cpu_usage == 12.5)) == 40


@pytest.mark.postgres_only
def test_heartbeats_are_stored_after_the_database_dropped_every_connection(client, db):
    """Every connection of the pool dies, as when PostgreSQL restarts; the next beats are stored all the same (the
    pool throws the dead ones away and reconnects)."""
    _, token = make_terminal(db, make_customer(db))
    db.commit()
    assert send(client, token, cpu=11.0).status_code == 200
    assert drop_other_connections(get_engine()) >= 1
    assert [send(client, token, cpu=cpu).status_code for cpu in (22.0, 33.0)] == [200, 200]
    assert db.scalars(select(MetricSample.cpu).order_by(MetricSample.id)).all() == [11.0, 22.0, 33.0]
    assert db.scalar(select(Terminal.cpu_usage)) == 33.0


def test_the_terminal_page_s_ranges_are_the_ones_the_api_takes(client, db):
    terminal, _ = make_terminal(db, make_customer(db))
    headers = user_headers(db)
    db.commit()
    vocabulary = client.get("/api/fleet/vocabulary", headers=headers).json()
    lines, interval = vocabulary["diagnostic_lines"], vocabulary["interval_seconds"]
    assert (lines, interval) == ({"min": 1, "max": 2000, "default": 500}, {"min": 30, "max": 3600})
    asks = {"diagnostics": ("max_lines", lines), "interval": ("interval_seconds", interval)}
    for route, (name, served) in asks.items():
        url = f"/api/fleet/terminals/{terminal.id}/{route}"
        for refused in (served["min"] - 1, served["max"] + 1):
            assert client.post(url, json={name: refused}, headers=headers).status_code == 422, (route, refused)
        assert client.post(url, json={name: served["max"]}, headers=headers).status_code == 201
    assert client.post(f"/api/fleet/terminals/{terminal.id}/diagnostics", json={}, headers=headers).status_code == 201
