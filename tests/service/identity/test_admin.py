from sqlalchemy import select

from service.audit.models import AuditEntry
from service.crm.models import Agency
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user


def setup_admin(db):
    admin = make_user(db, "admin", grants={"platform": "admin"})
    db.commit()
    return auth_headers(admin)


def test_admin_creates_user_grants_role_and_it_is_audited(client, db):
    headers = setup_admin(db)
    created = client.post(
        "/api/admin/users",
        json={"login_id": "sato", "name": "佐藤", "email": "sato@example.jp", "password": "password-123"},
        headers=headers,
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    agency = Agency(code="AG03", name="みなと代理店")
    db.add(agency)
    db.commit()
    body = {"role": "sales", "scope": str(agency.id)}
    grant = client.put(f"/api/admin/users/{user_id}/grants/crm", json=body, headers=headers)
    assert grant.status_code == 200
    assert grant.json()["role_label"] == "営業担当者"
    fetched = client.get(f"/api/admin/users/{user_id}", headers=headers).json()
    assert fetched["grants"] == [grant.json()]
    actions = db.execute(select(AuditEntry.action, AuditEntry.target_type).order_by(AuditEntry.seq)).all()
    assert ("create", "user") in actions and ("create", "grant") in actions


def test_changing_a_grant_records_before_and_after(client, db):
    headers = setup_admin(db)
    user = make_user(db, "tanaka", grants={"fleet": "viewer"})
    db.commit()
    client.put(f"/api/admin/users/{user.id}/grants/fleet", json={"role": "operator"}, headers=headers)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_type == "grant")).one()
    assert entry.action == "update"
    assert entry.changes["role"] == {"before": "viewer", "after": "operator"}


def test_grant_rules(client, db):
    headers = setup_admin(db)
    user = make_user(db, "suzuki")
    db.commit()
    url = f"/api/admin/users/{user.id}/grants"
    assert (
        client.put(f"{url}/crm", json={"role": "sales"}, headers=headers).json()["error"]["details"]["rule"]
        == "scope_required"
    )
    assert client.put(f"{url}/crm", json={"role": "operator", "scope": "1"}, headers=headers).status_code == 422
    assert client.put(f"{url}/fleet", json={"role": "king"}, headers=headers).status_code == 422
    assert client.put(f"{url}/nowhere", json={"role": "admin"}, headers=headers).status_code == 404
    assert client.delete(f"{url}/fleet", headers=headers).status_code == 404


def test_duplicate_login_id_and_bad_fields(client, db):
    headers = setup_admin(db)
    make_user(db, "taken")
    db.commit()
    dup = client.post(
        "/api/admin/users", json={"login_id": "TAKEN", "name": "x", "password": "password-123"}, headers=headers
    )
    assert dup.status_code == 409
    bad = client.post(
        "/api/admin/users", json={"login_id": "a b", "name": "", "email": "nope", "password": "short"}, headers=headers
    )
    assert bad.status_code == 422
    fields = {d["loc"][-1] for d in bad.json()["error"]["details"]}
    assert fields == {"login_id", "name", "email", "password"}


def test_deactivating_a_user_ends_their_access(client, db):
    headers = setup_admin(db)
    user = make_user(db, "leaver", grants={"fleet": "viewer"})
    db.commit()
    own = auth_headers(user)
    assert client.get("/api/auth/me", headers=own).status_code == 200
    assert client.patch(f"/api/admin/users/{user.id}", json={"is_active": False}, headers=headers).status_code == 200
    assert client.get("/api/auth/me", headers=own).status_code == 401


def test_a_token_issued_before_a_deactivation_stays_refused_once_the_account_is_active_again(client, db):
    headers = setup_admin(db)
    user = make_user(db, "returner", grants={"fleet": "viewer"})
    db.commit()
    before = auth_headers(user)
    for active in (False, True):
        answer = client.patch(f"/api/admin/users/{user.id}", json={"is_active": active}, headers=headers)
        assert answer.status_code == 200

    refused = client.get("/api/auth/me", headers=before)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "token_revoked")
    login = client.post("/api/auth/login", json={"login_id": "returner", "password": DEFAULT_PASSWORD})
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert client.get("/api/auth/me", headers=fresh).status_code == 200


def test_only_platform_admins_reach_admin_routes(client, db):
    operator = make_user(db, "op", grants={"fleet": "admin"})
    db.commit()
    response = client.get("/api/admin/users", headers=auth_headers(operator))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/admin/users").status_code == 401


def test_user_search_and_paging(client, db):
    headers = setup_admin(db)
    for n in range(5):
        make_user(db, f"staff{n}", name=f"職員{n}")
    db.commit()
    page = client.get("/api/admin/users", params={"q": "staff", "page": 2, "page_size": 2}, headers=headers).json()
    assert page["total"] == 5
    assert [u["login_id"] for u in page["items"]] == ["staff2", "staff3"]
