"""Customers CRUD, the terminal list's filters/search/pagination, detail series and events."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.fleet import retention
from service.fleet.models import MetricSample
from tests.service.fleet.conftest import CONTACTS, make_customer, make_terminal, send, user_headers


def test_customer_crud_is_audited_and_validated(client, db):
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    created = client.post(
        "/api/fleet/customers",
        json={"company_name": "田中ストア", **CONTACTS, "contact_email": "a@example.jp", "contract_type": "premium"},
        headers=admin,
    )
    assert created.status_code == 201 and created.json()["contract_type_label"] == "プレミアム保守"
    customer_id = created.json()["id"]
    assert (
        client.post("/api/fleet/customers", json={"company_name": "田中ストア", **CONTACTS}, headers=admin).status_code
        == 409
    )
    assert (
        client.post(
            "/api/fleet/customers", json={"company_name": "X", **CONTACTS, "contract_type": "gold"}, headers=admin
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/fleet/customers", json={"company_name": "X", **CONTACTS, "contact_email": "nope"}, headers=admin
        ).status_code
        == 422
    )
    updated = client.patch(f"/api/fleet/customers/{customer_id}", json={"contact_person": "佐藤"}, headers=admin)
    assert updated.json()["contact_person"] == "佐藤"
    terminal = client.post(
        "/api/fleet/terminals",
        json={"serial_number": "TC-1", "customer_id": customer_id, "store_name": "本店"},
        headers=admin,
    )
    assert terminal.status_code == 201
    assert client.delete(f"/api/fleet/customers/{customer_id}", headers=admin).status_code == 409
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.domain == "fleet").order_by(AuditEntry.seq)).all()
    assert actions == ["create", "update", "create"]


def test_terminal_list_filters_searches_and_pages(client, db):
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    for i in range(25):
        make_terminal(db, abc, serial=f"ABC-{i:02d}", status="online" if i % 5 else "error", store_name=f"新宿{i}")
    make_terminal(db, xyz, serial="XYZ-01", store_name="渋谷店")
    headers = user_headers(db, "support1", "support")
    db.commit()
    page = client.get(
        "/api/fleet/terminals", params={"page_size": 10, "page": 3, "sort": "serial_number"}, headers=headers
    ).json()
    assert page["total"] == 26 and [t["serial_number"] for t in page["items"]] == [
        f"ABC-{i}" for i in range(20, 25)
    ] + ["XYZ-01"]
    errors = client.get("/api/fleet/terminals", params={"status": "error"}, headers=headers).json()
    assert errors["total"] == 5 and errors["items"][0]["status_label"] == "エラー"
    assert client.get("/api/fleet/terminals", params={"q": "XYZ"}, headers=headers).json()["total"] == 1
    assert client.get("/api/fleet/terminals", params={"q": "渋谷"}, headers=headers).json()["total"] == 1
    assert client.get("/api/fleet/terminals", params={"customer_id": xyz.id}, headers=headers).json()["total"] == 1
    assert client.get("/api/fleet/terminals", params={"sort": "password"}, headers=headers).status_code == 422
    assert client.get("/api/fleet/terminals", params={"status": "broken"}, headers=headers).status_code == 422


@pytest.mark.dialect
def test_detail_series_and_events(client, db):
    terminal, token = make_terminal(db, make_customer(db))
    headers = user_headers(db)
    db.commit()
    event = {
        "client_event_id": "e1",
        "occurred_at": "2026-11-21T00:00:00Z",
        "level": "error",
        "kind": "printer",
        "message": "紙切れ",
    }
    send(client, token, cpu=10, events=[event])
    send(client, token, cpu=30)
    day = client.get(f"/api/fleet/terminals/{terminal.id}/metrics", params={"range": "24h"}, headers=headers).json()
    assert day["resolution"] == "raw" and [p["cpu"] for p in day["points"]] == [10, 30]
    old = (utcnow() - timedelta(days=3)).replace(minute=10, second=0, microsecond=0)
    db.add(MetricSample(terminal_id=terminal.id, recorded_at=old, cpu=50, memory=50, disk=50))
    db.add(MetricSample(terminal_id=terminal.id, recorded_at=old + timedelta(minutes=5), cpu=70, memory=50, disk=50))
    retention.rollup_hours(db, now=utcnow() - timedelta(days=1))
    db.commit()
    week = client.get(f"/api/fleet/terminals/{terminal.id}/metrics", params={"range": "7d"}, headers=headers).json()
    assert week["resolution"] == "hour"
    assert [(p["cpu"], p["cpu_max"]) for p in week["points"]] == [(60, 70), (10, None), (30, None)]
    assert (
        client.get(f"/api/fleet/terminals/{terminal.id}/metrics", params={"range": "1y"}, headers=headers).status_code
        == 422
    )
    events = client.get(f"/api/fleet/terminals/{terminal.id}/events", headers=headers).json()
    assert events["total"] == 1 and events["items"][0]["message"] == "紙切れ"
    detail = client.get(f"/api/fleet/terminals/{terminal.id}", headers=headers).json()
    assert (detail["cpu_usage"], detail["enrolled"], detail["company_name"]) == (30, True, "ABC商事")


def test_a_terminal_belongs_to_the_store_its_name_says(client, db):
    """§2.1's 「○○店舗 レジ1番」: the till's name gives its store, on creation and on a change of its name."""
    customer = make_customer(db)
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    created = client.post(
        "/api/fleet/terminals",
        json={"serial_number": "TC-S1", "customer_id": customer.id, "store_name": "新宿店 レジ1番"},
        headers=admin,
    ).json()
    assert (created["store_name"], created["store"]) == ("新宿店 レジ1番", "新宿店")
    moved = client.patch(
        f"/api/fleet/terminals/{created['id']}", json={"store_name": "渋谷店　会計2"}, headers=admin
    ).json()
    assert moved["store"] == "渋谷店"
    changes = db.scalars(select(AuditEntry.changes).where(AuditEntry.action == "update")).one()
    assert changes["store"] == {"before": "新宿店", "after": "渋谷店"}
