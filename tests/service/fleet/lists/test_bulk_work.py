"""Bulk work on the fleet lists (一括操作): one request, all or nothing, one audit entry per record; 初動確認 takes the
alert; saved views per person."""

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.fleet.alerting.alerts import NewAlert, open_alerts
from service.fleet.models import Alert, Command, Incident, SavedView, Terminal
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal


def audited(db, action: str, target_type: str) -> list[str]:
    stmt = select(AuditEntry.target_id).where(AuditEntry.action == action, AuditEntry.target_type == target_type)
    return sorted(db.scalars(stmt).all(), key=int)


def a_store(db, customer, count: int, store: str = "渋谷店") -> list[Terminal]:
    return [make_terminal(db, customer, f"TC200-{store}-{i:02d}", store_name=store)[0] for i in range(count)]


def morning_alerts(db, customer, count: int, store: str = "朝") -> list[int]:
    terminals = a_store(db, customer, count, store)
    open_alerts(db, [NewAlert(t.id, customer.id, "offline", "オフライン") for t in terminals], now=ago(minutes=3))
    return list(db.scalars(select(Alert.id).where(Alert.customer_id == customer.id).order_by(Alert.id)))


@pytest.mark.dialect
def test_a_stores_eight_terminals_go_into_maintenance_in_one_request(client, db):
    customer = make_customer(db)
    store = a_store(db, customer, 8)
    open_alerts(db, [NewAlert(store[0].id, customer.id, "error", "プリンタ異常")], now=ago(minutes=1))
    headers = auth_headers(make_user(db, "op1", grants={"fleet": "operator"}))
    ids = [t.id for t in store]
    db.commit()

    answer = client.post("/api/fleet/terminals/bulk", json={"ids": ids, "action": "maintenance_on"}, headers=headers)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"action": "maintenance_on", "count": 8, "ids": ids}
    db.expire_all()
    assert {db.get(Terminal, i).status for i in ids} == {"maintenance"}
    assert audited(db, "maintenance", "terminal") == [str(i) for i in ids]
    assert db.scalar(select(Alert.status)) == "resolved"  # entering maintenance resolves the terminal's alerts
    db.commit()  # the read ends: the API's next request is not kept waiting on SQLite
    # and out again, the same way (the second use of the same selection)
    back = client.post("/api/fleet/terminals/bulk", json={"ids": ids, "action": "maintenance_off"}, headers=headers)
    assert back.status_code == 200
    db.expire_all()
    assert "maintenance" not in {db.get(Terminal, i).status for i in ids}
    assert len(audited(db, "maintenance", "terminal")) == 16


@pytest.mark.dialect
def test_bulk_diagnostics_queue_a_command_per_terminal(client, db):
    customer = make_customer(db)
    ids = [t.id for t in a_store(db, customer, 3)]
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    body = {"ids": ids, "action": "diagnostics", "max_lines": 200}

    assert client.post("/api/fleet/terminals/bulk", json=body, headers=auth_headers(support)).status_code == 403
    assert client.post("/api/fleet/terminals/bulk", json=body, headers=auth_headers(operator)).status_code == 200
    commands = db.scalars(select(Command).order_by(Command.terminal_id)).all()
    assert [(c.terminal_id, c.type, c.params) for c in commands] == [
        (i, "collect_diagnostics", {"max_lines": 200}) for i in ids
    ]
    assert audited(db, "command_collect_diagnostics", "terminal") == [str(i) for i in ids]


@pytest.mark.dialect
def test_a_terminal_that_refuses_the_action_refuses_the_whole_request(client, db):
    customer = make_customer(db)
    enrolled = a_store(db, customer, 2)
    bare, _ = make_terminal(db, customer, "TC200-NOAGENT", enrolled=False)
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    body = {"ids": [t.id for t in enrolled] + [bare.id], "action": "diagnostics"}

    refused = client.post("/api/fleet/terminals/bulk", json=body, headers=auth_headers(operator))

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["message"].startswith("TC200-NOAGENT: この端末はエージェントが登録されていません")
    assert error["details"]["id"] == bare.id
    assert db.scalar(select(func.count()).select_from(Command)) == 0
    assert audited(db, "command_collect_diagnostics", "terminal") == []


