"""The roster's administration: nurseries (created by domain admins only; the entry-exit password audited without
itself), parents and children (one with logs cannot be deleted)."""

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.entry_logs.models import Nursery
from tests.conftest import TEST_BCRYPT_ROUNDS
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.world import add_log


def audit_rows(db, action):
    rows = list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))
    db.commit()
    return rows


def test_nurseries_are_created_by_domain_admins_only(client, db, staff):
    admin = auth_headers(make_user(db, "el-admin", grants={"entry_logs": "admin"}))
    db.commit()
    body = {"code": "himawari", "name": "ひまわり保育園", "entryExitPassword": "himawari-pass"}
    assert client.post("/api/entry-logs/nurseries", json=body, headers=staff).status_code == 403
    created = client.post("/api/entry-logs/nurseries", json=body, headers=admin)
    assert created.status_code == 201
    assert created.json() | {"id": 0, "createdAt": ""} == {
        "id": 0,
        "code": "himawari",
        "name": "ひまわり保育園",
        "entryExitEnabled": True,
        "closingTime": None,
        "entryMode": "auto",  # the default: each scan decided by the person's state today
        "stationPinSet": False,
        "createdAt": "",
    }
    assert client.post("/api/entry-logs/nurseries", json=body | {"code": "HIMAWARI"}, headers=admin).status_code == 409
    assert client.post("/api/entry-logs/nurseries", json=body | {"code": "bad code!"}, headers=admin).status_code == 422


def test_a_nurserys_own_admin_is_granted_it_and_runs_only_it(client, db, sakura, himawari):
    root = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    head = make_user(db, "encho", name="園長 花子")
    db.commit()
    scoped = {"role": "admin", "scope": str(sakura.nursery.id)}
    granted = client.put(f"/api/admin/users/{head.id}/grants/entry_logs", json=scoped, headers=root)
    assert granted.status_code == 200 and granted.json()["scope_name"] == "さくら保育園"
    catalogue = client.get("/api/admin/roles", headers=root).json()
    assert "admin" in next(d for d in catalogue if d["domain"] == "entry_logs")["scoped_roles"]
    encho = auth_headers(head)

    assert [n["name"] for n in client.get("/api/entry-logs/nurseries", headers=encho).json()] == ["さくら保育園"]
    assert client.get(f"/api/entry-logs/nurseries/{himawari.nursery.id}", headers=encho).status_code == 404
    body = {"code": "tsubame", "name": "つばめ保育園"}
    refused = client.post("/api/entry-logs/nurseries", json=body, headers=encho)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "園を限定された権限では保育園を追加できません"


@pytest.mark.dialect
def test_setting_and_clearing_the_password_is_audited_without_it(client, db, staff, sakura):
    url = f"/api/entry-logs/nurseries/{sakura.nursery.id}/entry-exit-password"
    assert client.put(url, json={"password": "short"}, headers=staff).status_code == 422
    assert client.put(url, json={"password": "new-secret-99"}, headers=staff).status_code == 204
    stored = db.scalar(select(Nursery.entry_exit_password_hash).where(Nursery.id == sakura.nursery.id))
    db.commit()
    assert stored.startswith(f"$2b${TEST_BCRYPT_ROUNDS:02d}$")  # bcrypt at the configured cost
    login = client.post("/api/auth/entry-exit-login", json={"nurseryCode": "sakura", "password": "new-secret-99"})
    assert login.status_code == 200
    assert client.delete(url, headers=staff).status_code == 204
    assert (
        client.get(f"/api/entry-logs/nurseries/{sakura.nursery.id}", headers=staff).json()["entryExitEnabled"] is False
    )
    changes = [
        e.changes for e in audit_rows(db, "set_entry_exit_password") + audit_rows(db, "clear_entry_exit_password")
    ]
    assert changes == [
        {"entry_exit_password": {"before": "[REDACTED]", "after": "[REDACTED]"}},
        {"entry_exit_password": {"before": "[REDACTED]", "after": None}},
    ]
    assert "new-secret-99" not in str(changes) and "$2b$" not in str(changes)


def test_parents_and_children_crud(client, db, staff, sakura):
    nursery = sakura.nursery.id
    parent = client.post(
        "/api/entry-logs/parents",
        json={"nurseryId": nursery, "name": "山田花子", "phone": "090-1234-5678"},
        headers=staff,
    )
    assert parent.status_code == 201
    parent_id = parent.json()["id"]
    child = client.post(
        "/api/entry-logs/children",
        json={"nurseryId": nursery, "name": "山田太郎", "className": "きりん組", "parentIds": [parent_id]},
        headers=staff,
    ).json()
    assert child["parents"] == [{"id": parent_id, "name": "山田花子"}]
    read = client.get(f"/api/entry-logs/parents/{parent_id}", headers=staff).json()
    assert read["children"] == [{"id": child["id"], "name": "山田太郎", "className": "きりん組"}]
    renamed = client.patch(f"/api/entry-logs/parents/{parent_id}", json={"name": "山田はなこ"}, headers=staff).json()
    assert renamed["name"] == "山田はなこ" and renamed["phone"] == "090-1234-5678"
    moved = client.patch(
        f"/api/entry-logs/children/{child['id']}", json={"className": "ぞう組", "parentIds": []}, headers=staff
    ).json()
    assert (moved["className"], moved["parents"]) == ("ぞう組", [])
    listed = client.get("/api/entry-logs/children", params={"className": "ぞう組"}, headers=staff).json()
    assert listed["total"] == 1
    assert "ぞう組" in client.get(f"/api/entry-logs/nurseries/{nursery}/classes", headers=staff).json()
    assert client.get("/api/entry-logs/parents", params={"q": "はなこ"}, headers=staff).json()["total"] == 1
    assert (
        client.post(
            "/api/entry-logs/parents", json={"nurseryId": nursery, "name": "x", "phone": "abc"}, headers=staff
        ).status_code
        == 422
    )
    assert client.delete(f"/api/entry-logs/children/{child['id']}", headers=staff).status_code == 204
    assert client.delete(f"/api/entry-logs/parents/{parent_id}", headers=staff).status_code == 204
    assert (
        client.get(f"/api/entry-logs/parents/{parent_id}", headers=staff).json()["error"]["message"]
        == "保護者が見つかりません"
    )
    assert [e.target_type for e in audit_rows(db, "delete")] == ["child", "parent"]


@pytest.mark.dialect
def test_a_parent_with_logs_cannot_be_deleted(client, db, staff, sakura):
    add_log(db, sakura, sakura.parents[0], "Entry", utcnow())
    db.commit()
    response = client.delete(f"/api/entry-logs/parents/{sakura.parents[0].id}", headers=staff)
    assert response.status_code == 409 and response.json()["error"]["code"] == "parent_has_logs"
