"""Customer incidents worked as one: 重要アラート shows one row for them, their steps apply to every alert of them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.fleet.alerting.alerts import NewAlert, open_alerts, resolve_alerts
from service.fleet.models import Alert, Incident
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import make_customer, make_terminal, user_headers
from tests.support.downloads import csv_download

pytestmark = pytest.mark.dialect

OUTAGE = 13


TILLS = 3  # a store's tills
STORES = -(-OUTAGE // TILLS)


def an_outage(db, customer, *, terminals=OUTAGE, minutes_ago=30) -> Incident:
    """`terminals` offline alerts of one customer (three tills a store: 「店舗1 レジ1番」), gathered in one open
    incident, `minutes_ago` minutes old."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    made = [
        make_terminal(
            db, customer, serial=f"{customer.id}-{n:03d}", store_name=f"店舗{n // TILLS + 1} レジ{n % TILLS + 1}番"
        )[0]
        for n in range(terminals)
    ]
    open_alerts(db, [NewAlert(t.id, customer.id, "offline", "通信途絶") for t in made], now=at)
    incident = Incident(
        customer_id=customer.id,
        alert_type="offline",
        terminal_count=terminals,
        store_count=-(-terminals // TILLS),
        created_at=at,
    )
    db.add(incident)
    db.flush()
    for member in db.scalars(select(Alert).where(Alert.customer_id == customer.id)):
        member.incident_id = incident.id
    db.flush()
    return incident


def member_alerts(db, incident_id: int, *columns) -> set[tuple]:
    """These columns of the incident's alerts, read in a transaction of their own (the API writes next)."""
    rows = set(db.execute(select(*columns).where(Alert.incident_id == incident_id)).tuples())
    db.commit()
    return rows


def test_dashboard_shows_the_incident_as_one_row_beside_a_new_error(client, db):
    customer = make_customer(db, "東和モータース")
    incident = an_outage(db, customer)
    broken, _ = make_terminal(db, customer, serial="TC-ERR", store_name="本店")
    open_alerts(db, [NewAlert(broken.id, customer.id, "error", "プリンタ異常")], now=utcnow() - timedelta(minutes=2))
    headers = user_headers(db)
    db.commit()
    critical = client.get("/api/fleet/dashboard", headers=headers).json()["critical_alerts"]
    assert [(row["kind"], row["company_name"], row["summary"]) for row in critical] == [
        ("alert", "東和モータース", "エラー"),
        ("incident", "東和モータース", f"{STORES}店舗・{OUTAGE}台オフライン"),
    ]
    assert (critical[1]["id"], critical[1]["terminal_count"]) == (incident.id, OUTAGE)


def test_incident_detail_lists_its_span_and_its_alerts(client, db):
    customer = make_customer(db, "東和モータース")
    incident = an_outage(db, customer)
    headers = user_headers(db)
    db.commit()
    body = client.get(f"/api/fleet/incidents/{incident.id}", headers=headers).json()
    assert (body["company_name"], body["open_alerts"], body["status_label"]) == ("東和モータース", OUTAGE, "未対応")
    assert body["first_seen"] == body["last_seen"] and [s["label"] for s in body["sla"]][:1] == ["初動確認"]
    members = client.get("/api/fleet/alerts", params={"incident_id": incident.id}, headers=headers).json()
    assert members["total"] == OUTAGE


def test_one_acknowledgement_of_the_incident_acknowledges_every_alert_of_it(client, db):
    incident = an_outage(db, make_customer(db))
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    body = client.post(f"/api/fleet/incidents/{incident.id}/acknowledge", headers=auth_headers(operator)).json()
    assert (body["status"], body["acknowledged_by"]) == ("acknowledged", "op1")
    assert member_alerts(db, incident.id, Alert.status, Alert.acknowledged_by) == {("acknowledged", "op1")}
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "acknowledge")).all()
    assert sorted(e.target_type for e in entries) == ["alert"] * OUTAGE + ["incident"]


def test_taking_the_incident_makes_the_taker_its_alerts_assignee(client, db):
    incident = an_outage(db, make_customer(db), terminals=3)
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    body = client.post(f"/api/fleet/incidents/{incident.id}/take", headers=auth_headers(support)).json()
    assert body["assignee_name"] == "support1"
    assert member_alerts(db, incident.id, Alert.assignee_id) == {(support.id,)}