@pytest.mark.dialect
def test_38_morning_alerts_acknowledged_at_once_and_taken_by_who_pressed(client, db):
    customer = make_customer(db)
    ids = morning_alerts(db, customer, 38)
    support = make_user(db, "support1", grants={"fleet": "support"})
    colleague = make_user(db, "support2", grants={"fleet": "support"})
    db.get(Alert, ids[0]).assignee_id = colleague.id  # already worked by someone: keeps them
    db.commit()

    answer = client.post(
        "/api/fleet/alerts/bulk", json={"ids": ids, "action": "acknowledge"}, headers=auth_headers(support)
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 38
    db.expire_all()
    rows = db.scalars(select(Alert).order_by(Alert.id)).all()
    assert {(a.status, a.acknowledged_by) for a in rows} == {("acknowledged", "support1")}
    assert [a.assignee_id for a in rows] == [colleague.id] + [support.id] * 37
    assert audited(db, "acknowledge", "alert") == [str(i) for i in ids]


@pytest.mark.dialect
def test_another_customers_id_refuses_the_whole_bulk_request(client, db):
    mine, theirs = make_customer(db), make_customer(db, "XYZ商店")
    ids = morning_alerts(db, mine, 5)
    foreign = morning_alerts(db, theirs, 1, "XYZ")[0]
    foreign_terminal = make_terminal(db, theirs, "TC200-XYZ")[0]
    scoped = make_user(db, "support1", grants={"fleet": ("support", str(mine.id))})
    operator = make_user(db, "op1", grants={"fleet": ("operator", str(mine.id))})
    own_terminals = [t.id for t in a_store(db, mine, 3)]
    db.commit()

    alerts = client.post(
        "/api/fleet/alerts/bulk", json={"ids": [*ids, foreign], "action": "acknowledge"}, headers=auth_headers(scoped)
    )
    terminals = client.post(
        "/api/fleet/terminals/bulk",
        json={"ids": [*own_terminals, foreign_terminal.id], "action": "maintenance_on"},
        headers=auth_headers(operator),
    )

    assert (alerts.status_code, terminals.status_code) == (404, 404)
    assert alerts.json()["error"]["message"] == "指定されたデータは見つかりません"
    db.expire_all()
    assert {a.status for a in db.scalars(select(Alert))} == {"open"}
    assert "maintenance" not in {t.status for t in db.scalars(select(Terminal))}
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.domain == "fleet")) == 0


@pytest.mark.dialect
def test_a_resolved_alert_in_the_selection_refuses_all_and_is_named(client, db):
    ids = morning_alerts(db, make_customer(db), 4)
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.get(Alert, ids[2]).status = "resolved"
    db.commit()

    refused = client.post(
        "/api/fleet/alerts/bulk",
        json={"ids": ids, "action": "resolve", "note": "一斉復旧"},
        headers=auth_headers(support),
    )

    assert refused.status_code == 409
    assert refused.json()["error"]["message"].startswith(f"アラート #{ids[2]}: 解決済みのアラートは変更できません")
    db.expire_all()
    assert [a.status for a in db.scalars(select(Alert).order_by(Alert.id))] == ["open", "open", "resolved", "open"]


@pytest.mark.dialect
def test_bulk_resolve_and_assign_apply_the_same_note_and_person(client, db):
    ids = morning_alerts(db, make_customer(db), 3)
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    headers = auth_headers(support)

    assign = {"ids": ids, "action": "assign", "assignee_id": support.id}
    assert client.post("/api/fleet/alerts/bulk", json=assign, headers=headers).status_code == 200
    resolve = {"ids": ids, "action": "resolve", "note": "回線業者の障害復旧"}
    assert client.post("/api/fleet/alerts/bulk", json=resolve, headers=headers).status_code == 200

    for alert_id in ids:
        notes = client.get(f"/api/fleet/alerts/{alert_id}/notes", headers=headers).json()
        assert [n["body"] for n in notes] == ["回線業者の障害復旧"]
        assert client.get(f"/api/fleet/alerts/{alert_id}", headers=headers).json()["assignee_name"] == "support1"
    assert audited(db, "assign", "alert") == audited(db, "resolve", "alert") == [str(i) for i in ids]


@pytest.mark.dialect
def test_bulk_incidents_are_acknowledged_with_their_alerts(client, db):
    customer = make_customer(db)
    ids = morning_alerts(db, customer, 4)
    incident = Incident(customer_id=customer.id, alert_type="offline", status="open", created_at=ago(minutes=3))
    db.add(incident)
    db.flush()
    for alert_id in ids:
        db.get(Alert, alert_id).incident_id = incident.id
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()

    answer = client.post(
        "/api/fleet/incidents/bulk",
        json={"ids": [incident.id], "action": "acknowledge"},
        headers=auth_headers(support),
    )

    assert answer.status_code == 200, answer.text
    db.expire_all()
    assert (db.get(Incident, incident.id).status, db.get(Incident, incident.id).assignee_id) == (
        "acknowledged",
        support.id,
    )
    assert {a.assignee_id for a in db.scalars(select(Alert))} == {support.id}
    assert audited(db, "acknowledge", "incident") == [str(incident.id)]
    assert audited(db, "acknowledge", "alert") == [str(i) for i in ids]


def test_a_bulk_request_has_a_limit_and_needs_a_selection(client, db):
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    too_many = client.post(
        "/api/fleet/alerts/bulk",
        json={"ids": list(range(1, 502)), "action": "acknowledge"},
        headers=auth_headers(support),
    )
    assert too_many.status_code == 422
    assert [d["message"] for d in too_many.json()["error"]["details"]] == ["対象: 500件以内で指定してください"]
    empty = client.post(
        "/api/fleet/alerts/bulk", json={"ids": [], "action": "acknowledge"}, headers=auth_headers(support)
    )
    assert empty.status_code == 422


