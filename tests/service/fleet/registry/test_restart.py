"""再起動: queued by a person for a terminal heard from now (端末詳細, or in bulk from the list), handed out once in a
heartbeat reply, closed by the agent's final report; never queued twice, never handed out after its deadline."""

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.fleet import labels
from service.fleet.models import Command, Terminal
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import agent_headers, ago, make_customer, make_terminal, send

BULK = "/api/fleet/terminals/bulk"


def restart(client, terminal_id: int, headers: dict[str, str]):
    return client.post(f"/api/fleet/terminals/{terminal_id}/restart", headers=headers)


def report(client, command_id: int, token: str, state: str, message: str = ""):
    body = {"state": state, "progress": 100 if state == "succeeded" else 0, "message": message}
    return client.post(f"/api/fleet/agent/commands/{command_id}/progress", json=body, headers=agent_headers(token))


def restarts(db) -> list[tuple[int, str]]:
    rows = db.execute(select(Command.terminal_id, Command.status).where(Command.type == "restart").order_by(Command.id))
    return [tuple(row) for row in rows]


def audited(db) -> list[tuple[str, dict]]:
    stmt = select(AuditEntry.target_id, AuditEntry.changes).where(AuditEntry.action == "command_restart")
    return [tuple(row) for row in db.execute(stmt.order_by(AuditEntry.id))]


def heard_terminals(client, db, customer, count: int, store: str = "渋谷店") -> list[tuple[Terminal, str]]:
    """Enrolled terminals that have just sent a heartbeat (their offline deadline ahead)."""
    made = [make_terminal(db, customer, f"TC200-{store}-{i:02d}", store_name=store) for i in range(count)]
    db.commit()
    for _, token in made:
        assert send(client, token).status_code == 200
    return made


@pytest.mark.dialect
def test_a_restart_is_handed_out_once_and_closed_by_the_agents_final_report(client, db):
    [(terminal, token)] = heard_terminals(client, db, make_customer(db), 1)
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()

    queued = restart(client, terminal.id, auth_headers(operator))

    assert queued.status_code == 201, queued.text
    command = queued.json()
    assert (command["type"], command["params"], command["status"]) == ("restart", {}, "pending")
    assert audited(db) == [(str(terminal.id), {"command_id": {"before": None, "after": command["id"]}})]
    db.commit()
    reply = send(client, token).json()
    assert reply["commands"] == [{"id": command["id"], "type": "restart", "params": {}}]
    assert send(client, token).json()["commands"] == [], "handed out once"

    assert report(client, command["id"], token, "restarting", "決済アプリを再起動中").status_code == 204
    assert report(client, command["id"], token, "succeeded", "決済アプリを再起動しました").status_code == 204
    again = report(client, command["id"], token, "succeeded", "決済アプリを再起動しました")

    assert again.status_code == 409 and again.json()["error"]["code"] == "command_finished"
    listed = client.get(f"/api/fleet/terminals/{terminal.id}/commands", headers=auth_headers(operator)).json()
    assert [(c["status"], c["state"], c["message"]) for c in listed] == [
        ("done", "succeeded", "決済アプリを再起動しました")
    ]
    db.commit()
    # and a second restart of the same terminal, now that the first is over, is a command of its own
    assert restart(client, terminal.id, auth_headers(operator)).json()["id"] != command["id"]


@pytest.mark.dialect
def test_a_restart_asked_again_while_one_waits_or_runs_is_the_same_command(client, db):
    [(terminal, token)] = heard_terminals(client, db, make_customer(db), 1)
    headers = auth_headers(make_user(db, "op1", grants={"fleet": "operator"}))
    db.commit()

    first = restart(client, terminal.id, headers).json()
    waiting = restart(client, terminal.id, headers).json()
    db.commit()
    assert [c["type"] for c in send(client, token).json()["commands"]] == ["restart"]
    running = restart(client, terminal.id, headers).json()
    in_bulk = client.post(BULK, json={"ids": [terminal.id], "action": "restart"}, headers=headers)

    assert first["id"] == waiting["id"] == running["id"]
    assert in_bulk.status_code == 200 and in_bulk.json()["ids"] == [terminal.id]
    assert restarts(db) == [(terminal.id, "sent")]
    assert len(audited(db)) == 1, "asked again: nothing new happened, nothing more audited"