def test_resolving_the_incident_resolves_its_alerts_then_the_report_is_owed_once(client, db):
    incident = an_outage(db, make_customer(db), terminals=5)
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    base = f"/api/fleet/incidents/{incident.id}"
    said = {"cause": "回線業者の障害", "report": "復旧をご報告しました"}
    assert client.post(f"{base}/reported", json=said, headers=auth_headers(support)).status_code == 409
    resolved = client.post(
        f"{base}/resolve", json={"resolution": "回線業者の障害復旧を確認"}, headers=auth_headers(support)
    )
    assert (resolved.json()["status"], resolved.json()["resolution"]) == ("resolved", "回線業者の障害復旧を確認")
    assert member_alerts(db, incident.id, Alert.status, Alert.resolved_by) == {("resolved", "support1")}
    again = client.post(f"{base}/acknowledge", headers=auth_headers(support))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "incident_resolved")
    reported = client.post(f"{base}/reported", json=said, headers=auth_headers(support)).json()
    assert reported["reported_by"] == "support1"
    again = client.post(f"{base}/reported", json=said, headers=auth_headers(support))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "incident_reported")
    assert member_alerts(db, incident.id, Alert.reported_by) == {("support1",)}
    headers = auth_headers(support)
    assert client.get("/api/fleet/dashboard", headers=headers).json()["critical_alerts"] == []


