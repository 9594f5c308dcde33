"""Masters: the §8.1 initial data on a fresh install; locations, models and data types with their rules; audited."""

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from service.audit.models import AuditEntry
from service.database import build_engine
from tests.service.loaners.conftest import LENT, answer, headers, make_device
from tests.support.database import alembic_config

LOCATION = {
    "id": "nara1",
    "code": "NARA",
    "name": "奈良営業所",
    "jurisdiction": "関西",
    "group_email": "nara@example.com",
}


def test_a_fresh_install_has_the_initial_data_and_the_three_forms(tmp_path: Path):
    engine = build_engine(f"sqlite:///{tmp_path / 'fresh.db'}", poolclass=NullPool)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "heads")
    with engine.connect() as conn:
        locations = conn.exec_driver_sql(
            "SELECT id, code, jurisdiction, notify_status_change FROM loaners_location ORDER BY id"
        ).all()
        models = conn.exec_driver_sql("SELECT id, name, category FROM loaners_model ORDER BY id").all()
        data_types = conn.exec_driver_sql(
            "SELECT id, display_order FROM loaners_data_type ORDER BY display_order"
        ).all()
        questions = dict(
            conn.exec_driver_sql(
                "SELECT f.kind, count(*) FROM loaners_question q JOIN loaners_form f ON f.id = q.form_id"
                " GROUP BY f.kind"
            ).all()
        )
    engine.dispose()
    assert [tuple(r) for r in locations] == [
        ("himeji", "HIMEJI", "関西", 0),
        ("kobe", "KOBE", "関西", 0),
        ("osaka", "OSAKA", "関西", 0),
    ]
    assert [tuple(r) for r in models][:2] == [
        ("MODEL_001", "ThinkPad-X1-Carbon", "Laptop"),
        ("MODEL_002", "OptiPlex-7090", "Desktop"),
    ]
    assert len(models) == 6
    assert [tuple(r) for r in data_types] == [("NORMAL", 1), ("AUDIT", 2), ("SUMMARY", 3)]
    assert set(questions) == {"terminal", "printer", "other"} and min(questions.values()) >= 15


def test_location_rules_are_checked_and_changes_audited(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    for change, field in (
        ({"id": "Nara"}, "id"),
        ({"code": "Nara1"}, "code"),
        ({"group_email": "not-mail"}, "group_email"),
        ({"id": "a" * 21}, "id"),
        ({"status": "closed"}, "status"),
    ):
        response = client.post("/api/loaners/locations", json=LOCATION | change, headers=admin)
        assert (response.status_code, response.json()["error"]["details"][0]["loc"][-1]) == (422, field)
    created = client.post("/api/loaners/locations", json=LOCATION, headers=admin)
    assert (created.status_code, created.json()["notify_status_change"], created.json()["status"]) == (
        201,
        False,
        "active",
    )
    taken = client.post("/api/loaners/locations", json=LOCATION | {"id": "nara2"}, headers=admin)
    assert (taken.status_code, taken.json()["error"]["details"]) == (409, {"field": "code", "rule": "unique"})
    assert client.patch("/api/loaners/locations/nara1", json={"status": "inactive"}, headers=admin).status_code == 200
    entries = db.scalars(select(AuditEntry).where(AuditEntry.domain == "loaners").order_by(AuditEntry.seq)).all()
    assert [(e.action, e.target_type, e.target_id) for e in entries] == [
        ("create", "location", "nara1"),
        ("update", "location", "nara1"),
    ]
    assert entries[1].changes == {"status": {"before": "active", "after": "inactive"}}
    db.commit()
    device = client.post(
        "/api/loaners/devices",
        json={"location_id": "nara1", "model_id": "MODEL_001", "serial_number": "S1"},
        headers=admin,
    )
    assert (device.status_code, device.json()["error"]["details"]["rule"]) == (422, "inactive_location")


@pytest.mark.dialect
def test_a_location_holding_devices_keeps_its_code_and_cannot_be_deleted(client, db):
    make_device(db, "osaka")
    admin = headers(db, "admin1", "admin")
    db.commit()
    assert client.patch("/api/loaners/locations/osaka", json={"code": "OSK"}, headers=admin).status_code == 409
    assert client.delete("/api/loaners/locations/osaka", headers=admin).status_code == 409
    assert (
        client.patch("/api/loaners/locations/osaka", json={"name": "大阪営業所"}, headers=admin).json()["name"]
        == "大阪営業所"
    )
    assert client.delete("/api/loaners/locations/himeji", headers=admin).status_code == 204


@pytest.mark.dialect
def test_model_name_rules_category_and_number_section(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    body = {"name": "Surface-Pro-9", "maker": "Microsoft", "category": "Tablet"}
    for change in (
        {"name": "Surface Pro 9"},
        {"name": "Surface_Pro_9"},
        {"name": "Surface\u3000Pro"},
        {"category": "tablet"},
        {"category": "Phone"},
    ):
        assert client.post("/api/loaners/models", json=body | change, headers=admin).status_code == 422, change
    section_empty = client.post("/api/loaners/models", json=body | {"name": "謎の機械"}, headers=admin)
    assert section_empty.json()["error"]["details"]["rule"] == "model_section_empty"
    same_section = client.post("/api/loaners/models", json=body | {"name": "iPad-Pro-129"}, headers=admin)
    assert same_section.json()["error"]["details"]["rule"] == "model_section_unique"
    created = client.post("/api/loaners/models", json=body, headers=admin).json()
    assert (created["id"], created["kind"], created["category_label"], created["number_section"]) == (
        "MODEL_007",
        "terminal",
        "タブレット",
        "Surface-Pro-9",
    )
    categories = client.get("/api/loaners/categories", headers=admin).json()
    assert [(c["category"], c["number_section"], c["device_type"]) for c in categories][:3] == [
        ("Desktop", "Desktop", "CL"),
        ("Laptop", "Laptop", "CL"),
        ("Server", "SV", "SV"),
    ]


@pytest.mark.dialect
def test_a_model_in_use_keeps_its_name_and_category(client, db):
    device = make_device(db, model_id="MODEL_002")
    answer(db, device, LENT)
    admin = headers(db, "admin1", "admin")
    db.commit()
    assert (
        client.patch("/api/loaners/models/MODEL_002", json={"name": "OptiPlex-7010"}, headers=admin).status_code == 409
    )
    assert (
        client.patch("/api/loaners/models/MODEL_002", json={"maker": "DELL"}, headers=admin).json()["maker"] == "DELL"
    )
    assert client.delete("/api/loaners/models/MODEL_002", headers=admin).status_code == 409
    assert client.delete(f"/api/loaners/devices/{device.id}", headers=admin).status_code == 409
    assert client.delete("/api/loaners/models/MODEL_006", headers=admin).status_code == 204


def test_data_types_keep_unique_order_and_the_built_in_ones(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    body = {"id": "MONTHLY_REPORT", "name": "月次", "display_order": 3}
    assert client.post("/api/loaners/data-types", json=body, headers=admin).status_code == 409
    assert client.post("/api/loaners/data-types", json=body | {"id": "monthly"}, headers=admin).status_code == 422
    assert client.post("/api/loaners/data-types", json=body | {"display_order": 4}, headers=admin).status_code == 201
    assert client.delete("/api/loaners/data-types/NORMAL", headers=admin).status_code == 409
    assert client.delete("/api/loaners/data-types/MONTHLY_REPORT", headers=admin).status_code == 204
    normal = client.get("/api/loaners/data-types/NORMAL", headers=admin).json()
    assert normal["display_settings"]["baseColumns"][:2] == ["拠点管理番号", "機器種別"]
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 2