@pytest.mark.dialect
def test_only_a_terminal_heard_from_now_is_restarted_in_maintenance_too(client, db):
    customer = make_customer(db)
    silent, _ = make_terminal(db, customer, "TC200-SILENT", status="offline", offline_deadline_at=ago(minutes=1))
    never, _ = make_terminal(db, customer, "TC200-NEVER")
    bare, _ = make_terminal(db, customer, "TC200-NOAGENT", enrolled=False)
    resting, resting_token = make_terminal(db, customer, "TC200-REST", status="maintenance")
    gone, _ = make_terminal(db, customer, "TC200-GONE", status="maintenance", offline_deadline_at=ago(minutes=1))
    headers = auth_headers(make_user(db, "op1", grants={"fleet": "operator"}))
    db.commit()
    assert send(client, resting_token).status_code == 200  # heard while in maintenance: it stays there

    refused = {t.serial_number: restart(client, t.id, headers) for t in (silent, never, gone, bare)}
    allowed = restart(client, resting.id, headers)

    assert {serial: r.status_code for serial, r in refused.items()} == dict.fromkeys(refused, 409)
    for serial in ("TC200-SILENT", "TC200-NEVER", "TC200-GONE"):
        error = refused[serial].json()["error"]
        assert (error["code"], error["message"]) == ("terminal_unheard", labels.RESTART_UNHEARD)
    assert refused["TC200-NOAGENT"].json()["error"]["code"] == "terminal_not_enrolled"
    assert allowed.status_code == 201
    assert restarts(db) == [(resting.id, "pending")]
    assert [target for target, _ in audited(db)] == [str(resting.id)]
    assert db.scalar(select(Terminal.status).where(Terminal.id == resting.id)) == "maintenance"


@pytest.mark.dialect
def test_a_restart_the_terminal_did_not_fetch_by_its_deadline_is_cancelled_not_run_late(client, db):
    [(terminal, token)] = heard_terminals(client, db, make_customer(db), 1)
    headers = auth_headers(make_user(db, "op1", grants={"fleet": "operator"}))
    db.commit()
    command_id = restart(client, terminal.id, headers).json()["id"]
    db.get(Command, command_id).expires_at = ago(seconds=1)  # the terminal went silent past its offline deadline
    db.commit()

    reply = send(client, token).json()  # and comes back

    assert reply["commands"] == []
    command = db.get(Command, command_id)
    db.refresh(command)
    assert (command.status, command.message, command.sent_at) == ("cancelled", labels.COMMAND_EXPIRED, None)
    db.commit()
    assert restart(client, terminal.id, headers).json()["id"] != command_id, "heard again: a new restart may go"


@pytest.mark.dialect
def test_everything_the_filter_selects_is_restarted_at_the_count_confirmed_and_a_stale_count_changes_nothing(
    client, db
):
    customer = make_customer(db)
    shibuya = heard_terminals(client, db, customer, 3)
    heard_terminals(client, db, customer, 2, "新宿店")
    headers = auth_headers(make_user(db, "op1", grants={"fleet": "operator"}))
    db.commit()
    everything = {"filter": {"q": "渋谷"}, "action": "restart"}

    stale = client.post(BULK, json=everything | {"expected": 2}, headers=headers)

    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "bulk_count_changed"
    assert error["message"] == labels.BULK_ALL_CHANGED.format(expected="2", count="3")
    assert restarts(db) == [] and audited(db) == []
    db.commit()

    answer = client.post(BULK, json=everything | {"expected": 3}, headers=headers)

    assert answer.status_code == 200, answer.text
    ids = [t.id for t, _ in shibuya]
    assert answer.json() == {"action": "restart", "count": 3, "ids": ids}
    assert restarts(db) == [(i, "pending") for i in ids]
    assert [target for target, _ in audited(db)] == [str(i) for i in ids]


@pytest.mark.dialect
def test_a_silent_terminal_among_the_chosen_refuses_the_whole_bulk_restart(client, db):
    customer = make_customer(db)
    heard = heard_terminals(client, db, customer, 2)
    silent, _ = make_terminal(db, customer, "TC200-SILENT", status="offline")
    headers = auth_headers(make_user(db, "op1", grants={"fleet": "operator"}))
    db.commit()

    refused = client.post(
        BULK, json={"ids": [t.id for t, _ in heard] + [silent.id], "action": "restart"}, headers=headers
    )

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["message"].startswith(f"TC200-SILENT: {labels.RESTART_UNHEARD}")
    assert error["details"]["id"] == silent.id
    assert restarts(db) == [] and audited(db) == []


@pytest.mark.dialect
def test_another_customers_terminal_and_command_are_not_found_and_support_may_not_restart(client, db):
    mine, theirs = make_customer(db), make_customer(db, "XYZ商店")
    my_terminal, my_token = make_terminal(db, mine, "TC200-MINE")
    their_terminal, their_token = make_terminal(db, theirs, "TC200-THEIRS")
    scoped = auth_headers(make_user(db, "op1", grants={"fleet": ("operator", str(mine.id))}))
    admin = auth_headers(make_user(db, "admin1", grants={"fleet": "admin"}))
    support = auth_headers(make_user(db, "support1", grants={"fleet": "support"}))
    db.commit()
    for token in (my_token, their_token):
        send(client, token)
    their_command = restart(client, their_terminal.id, admin).json()["id"]

    assert restart(client, their_terminal.id, scoped).status_code == 404
    assert (
        client.post(
            BULK, json={"ids": [my_terminal.id, their_terminal.id], "action": "restart"}, headers=scoped
        ).status_code
        == 404
    )
    assert report(client, their_command, my_token, "succeeded").status_code == 404
    assert restart(client, my_terminal.id, support).status_code == 403
    assert restarts(db) == [(their_terminal.id, "pending")]