def test_the_list_puts_open_incidents_first_and_filters(client, db):
    first, second = make_customer(db, "A社"), make_customer(db, "B社")
    done = an_outage(db, first, terminals=2, minutes_ago=5)
    done.status, done.resolved_at = "resolved", utcnow()
    waiting = an_outage(db, second, terminals=2, minutes_ago=60)
    headers = user_headers(db)
    db.commit()
    listed = client.get("/api/fleet/incidents", headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [waiting.id, done.id]
    only_open = client.get("/api/fleet/incidents", params={"open_only": True}, headers=headers).json()
    assert [i["id"] for i in only_open["items"]] == [waiting.id]
    of_first = client.get("/api/fleet/incidents", params={"customer_id": first.id}, headers=headers).json()
    assert [i["company_name"] for i in of_first["items"]] == ["A社"]


def test_the_export_is_every_incident_the_filters_select(client, db):
    first, second = make_customer(db, "A社"), make_customer(db, "B社")
    an_outage(db, first, terminals=2, minutes_ago=60)
    newest = an_outage(db, second, terminals=3, minutes_ago=5)
    headers = user_headers(db)
    db.commit()
    rows = csv_download(client.get("/api/fleet/incidents/export", headers=headers))
    assert rows[0][:8] == ["ID", "発生日時", "顧客企業", "種別", "店舗数", "端末数", "未解決", "状態"]
    assert [row[2:8] for row in rows[1:]] == [
        ["B社", "オフライン", "1", "3", "3", "未対応"],
        ["A社", "オフライン", "1", "2", "2", "未対応"],
    ]
    of_second = csv_download(
        client.get("/api/fleet/incidents/export", params={"customer_id": second.id}, headers=headers)
    )
    assert [int(row[0]) for row in of_second[1:]] == [newest.id]


def test_another_customers_incident_is_404(client, db):
    mine, theirs = make_customer(db, "自社"), make_customer(db, "他社")
    incident = an_outage(db, theirs, terminals=2)
    headers = user_headers(db, "scoped1", role="support", scope=str(mine.id))
    db.commit()
    base = f"/api/fleet/incidents/{incident.id}"
    assert client.get(base, headers=headers).status_code == 404
    for action in ("acknowledge", "take"):
        assert client.post(f"{base}/{action}", headers=headers).status_code == 404, action
    for action, body in (
        ("customer-contacted", {"customer_message": "復旧見込みをお伝えした"}),
        ("notes", {"body": "メモ"}),
        ("reported", {"cause": "原因", "report": "報告"}),
    ):
        assert client.post(f"{base}/{action}", json=body, headers=headers).status_code == 404, action
    assert client.get(f"{base}/notes", headers=headers).status_code == 404
    assert client.post(f"{base}/resolve", json={}, headers=headers).status_code == 404
    assert client.get("/api/fleet/incidents", headers=headers).json()["total"] == 0
    assert member_alerts(db, incident.id, Alert.status) == {("open",)}


def test_assigning_someone_who_cannot_work_the_customer_is_refused(client, db):
    mine, theirs = make_customer(db, "自社"), make_customer(db, "他社")
    incident = an_outage(db, theirs, terminals=2)
    outsider = make_user(db, "scoped1", grants={"fleet": ("support", str(mine.id))})
    headers = user_headers(db)
    db.commit()
    refused = client.post(
        f"/api/fleet/incidents/{incident.id}/assign", json={"assignee_id": outsider.id}, headers=headers
    )
    assert (refused.status_code, refused.json()["error"]["details"]["rule"]) == (422, "alert_assignee")


def timeline(client, incident_id, headers) -> list[tuple[str, str, str]]:
    notes = client.get(f"/api/fleet/incidents/{incident_id}/notes", headers=headers).json()
    return [(n["kind_label"], n["author"], n["body"]) for n in notes]


def test_what_the_customer_was_told_and_the_report_are_kept_on_the_incident_timeline(client, db):
    incident = an_outage(db, make_customer(db), terminals=4)
    support = make_user(db, "support1", grants={"fleet": "support"})
    headers = auth_headers(support)
    db.commit()
    base = f"/api/fleet/incidents/{incident.id}"
    blank = client.post(f"{base}/customer-contacted", json={"customer_message": "  "}, headers=headers)
    assert (blank.status_code, blank.json()["error"]["details"][0]["label"]) == (422, "顧客への連絡内容")
    assert client.post(f"{base}/customer-contacted", json={}, headers=headers).status_code == 422
    first = client.post(
        f"{base}/customer-contacted", json={"customer_message": "回線障害の可能性、30分後に再連絡"}, headers=headers
    ).json()
    assert first["customer_contacted_by"] == "support1"
    assert member_alerts(db, incident.id, Alert.customer_contacted_by) == {("support1",)}
    second = client.post(
        f"{base}/customer-contacted", json={"customer_message": "回線業者の復旧見込み 15時"}, headers=headers
    ).json()
    assert second["customer_contacted_at"] == first["customer_contacted_at"]  # the step is the first contact's
    note = client.post(f"{base}/notes", json={"body": "回線業者に問い合わせ中"}, headers=headers)
    assert note.status_code == 201 and note.json()["kind_label"] == "対応メモ"
    client.post(f"{base}/resolve", json={"resolution": "回線復旧を確認"}, headers=headers)
    missing = client.post(f"{base}/reported", json={"cause": "回線業者の障害"}, headers=headers)
    assert (missing.status_code, missing.json()["error"]["details"][0]["label"]) == (422, "報告内容")
    said = {"cause": "回線業者の設備障害", "report": "全店舗の復旧を担当者様にご報告"}
    assert client.post(f"{base}/reported", json=said, headers=headers).status_code == 200
    assert timeline(client, incident.id, headers) == [
        ("顧客への連絡内容", "support1", "回線障害の可能性、30分後に再連絡"),
        ("顧客への連絡内容", "support1", "回線業者の復旧見込み 15時"),
        ("対応メモ", "support1", "回線業者に問い合わせ中"),
        ("原因", "support1", "回線業者の設備障害"),
        ("報告内容", "support1", "全店舗の復旧を担当者様にご報告"),
    ]
    entries = db.execute(
        select(AuditEntry.action, AuditEntry.changes)
        .where(AuditEntry.target_type == "incident")
        .order_by(AuditEntry.id)
    ).all()
    said_in_log = [
        (a, {k: v["after"] for k, v in c.items() if k in ("customer_message", "note", "cause", "report")})
        for a, c in entries
    ]
    assert [entry for entry in said_in_log if entry[1]] == [
        ("mark_customer_contacted", {"customer_message": "回線障害の可能性、30分後に再連絡"}),
        ("mark_customer_contacted", {"customer_message": "回線業者の復旧見込み 15時"}),
        ("add_note", {"note": "回線業者に問い合わせ中"}),
        ("mark_reported", {"cause": "回線業者の設備障害", "report": "全店舗の復旧を担当者様にご報告"}),
    ]


def test_an_incident_its_terminals_ended_awaits_its_report(client, db):
    incident = an_outage(db, make_customer(db), terminals=3)
    headers = user_headers(db, "support1", role="support")
    db.commit()
    terminals = [t for (t,) in member_alerts(db, incident.id, Alert.terminal_id)]
    resolve_alerts(db, [(t, "offline") for t in terminals], now=utcnow())  # they came back: resolved by the system
    db.commit()
    read = client.get(f"/api/fleet/incidents/{incident.id}", headers=headers).json()
    assert (read["status"], read["resolved_by"], read["awaiting_report"]) == ("resolved", "システム", True)
    assert read["state_label"] == "完了報告待ち"
    assert read["sla"][-1]["required"] is True
    waiting = client.get("/api/fleet/incidents", params={"awaiting_report": True}, headers=headers).json()
    assert [i["id"] for i in waiting["items"]] == [incident.id]
    said = {"cause": "店舗の停電", "report": "停電復旧後に全台の通信再開を確認"}
    reported = client.post(f"/api/fleet/incidents/{incident.id}/reported", json=said, headers=headers).json()
    assert reported["awaiting_report"] is False
    assert client.get("/api/fleet/incidents", params={"awaiting_report": True}, headers=headers).json()["total"] == 0
