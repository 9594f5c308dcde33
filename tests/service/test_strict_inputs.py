"""Request bodies, queries and paths take booleans as true/false and dates as ISO strings only, in every domain:
0, 1 or "yes" is not a boolean, and 0 or 1700000000 is not a date (it used to be read as 1970-01-01)."""

import pytest
from sqlalchemy import func, select

from service.entry_logs.models import Attendance
from service.fleet.models import Customer, Terminal
from service.identity.models import User
from service.loaners.models import Location
from service.reservations.models import Incident
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.world import make_world, staff_headers
from tests.service.fleet.conftest import make_customer, make_terminal


@pytest.fixture
def admin(db) -> dict[str, str]:
    user = make_user(db, "platform-admin", grants={"platform": "admin"})
    db.commit()
    return auth_headers(user)


def rules(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [d["rule"] for d in response.json()["error"]["details"]]


def count(db, model) -> int:
    total = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return total


@pytest.mark.parametrize("flag", [0, 1, "true", "yes", None])
def test_booleans_in_bodies_are_true_or_false_only(client, db, admin, flag):
    user = {"login_id": "new-user", "name": "新人", "password": "long-enough-1", "is_active": flag}
    assert rules(client.post("/api/admin/users", json=user, headers=admin)) == ["bool_type"]
    assert count(db, User) == 1
    location = {
        "id": "nara",
        "code": "NARA",
        "name": "奈良",
        "jurisdiction": "関西",
        "group_email": "nara@example.jp",
        "notify_status_change": flag,
    }
    assert rules(client.post("/api/loaners/locations", json=location, headers=admin)) == ["bool_type"]
    assert db.scalar(select(Location.id).where(Location.id == "nara")) is None
    terminal, _ = make_terminal(db, make_customer(db))
    db.commit()
    maintenance = client.post(f"/api/fleet/terminals/{terminal.id}/maintenance", json={"enabled": flag}, headers=admin)
    assert rules(maintenance) == ["bool_type"]
    assert db.get(Terminal, terminal.id).status != "maintenance"


@pytest.mark.parametrize("day", [0, "0", "1700000000", "2026-01-14T00:00:00", "2026/01/14"])
def test_dates_in_bodies_are_iso_strings_only(client, db, admin, day):
    customer_id = make_customer(db).id
    db.commit()
    terminal = {"serial_number": "TC-1", "customer_id": customer_id, "store_name": "新宿店", "installed_date": day}
    assert rules(client.post("/api/fleet/terminals", json=terminal, headers=admin)) == ["iso_date"]
    incident = {"title": "障害", "level": "high", "occurred_at": day if day != "2026-01-14T00:00:00" else 0}
    assert rules(client.post("/api/reservations/incidents", json=incident, headers=admin)) == ["iso_datetime"]
    assert (count(db, Terminal), count(db, Incident), count(db, Customer)) == (0, 0, 1)


def test_an_incident_time_is_bounded_like_every_client_timestamp(client, admin):
    incident = {"title": "障害", "level": "high", "occurred_at": "9999-12-31T23:59:59-09:00"}
    assert rules(client.post("/api/reservations/incidents", json=incident, headers=admin)) == ["client_time_range"]


@pytest.mark.parametrize("day", ["0", "20260114", "1700000000", "2026-1-14"])
def test_dates_in_paths_and_queries_are_iso_strings_only(client, db, admin, day):
    world = make_world(db, "sakura")
    staff = staff_headers(db, world)
    child = world.children[0].id
    assert rules(client.put(f"/api/attendance/{child}/{day}", json={"status": "present"}, headers=staff)) == [
        "iso_date"
    ]
    assert rules(client.delete(f"/api/attendance/{child}/{day}", headers=staff)) == ["iso_date"]
    assert rules(client.get("/api/attendance", params={"date": day}, headers=staff)) == ["iso_date"]
    assert count(db, Attendance) == 0
    assert rules(client.get("/api/crm/requests", params={"until": day}, headers=admin)) == ["iso_date"]
    assert rules(client.get("/api/reservations/reservations", params={"created_from": day}, headers=admin)) == [
        "iso_date"
    ]
    assert rules(client.get("/api/admin/audit", params={"until": day}, headers=admin)) == ["iso_datetime"]


def test_iso_dates_and_times_are_still_read(client, db, admin):
    world = make_world(db, "sakura")
    staff = staff_headers(db, world)
    put = client.put(f"/api/attendance/{world.children[0].id}/2026-01-14", json={"status": "present"}, headers=staff)
    assert put.status_code == 200 and put.json()["date"] == "2026-01-14"
    assert client.get("/api/crm/requests", params={"until": "2026-01-14"}, headers=admin).status_code == 200
    since = {"since": "2026-01-14T00:00:00+09:00"}
    assert client.get("/api/admin/audit", params=since, headers=admin).status_code == 200
