"""A customer-scoped user sees only their customer; another customer's ids are 404. Roles per §5.1."""

import pytest
from sqlalchemy import select

from service.database import utcnow
from service.fleet.alerting.alerts import NewAlert, open_alerts
from service.fleet.models import Alert
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import make_customer, make_terminal

pytestmark = pytest.mark.dialect


def two_customers(db):
    mine, theirs = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    my_terminal, _ = make_terminal(db, mine, serial="MINE-1")
    their_terminal, _ = make_terminal(db, theirs, serial="THEIRS-1")
    open_alerts(
        db,
        [NewAlert(my_terminal.id, mine.id, "error", "x"), NewAlert(their_terminal.id, theirs.id, "error", "y")],
        now=utcnow(),
    )
    return mine, theirs, my_terminal, their_terminal


def test_scoped_user_gets_404_for_another_customers_things(client, db):
    mine, theirs, my_terminal, their_terminal = two_customers(db)
    scoped = make_user(db, "scoped", grants={"fleet": ("admin", str(mine.id))})
    their_alert = db.scalar(select(Alert.id).where(Alert.customer_id == theirs.id))
    db.commit()
    headers = auth_headers(scoped)
    alerts = client.get("/api/fleet/alerts", headers=headers).json()["items"]
    assert [a["serial_number"] for a in alerts] == ["MINE-1"]
    for path in (
        f"/api/fleet/terminals/{their_terminal.id}",
        f"/api/fleet/alerts/{their_alert}",
        f"/api/fleet/customers/{theirs.id}",
        f"/api/fleet/reports/monthly/{theirs.id}?month=2026-11",
        f"/api/fleet/terminals/{their_terminal.id}/metrics",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
    assert client.post(f"/api/fleet/alerts/{their_alert}/acknowledge", headers=headers).status_code == 404
    assert client.post(f"/api/fleet/terminals/{their_terminal.id}/revoke-token", headers=headers).status_code == 404
    assert client.get(f"/api/fleet/terminals/{my_terminal.id}", headers=headers).status_code == 200
    assert client.get(f"/api/fleet/reports/monthly/{mine.id}?month=2026-11", headers=headers).status_code == 200
    assert [o["id"] for o in client.get("/api/fleet/reports/customers", headers=headers).json()] == [mine.id]
    listed = client.get("/api/fleet/terminals", headers=headers).json()
    assert [t["serial_number"] for t in listed["items"]] == ["MINE-1"]
    dashboard = client.get("/api/fleet/dashboard", headers=headers).json()
    assert (dashboard["total"], [c["company_name"] for c in dashboard["customers"]]) == (1, ["ABC商事"])
    assert [c["company_name"] for c in client.get("/api/fleet/customers", headers=headers).json()["items"]] == [
        "ABC商事"
    ]
    moved = client.patch(f"/api/fleet/terminals/{my_terminal.id}", json={"customer_id": theirs.id}, headers=headers)
    assert moved.status_code == 422
    created = client.post(
        "/api/fleet/terminals",
        json={"serial_number": "NEW-1", "customer_id": theirs.id, "store_name": "店"},
        headers=headers,
    )
    assert created.status_code == 422


def test_roles_follow_the_spec(client, db):
    mine, _, my_terminal, _ = two_customers(db)
    viewer = auth_headers(make_user(db, "viewer", grants={"fleet": "viewer"}))
    support = auth_headers(make_user(db, "support", grants={"fleet": "support"}))
    operator = auth_headers(make_user(db, "operator", grants={"fleet": "operator"}))
    outsider = auth_headers(make_user(db, "outsider", grants={"crm": "admin"}))
    db.commit()
    assert client.get("/api/fleet/terminals", headers=viewer).status_code == 403
    assert client.get(f"/api/fleet/reports/monthly/{mine.id}?month=2026-11", headers=viewer).status_code == 200
    options = client.get("/api/fleet/reports/customers", headers=viewer).json()
    assert [o["company_name"] for o in options] == ["ABC商事", "XYZ商店"]
    assert client.get("/api/fleet/terminals", headers=support).status_code == 200
    assert (
        client.post(
            f"/api/fleet/terminals/{my_terminal.id}/maintenance", json={"enabled": True}, headers=support
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/fleet/terminals/{my_terminal.id}/maintenance", json={"enabled": True}, headers=operator
        ).status_code
        == 200
    )
    assert client.post("/api/fleet/customers", json={"company_name": "新規"}, headers=operator).status_code == 403
    assert client.get("/api/fleet/dashboard", headers=outsider).status_code == 403
    assert client.get("/api/fleet/dashboard").status_code == 401
