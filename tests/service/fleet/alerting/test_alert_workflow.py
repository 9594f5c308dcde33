"""People working alerts: acknowledge, diagnose, contact, assign, note, resolve; §4.2 SLA flags; audit."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from service.audit.models import AuditEntry
from service.fleet.alerting.alerts import SYSTEM_LABEL, NewAlert, open_alerts
from service.fleet.models import Alert, Customer
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal

pytestmark = pytest.mark.dialect


def an_alert(db, *, age=timedelta(0), kind="error"):
    customer = make_customer(db)
    terminal, _ = make_terminal(db, customer)
    open_alerts(db, [NewAlert(terminal.id, customer.id, kind, "プリンタ異常")], now=ago(seconds=age.total_seconds()))
    return db.scalar(select(Alert.id))


def test_workflow_records_who_and_when_and_is_audited(client, db):
    alert_id = an_alert(db)
    support = make_user(db, "support1", grants={"fleet": "support"})
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    base = f"/api/fleet/alerts/{alert_id}"
    acknowledged = client.post(f"{base}/acknowledge", headers=auth_headers(operator)).json()
    assert (acknowledged["status"], acknowledged["acknowledged_by"]) == ("acknowledged", "op1")
    assert client.post(f"{base}/diagnosed", headers=auth_headers(support)).status_code == 403
    assert client.post(f"{base}/diagnosed", headers=auth_headers(operator)).json()["diagnosed_by"] == "op1"
    told = {"customer_message": "店舗の回線を確認中とお伝えした"}
    contacted = client.post(f"{base}/customer-contacted", json=told, headers=auth_headers(support)).json()
    assert contacted["customer_contacted_by"] == "support1"
    options = client.get(f"{base}/assignees", headers=auth_headers(operator)).json()
    assert [o["name"] for o in options] == ["op1", "support1"]
    assigned = client.post(f"{base}/assign", json={"assignee_id": support.id}, headers=auth_headers(operator)).json()
    assert assigned["assignee_name"] == "support1"
    assert (
        client.post(f"{base}/notes", json={"body": "店舗に電話済み"}, headers=auth_headers(support)).status_code == 201
    )
    resolved = client.post(f"{base}/resolve", json={"note": "ケーブル交換"}, headers=auth_headers(support)).json()
    assert (resolved["status"], resolved["resolved_by"], resolved["overdue"]) == ("resolved", "support1", False)
    notes = client.get(f"{base}/notes", headers=auth_headers(support)).json()
    assert [n["body"] for n in notes] == ["店舗の回線を確認中とお伝えした", "店舗に電話済み", "ケーブル交換"]
    again = client.post(f"{base}/acknowledge", headers=auth_headers(operator))
    assert again.status_code == 409 and again.json()["error"]["code"] == "alert_resolved"
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "alert").order_by(AuditEntry.seq)
    ).all()
    assert actions == ["acknowledge", "mark_diagnosed", "mark_customer_contacted", "assign", "add_note", "resolve"]


def test_assignee_must_be_a_fleet_user(client, db):
    alert_id = an_alert(db)
    outsider = make_user(db, "outsider", grants={"crm": "sales"})
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    response = client.post(
        f"/api/fleet/alerts/{alert_id}/assign", json={"assignee_id": outsider.id}, headers=auth_headers(operator)
    )
    assert response.status_code == 422


def test_an_alert_goes_to_staff_who_can_see_its_customer(client, db):
    alert_id = an_alert(db)
    mine = db.get(Alert, alert_id).customer_id
    other = make_customer(db, "XYZ商店")
    operator = make_user(db, "op1", name="運用 一郎", grants={"fleet": "operator"})
    make_user(db, "admin1", name="管理 花子", grants={"fleet": "admin"})
    local = make_user(db, "support1", name="サポート 次郎", grants={"fleet": ("support", str(mine))})
    elsewhere = make_user(db, "support2", name="サポート 三郎", grants={"fleet": ("support", str(other.id))})
    viewer = make_user(db, "viewer1", name="閲覧 四郎", grants={"fleet": "viewer"})
    make_user(db, "gone", name="退職 五郎", grants={"fleet": "operator"}, is_active=False)
    db.commit()
    base = f"/api/fleet/alerts/{alert_id}"

    for caller in (operator, local):
        options = client.get(f"{base}/assignees", headers=auth_headers(caller)).json()
        assert {o["name"] for o in options} == {"運用 一郎", "管理 花子", "サポート 次郎"}
    assigned = client.post(f"{base}/assign", json={"assignee_id": local.id}, headers=auth_headers(operator))
    assert assigned.json()["assignee_name"] == "サポート 次郎"
    for refused in (elsewhere, viewer):
        response = client.post(f"{base}/assign", json={"assignee_id": refused.id}, headers=auth_headers(operator))
        assert response.status_code == 422
        assert response.json()["error"]["details"]["rule"] == "alert_assignee"
    assert db.scalar(select(Alert.assignee_id).where(Alert.id == alert_id)) == local.id


def test_sla_steps_go_overdue_in_order(client, db):
    alert_id = an_alert(db, age=timedelta(minutes=20))
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    body = client.get(f"/api/fleet/alerts/{alert_id}", headers=auth_headers(operator)).json()
    assert [(s["label"], s["overdue"]) for s in body["sla"]] == [
        ("初動確認", True),
        ("リモート診断", True),
        ("顧客連絡", False),
        ("対応実施", False),
        ("完了報告", False),
    ]
    assert body["overdue"] is True
    overdue = client.get("/api/fleet/alerts", params={"overdue": True}, headers=auth_headers(operator)).json()
    assert [a["id"] for a in overdue["items"]] == [alert_id]
    assert (
        client.get("/api/fleet/alerts", params={"overdue": False}, headers=auth_headers(operator)).json()["total"] == 0
    )


def test_a_fresh_alert_is_not_overdue_and_lists_with_filters(client, db):
    alert_id = an_alert(db)
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    headers = auth_headers(operator)
    listed = client.get("/api/fleet/alerts", params={"alert_type": "error", "status": "open"}, headers=headers).json()
    assert listed["total"] == 1 and listed["items"][0]["overdue"] is False
    assert listed["items"][0]["alert_type_label"] == "エラー"
    assert client.get("/api/fleet/alerts", params={"alert_type": "offline"}, headers=headers).json()["total"] == 0
    assert client.get("/api/fleet/alerts", params={"alert_type": "bogus"}, headers=headers).status_code == 422
    assert client.get(f"/api/fleet/alerts/{alert_id + 99}", headers=headers).status_code == 404


def test_completion_report_is_step_six_recorded_after_the_fix_and_the_page_shows_whom_to_call(client, db):
    alert_id = an_alert(db, age=timedelta(minutes=40))
    customer = db.get(Alert, alert_id).customer_id
    db.execute(update(Customer).where(Customer.id == customer).values(contact_phone="03-1234-5678"))
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    base, headers = f"/api/fleet/alerts/{alert_id}", auth_headers(support)
    shown = client.get(base, headers=headers).json()
    assert (shown["contact_person"], shown["contact_phone"], shown["contact_email"]) == (
        "田中",
        "03-1234-5678",
        "tanaka@example.jp",
    )
    early = client.post(f"{base}/reported", headers=headers)
    assert early.status_code == 409 and early.json()["error"]["code"] == "alert_not_resolved"
    client.post(f"{base}/resolve", json={"note": ""}, headers=headers)
    reported = client.post(f"{base}/reported", headers=headers).json()
    assert (reported["reported_by"], reported["reported_at"] is not None) == ("support1", True)
    step = reported["sla"][-1]
    assert (step["step"], step["label"], step["done_at"], step["overdue"]) == (
        "reported",
        "完了報告",
        reported["reported_at"],
        False,
    )
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "alert").order_by(AuditEntry.seq)
    ).all()
    assert actions[-1] == "mark_reported"


def test_an_unreported_fix_goes_overdue_but_a_terminal_that_recovered_by_itself_owes_no_report(client, db):
    worked = an_alert(db)
    customer = db.get(Alert, worked).customer_id
    terminal, _ = make_terminal(db, db.get(Customer, customer), serial="TC200-0002")
    open_alerts(db, [NewAlert(terminal.id, customer, "offline", "")], now=ago(minutes=30))
    recovered = db.scalar(select(Alert.id).where(Alert.terminal_id == terminal.id))
    fixed_at = ago(minutes=16)
    db.execute(update(Alert).values(status="resolved", resolved_at=fixed_at, resolved_by="システム"))
    db.execute(update(Alert).where(Alert.id == worked).values(resolved_by="support1"))
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    headers = auth_headers(operator)
    assert client.get(f"/api/fleet/alerts/{worked}", headers=headers).json()["overdue"] is True
    assert client.get(f"/api/fleet/alerts/{recovered}", headers=headers).json()["overdue"] is False
    overdue = client.get("/api/fleet/alerts", params={"overdue": True}, headers=headers).json()
    assert [a["id"] for a in overdue["items"]] == [worked]
    client.post(f"/api/fleet/alerts/{worked}/reported", headers=headers)
    assert client.get("/api/fleet/alerts", params={"overdue": True}, headers=headers).json()["total"] == 0


def test_customer_contact_takes_what_the_customer_was_told_and_keeps_it_on_the_alert_s_record(client, db):
    alert_id = an_alert(db)
    support = make_user(db, "support1", name="佐藤 花子", grants={"fleet": "support"})
    db.commit()
    base, headers = f"/api/fleet/alerts/{alert_id}", auth_headers(support)
    for refused in ({}, {"customer_message": ""}, {"customer_message": "制御\u0007文字"}):
        answer = client.post(f"{base}/customer-contacted", json=refused, headers=headers)
        assert answer.status_code == 422, refused
        detail = answer.json()["error"]["details"][0]
        assert (detail["loc"][-1], detail["label"]) == ("customer_message", "顧客への連絡内容")
    assert client.get(base, headers=headers).json()["customer_contacted_at"] is None  # nothing half-written

    first = client.post(
        f"{base}/customer-contacted", json={"customer_message": "復旧見込みは30分後\nと案内"}, headers=headers
    ).json()
    again = client.post(
        f"{base}/customer-contacted", json={"customer_message": "復旧を確認しましたと連絡"}, headers=headers
    ).json()

    assert again["customer_contacted_at"] == first["customer_contacted_at"]  # the step keeps the first contact
    assert first["sla"][2]["done_by"] == "佐藤 花子"
    notes = client.get(f"{base}/notes", headers=headers).json()
    assert [(n["kind_label"], n["author"], n["body"]) for n in notes] == [
        ("顧客への連絡内容", "佐藤 花子", "復旧見込みは30分後\nと案内"),
        ("顧客への連絡内容", "佐藤 花子", "復旧を確認しましたと連絡"),
    ]
    said = db.scalars(
        select(AuditEntry.changes).where(AuditEntry.action == "mark_customer_contacted").order_by(AuditEntry.seq)
    ).all()
    assert [c["customer_message"] for c in said] == [
        {"before": None, "after": "復旧見込みは30分後\nと案内"},
        {"before": None, "after": "復旧を確認しましたと連絡"},
    ]
    db.commit()
    client.post(f"{base}/resolve", json={"note": ""}, headers=headers)
    late = client.post(f"{base}/customer-contacted", json={"customer_message": "追加の連絡"}, headers=headers)
    assert late.status_code == 409 and len(client.get(f"{base}/notes", headers=headers).json()) == 2


def test_each_step_says_who_recorded_it_by_name_and_the_report_has_no_time_before_the_fix(client, db):
    alert_id = an_alert(db, age=timedelta(minutes=8))
    operator = make_user(db, "op1", name="運用 一郎", grants={"fleet": "operator"})
    db.commit()
    base, headers = f"/api/fleet/alerts/{alert_id}", auth_headers(operator)
    acknowledged = client.post(f"{base}/acknowledge", headers=headers).json()
    first = acknowledged["sla"][0]
    assert (first["label"], first["done_by"], first["overdue"]) == ("初動確認", "運用 一郎", True)
    listed = client.get("/api/fleet/alerts", headers=headers).json()["items"][0]
    assert listed["sla"][0]["done_by"] == "運用 一郎"
    report = acknowledged["sla"][-1]
    assert (report["label"], report["due_at"], report["overdue"]) == ("完了報告", None, False)

    resolved = client.post(f"{base}/resolve", json={"note": ""}, headers=headers).json()

    report = resolved["sla"][-1]
    assert report["due_at"] is not None and report["overdue"] is False
    assert resolved["sla"][3]["done_by"] == "運用 一郎"
    # the service's own work is the system's
    db.execute(update(Alert).where(Alert.id == alert_id).values(resolved_by=SYSTEM_LABEL))
    db.commit()
    assert client.get(base, headers=headers).json()["sla"][3]["done_by"] == "システム"


def test_whoever_resolved_an_alert_nobody_acknowledged_is_named_for_its_first_check(client, db):
    alert_id = an_alert(db)
    support = make_user(db, "support1", name="佐藤 花子", grants={"fleet": "support"})
    db.commit()
    headers = auth_headers(support)

    resolved = client.post(f"/api/fleet/alerts/{alert_id}/resolve", json={"note": ""}, headers=headers).json()

    first = resolved["sla"][0]
    assert (first["done_at"], first["done_by"]) == (resolved["resolved_at"], "佐藤 花子")