@pytest.mark.dialect
def test_a_platform_admin_without_a_fleet_grant_acknowledges_without_taking(client, db):
    alert_id = morning_alerts(db, make_customer(db), 1)[0]
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()
    answer = client.post(f"/api/fleet/alerts/{alert_id}/acknowledge", headers=auth_headers(admin)).json()
    assert (answer["status"], answer["assignee_id"]) == ("acknowledged", None)


def test_saved_views_belong_to_their_person(client, db):
    me = make_user(db, "support1", grants={"fleet": "support"})
    other = make_user(db, "support2", grants={"fleet": "support"})
    db.commit()
    mine, theirs = auth_headers(me), auth_headers(other)
    view = {"page": "alerts", "name": "朝の未解決", "filters": {"open_only": True, "alert_type": "offline"}}

    created = client.post("/api/fleet/views", json=view, headers=mine)
    assert created.status_code == 201
    second = client.post("/api/fleet/views", json=view | {"name": "SLA超過"}, headers=mine)
    assert second.status_code == 201
    again = client.post("/api/fleet/views", json=view, headers=mine)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "同じ名前のビューがすでにあります: 朝の未解決"
    assert client.post("/api/fleet/views", json=view, headers=theirs).status_code == 201  # a name per person

    listed = client.get("/api/fleet/views", params={"page": "alerts"}, headers=mine).json()
    assert [(v["name"], v["filters"]) for v in listed] == [
        ("SLA超過", view["filters"]),
        ("朝の未解決", view["filters"]),
    ]
    assert client.get("/api/fleet/views", params={"page": "terminals"}, headers=mine).json() == []
    view_id = created.json()["id"]
    assert client.delete(f"/api/fleet/views/{view_id}", headers=theirs).status_code == 404
    assert client.delete(f"/api/fleet/views/{view_id}", headers=mine).status_code == 204
    assert [v["name"] for v in client.get("/api/fleet/views", params={"page": "alerts"}, headers=mine).json()] == [
        "SLA超過"
    ]
    assert db.scalar(select(func.count()).select_from(SavedView)) == 2
    assert len(audited(db, "create_saved_view", "saved_view")) == 3
    assert audited(db, "delete_saved_view", "saved_view") == [str(view_id)]


@pytest.mark.dialect
def test_every_terminal_the_filter_selects_goes_into_maintenance_at_the_count_the_person_confirmed(client, db):
    customer, other = make_customer(db), make_customer(db, "別会社")
    shibuya = a_store(db, customer, 3)
    a_store(db, customer, 2, "新宿店")
    a_store(db, other, 2, "渋谷駅前店")  # another customer's: outside the scoped caller's result
    headers = auth_headers(make_user(db, "op1", grants={"fleet": ("operator", str(customer.id))}))
    db.commit()
    everything = {"filter": {"q": "渋谷"}, "action": "maintenance_on"}
    listed = client.get("/api/fleet/terminals", params={"q": "渋谷"}, headers=headers).json()["total"]
    assert listed == 3

    stale = client.post("/api/fleet/terminals/bulk", json=everything | {"expected": 4}, headers=headers)
    assert stale.status_code == 409
    assert stale.json()["error"]["message"].startswith("条件に合う端末が確認した4台から3台に変わりました")
    db.expire_all()
    assert {t.status for t in db.scalars(select(Terminal))} == {"offline"}  # nothing changed
    db.commit()

    answer = client.post("/api/fleet/terminals/bulk", json=everything | {"expected": 3}, headers=headers)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"action": "maintenance_on", "count": 3, "ids": [t.id for t in shibuya]}
    db.expire_all()
    by_status = dict(db.execute(select(Terminal.status, func.count()).group_by(Terminal.status)).all())
    assert by_status == {"maintenance": 3, "offline": 4}
    assert audited(db, "maintenance", "terminal") == [str(t.id) for t in shibuya]
    db.commit()
    # the same filter again: out of maintenance, every one of them
    back = client.post("/api/fleet/terminals/bulk", json=everything | {"action": "maintenance_off"}, headers=headers)
    assert back.json()["count"] == 3


def test_a_bulk_request_names_its_terminals_one_way_and_a_filter_selecting_none_is_refused(client, db):
    customer = make_customer(db)
    ids = [t.id for t in a_store(db, customer, 2)]
    headers = auth_headers(make_user(db, "op1", grants={"fleet": "operator"}))
    db.commit()
    both = {"ids": ids, "filter": {"q": "渋谷"}, "action": "diagnostics"}
    neither = {"action": "diagnostics"}
    none_match = {"filter": {"q": "存在しない店"}, "action": "maintenance_on"}

    answers = [client.post("/api/fleet/terminals/bulk", json=body, headers=headers) for body in (both, neither)]
    empty = client.post("/api/fleet/terminals/bulk", json=none_match, headers=headers)

    assert [a.status_code for a in answers] == [422, 422]
    assert all("どちらか一方を指定してください" in a.text for a in answers)
    assert empty.status_code == 422 and empty.json()["error"]["message"] == "条件に合う端末がありません"
    assert db.scalar(select(func.count()).select_from(Command)) == 0
