"""Customer incidents worked as one: 重要アラート shows one row for them, their steps apply to every alert of them."""

from datetime import timedelta

from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.fleet.alerts import NewAlert, open_alerts
from service.fleet.models import Alert, Incident
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import make_customer, make_terminal, user_headers
from tests.support.downloads import csv_download

OUTAGE = 13


def an_outage(db, customer, *, terminals=OUTAGE, minutes_ago=30) -> Incident:
    """`terminals` offline alerts of one customer, gathered in one open incident, `minutes_ago` minutes old."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    made = [
        make_terminal(db, customer, serial=f"{customer.id}-{n:03d}", store_name=f"{n}号店")[0] for n in range(terminals)
    ]
    open_alerts(db, [NewAlert(t.id, customer.id, "offline", "通信途絶") for t in made], now=at)
    incident = Incident(customer_id=customer.id, alert_type="offline", terminal_count=terminals, created_at=at)
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
        ("incident", "東和モータース", f"{OUTAGE}台オフライン"),
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
    assert client.post(f"{base}/reported", headers=auth_headers(support)).status_code == 409
    resolved = client.post(
        f"{base}/resolve", json={"resolution": "回線業者の障害復旧を確認"}, headers=auth_headers(support)
    )
    assert (resolved.json()["status"], resolved.json()["resolution"]) == ("resolved", "回線業者の障害復旧を確認")
    assert member_alerts(db, incident.id, Alert.status, Alert.resolved_by) == {("resolved", "support1")}
    again = client.post(f"{base}/acknowledge", headers=auth_headers(support))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "incident_resolved")
    reported = client.post(f"{base}/reported", headers=auth_headers(support)).json()
    assert reported["reported_by"] == "support1"
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
    assert rows[0][:7] == ["ID", "発生日時", "顧客企業", "種別", "端末数", "未解決", "状態"]
    assert [row[2:7] for row in rows[1:]] == [
        ["B社", "オフライン", "3", "3", "未対応"],
        ["A社", "オフライン", "2", "2", "未対応"],
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
    for action in ("acknowledge", "take", "customer-contacted"):
        assert client.post(f"{base}/{action}", headers=headers).status_code == 404, action
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
