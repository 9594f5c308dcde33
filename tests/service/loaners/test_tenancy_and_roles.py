"""A staff user scoped to one 管轄 sees only its locations and devices; another 管轄's ids are 404. Roles."""

import pytest

from tests.factories import auth_headers, make_user
from tests.service.loaners.conftest import LENT, add_location, answer, headers, make_device

pytestmark = pytest.mark.dialect


def two_jurisdictions(db):
    add_location(db, "tokyo", "関東", name="東京")
    mine, theirs = make_device(db, "osaka", serial="MINE1"), make_device(db, "tokyo", serial="THEIRS1")
    answer(db, mine, LENT | {"預かり機のステータス": "1.返却可能"})
    answer(db, theirs, LENT | {"預かり機のステータス": "1.返却可能"})
    return mine, theirs


def test_scoped_staff_gets_404_for_another_jurisdictions_ids(client, db):
    mine, theirs = two_jurisdictions(db)
    kansai = headers(db, "kansai-staff", "staff", "関西")
    db.commit()
    for path in (
        f"/api/loaners/devices/{theirs.id}",
        f"/api/loaners/devices/{theirs.id}/form",
        f"/api/loaners/devices/{theirs.id}/submissions",
        f"/api/loaners/devices/{theirs.id}/qr.png",
        "/api/loaners/locations/tokyo",
        "/api/loaners/locations/tokyo/labels.pdf",
    ):
        assert client.get(path, headers=kansai).status_code == 404, path
    submitted = client.post(f"/api/loaners/devices/{theirs.id}/submissions", json={"answers": LENT}, headers=kansai)
    assert submitted.status_code == 404
    assert client.patch(f"/api/loaners/devices/{theirs.id}", json={"os": "x"}, headers=kansai).status_code == 404
    created = client.post(
        "/api/loaners/devices",
        json={"location_id": "tokyo", "model_id": "MODEL_001", "serial_number": "X1"},
        headers=kansai,
    )
    assert (created.status_code, created.json()["error"]["details"]["rule"]) == (422, "unknown_location")
    assert client.get(f"/api/loaners/devices/{mine.id}", headers=kansai).status_code == 200
    assert client.get(f"/api/loaners/devices/{mine.id}/qr.png", headers=kansai).status_code == 200


def test_scoped_staff_lists_views_and_summary_cover_only_their_jurisdiction(client, db):
    mine, _ = two_jurisdictions(db)
    kansai = headers(db, "kansai-staff", "staff", "関西")
    db.commit()
    assert client.get("/api/loaners/jurisdictions", headers=kansai).json() == ["関西"]
    assert {loc["id"] for loc in client.get("/api/loaners/locations", headers=kansai).json()} == {
        "osaka",
        "kobe",
        "himeji",
    }
    for path in (
        "/api/loaners/devices",
        "/api/loaners/views/normal",
        "/api/loaners/views/audit",
        "/api/loaners/views/summary/devices",
    ):
        page = client.get(path, headers=kansai).json()
        assert [row["device_id"] if "device_id" in row else row["id"] for row in page["items"]] == [mine.id], path
    summary = client.get("/api/loaners/views/summary", headers=kansai).json()
    assert summary["total"] == 1
    assert "tokyo" not in {row["location_id"] for card in summary["cards"] for row in card["rows"]}
    own = client.get("/api/loaners/views/summary", params={"jurisdiction": "関西"}, headers=kansai).json()
    assert own["total"] == 1
    for path in ("/api/loaners/views/summary", "/api/loaners/views/normal", "/api/loaners/views/normal/export"):
        another = client.get(path, params={"jurisdiction": "関東"}, headers=kansai)
        assert another.status_code == 404 and another.json()["error"]["message"] == "管轄が見つかりません", path


def test_unscoped_staff_sees_every_jurisdiction(client, db):
    two_jurisdictions(db)
    staff = headers(db, "staff1")
    db.commit()
    assert client.get("/api/loaners/jurisdictions", headers=staff).json() == ["関東", "関西"]
    assert client.get("/api/loaners/views/normal", headers=staff).json()["total"] == 2


def test_masters_forms_and_rotation_are_for_admins(client, db):
    device = make_device(db)
    staff, admin = headers(db, "staff1"), headers(db, "admin1", "admin")
    outsider = auth_headers(make_user(db, "fleet-user", grants={"fleet": "viewer"}))
    db.commit()
    location = {"id": "nara", "code": "NARA", "name": "奈良", "jurisdiction": "関西", "group_email": "nara@example.com"}
    forbidden = (
        ("post", "/api/loaners/locations", location),
        ("patch", "/api/loaners/locations/osaka", {"name": "大阪営業所"}),
        ("delete", "/api/loaners/locations/himeji", None),
        ("post", "/api/loaners/models", {"name": "X", "maker": "Y", "category": "Other"}),
        ("patch", "/api/loaners/data-types/NORMAL", {"name": "通常"}),
        ("post", "/api/loaners/forms/terminal/questions", {"key": "1-9.x", "type": "text"}),
        ("delete", f"/api/loaners/devices/{device.id}", None),
        ("post", "/api/loaners/rotations", None),
    )
    for method, path, body in forbidden:
        kwargs = {"json": body} if body is not None else {}
        assert getattr(client, method)(path, headers=staff, **kwargs).status_code == 403, path
    assert client.get("/api/loaners/views/normal", headers=outsider).status_code == 403
    assert client.post("/api/loaners/locations", json=location, headers=admin).status_code == 201
    assert client.get("/api/loaners/views/normal").status_code == 401
