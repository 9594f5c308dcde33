"""Provisioning over SCIM: people and groups made, found, changed and removed by the company's directory, the grants
groups give, the tokens it calls with, and a leaver's sessions."""

from sqlalchemy import select

from service.audit.models import AuditEntry
from service.identity.models import Grant, User
from service.identity.scim.errors import MEDIA_TYPE
from tests.factories import auth_headers, make_user

SCIM = "/api/scim/v2"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def admin_headers(db):
    admin = make_user(db, "admin", name="管理 者", grants={"platform": "admin"})
    db.commit()
    return auth_headers(admin)


def scim_token(client, headers, name="entra-prod") -> dict[str, str]:
    made = client.post("/api/admin/scim-tokens", json={"name": name}, headers=headers)
    assert made.status_code == 201
    return {"Authorization": f"Bearer {made.json()['secret']}"}


def person(user_name: str, name: str, email: str, external_id: str) -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "externalId": external_id,
        "name": {"formatted": name, "familyName": name.split()[0], "givenName": name.split()[-1]},
        "displayName": name,
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
    }


def patch(*operations: dict) -> dict:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def found(client, token, query: str) -> list[str]:
    answer = client.get(f"{SCIM}/Users", params={"filter": query}, headers=token)
    assert answer.status_code == 200, answer.text
    return [u["userName"] for u in answer.json()["Resources"]]


def test_a_person_is_created_found_changed_and_removed(client, db):
    token = scim_token(client, admin_headers(db))
    created = client.post(
        f"{SCIM}/Users",
        json=person("taro.yamada@corp.example.jp", "山田 太郎", "taro@corp.example.jp", "e-1"),
        headers=token,
    )
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith(MEDIA_TYPE)
    taro = created.json()
    assert (taro["userName"], taro["displayName"], taro["active"]) == ("taro.yamada@corp.example.jp", "山田 太郎", True)
    assert created.headers["location"].endswith(f"/api/scim/v2/Users/{taro['id']}")
    row = db.get(User, int(taro["id"]))
    assert (row.source, row.password_hash, row.name, row.email) == (
        "directory",
        None,
        "山田 太郎",
        "taro@corp.example.jp",
    )
    db.commit()  # the test's read ends before the service writes
    for other in ("hanako", "jiro"):
        body = person(f"{other}@corp.example.jp", f"山田 {other}", f"{other}@corp.example.jp", f"e-{other}")
        assert client.post(f"{SCIM}/Users", json=body, headers=token).status_code == 201

    assert found(client, token, 'userName eq "TARO.YAMADA@corp.example.jp"') == ["taro.yamada@corp.example.jp"]
    assert found(client, token, 'externalId eq "e-hanako"') == ["hanako@corp.example.jp"]
    assert found(client, token, 'emails.value eq "jiro@corp.example.jp"') == ["jiro@corp.example.jp"]
    assert found(client, token, 'emails[type eq "work" and value co "hanako"]') == ["hanako@corp.example.jp"]
    assert found(client, token, 'userName sw "ji" or externalId eq "e-1"') == [
        "taro.yamada@corp.example.jp",
        "jiro@corp.example.jp",
    ]
    paging = {"filter": 'userName ew "corp.example.jp"', "startIndex": 2, "count": 1}
    second = client.get(f"{SCIM}/Users", params=paging, headers=token).json()
    assert (second["totalResults"], second["startIndex"], second["itemsPerPage"]) == (3, 2, 1)
    assert [u["userName"] for u in second["Resources"]] == ["hanako@corp.example.jp"]

    url = f"{SCIM}/Users/{taro['id']}"
    entra = patch(
        {"op": "Replace", "path": "displayName", "value": "山田 太一"},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "taichi@corp.example.jp"},
    )
    changed = client.patch(url, json=entra, headers=token)
    assert changed.status_code == 200, changed.text
    assert changed.json()["emails"][0]["value"] == "taichi@corp.example.jp"
    okta = patch({"op": "replace", "value": {"active": False}})
    assert client.patch(url, json=okta, headers=token).json()["active"] is False
    db.expire_all()
    assert (row.name, row.email, row.is_active) == ("山田 太一", "taichi@corp.example.jp", False)
    db.commit()
    assert client.patch(url, json=patch({"op": "replace", "path": "active", "value": True}), headers=token).json()[
        "active"
    ]
    replaced = person("taro.yamada@corp.example.jp", "山田 太郎", "taro@corp.example.jp", "e-1") | {"active": False}
    assert client.put(url, json=replaced, headers=token).json()["displayName"] == "山田 太郎"

    assert client.delete(url, headers=token).status_code == 204
    assert client.get(url, headers=token).status_code == 404
    assert found(client, token, 'userName eq "taro.yamada@corp.example.jp"') == []
    db.expire_all()
    assert row.is_active is False and row.removed_at is not None  # the records they made still name them


def test_refusals_take_scims_error_shape_in_japanese(client, db):
    token = scim_token(client, admin_headers(db))
    refused = client.post(
        f"{SCIM}/Users", json=person("山田", "山田 太郎", "taro@corp.example.jp", "e-1"), headers=token
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith(MEDIA_TYPE)
    error = refused.json()
    assert (error["schemas"], error["status"], error["scimType"]) == ([ERROR_SCHEMA], "400", "invalidValue")
    assert "ログインID" in error["detail"]
    body = person("hanako@corp.example.jp", "山田 花子", "hanako@corp.example.jp", "e-2")
    assert client.post(f"{SCIM}/Users", json=body, headers=token).status_code == 201
    again = client.post(f"{SCIM}/Users", json=body | {"externalId": "e-3"}, headers=token)
    assert (again.status_code, again.json()["scimType"]) == (409, "uniqueness")
    bad_filter = client.get(f"{SCIM}/Users", params={"filter": 'userName eq "unterminated'}, headers=token)
    assert (bad_filter.status_code, bad_filter.json()["scimType"]) == (400, "invalidFilter")
    for unknown in ("999999", "99999999999999999999", "１２"):
        assert client.get(f"{SCIM}/Users/{unknown}", headers=token).json()["status"] == "404"
    beyond = {"startIndex": 10**30, "filter": 'id eq "99999999999999999999"'}
    huge = client.get(f"{SCIM}/Users", params=beyond, headers=token)
    assert (huge.status_code, huge.json()["totalResults"]) == (200, 0)
    assert db.scalar(select(User).where(User.login_id == "山田")) is None  # nothing half-written


def test_a_revoked_token_is_refused_and_no_token_is_audited(client, db):
    headers = admin_headers(db)
    token = scim_token(client, headers, "okta")
    assert client.get(f"{SCIM}/Users", headers=token).status_code == 200
    listed = client.get("/api/admin/scim-tokens", headers=headers).json()
    assert [(t["name"], t["last_used_at"] is not None, t["revoked_at"]) for t in listed] == [("okta", True, None)]
    assert client.post(f"/api/admin/scim-tokens/{listed[0]['id']}/revoke", headers=headers).status_code == 200
    refused = client.get(f"{SCIM}/Users", headers=token)
    assert refused.status_code == 401
    assert refused.json()["schemas"] == [ERROR_SCHEMA]
    assert client.get(f"{SCIM}/Users", headers={"Authorization": "Bearer daicho_scim_guessed"}).status_code == 401
    assert client.get(f"{SCIM}/Users").status_code == 401
    secret = token["Authorization"].removeprefix("Bearer ")
    entries = db.scalars(select(AuditEntry).where(AuditEntry.target_type == "scim_token")).all()
    assert [e.action for e in entries] == ["create", "revoke"]
    assert all(secret not in str(e.changes) for e in db.scalars(select(AuditEntry)))


def test_a_person_the_directory_deactivates_is_refused_at_their_next_request(client, db):
    headers = admin_headers(db)
    token = scim_token(client, headers)
    yamada = make_user(db, "yamada", name="山田 太郎", grants={"fleet": "viewer"})
    db.commit()
    session = auth_headers(yamada)
    assert client.get("/api/auth/me", headers=session).status_code == 200
    off = client.patch(
        f"{SCIM}/Users/{yamada.id}", json=patch({"op": "replace", "path": "active", "value": False}), headers=token
    )
    assert off.status_code == 200, off.text
    refused = client.get("/api/auth/me", headers=session)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "account_inactive"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.action == "update")).one()
    assert (entry.actor_type, entry.actor_label) == ("scim", "entra-prod")
    db.commit()
    shown = client.get("/api/admin/audit", params={"target_type": "user"}, headers=headers).json()["items"]
    assert "SCIM（entra-prod）" in {e["actor_name"] for e in shown}


def group(name: str, *members: int) -> dict:
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": str(m)} for m in members]}


def held(db, user_id: int) -> dict[str, tuple[str, int | None]]:
    db.expire_all()
    grants = {g.domain: (g.role, g.group_id) for g in db.scalars(select(Grant).where(Grant.user_id == user_id))}
    db.commit()  # the test's read ends before the service writes
    return grants


def test_a_groups_grants_are_its_members_until_they_leave(client, db):
    headers = admin_headers(db)
    token = scim_token(client, headers)
    sato = make_user(db, "sato", name="佐藤 一郎")
    suzuki = make_user(db, "suzuki", name="鈴木 次郎", grants={"fleet": "admin"})
    db.commit()
    sato_session, sato, suzuki = auth_headers(sato), sato.id, suzuki.id
    db.commit()
    sales = client.post(f"{SCIM}/Groups", json=group("営業部", sato, suzuki), headers=token)
    assert sales.status_code == 201, sales.text
    sales_id = sales.json()["id"]
    given = client.put(f"/api/admin/groups/{sales_id}/grants/fleet", json={"role": "viewer"}, headers=headers)
    assert given.status_code == 200, given.text
    assert held(db, sato) == {"fleet": ("viewer", int(sales_id))}
    assert held(db, suzuki) == {"fleet": ("admin", None)}  # their own grant wins
    me = client.get("/api/auth/me", headers=sato_session).json()
    assert [(g["domain"], g["group_name"]) for g in me["grants"]] == [("fleet", "営業部")]
    taking_own = client.delete(f"/api/admin/users/{sato}/grants/fleet", headers=headers)
    assert (taking_own.status_code, taking_own.json()["error"]["details"]["rule"]) == (409, "held_by_group")

    support = client.post("/api/admin/groups", json={"display_name": "サポート", "member_ids": [sato]}, headers=headers)
    support_id = support.json()["id"]
    client.put(f"/api/admin/groups/{support_id}/grants/fleet", json={"role": "support"}, headers=headers)
    client.put(f"/api/admin/groups/{support_id}/grants/reservations", json={"role": "support"}, headers=headers)
    assert held(db, sato) == {"fleet": ("viewer", int(sales_id)), "reservations": ("support", support_id)}

    leave = patch({"op": "remove", "path": f'members[value eq "{sato}"]'})
    assert client.patch(f"{SCIM}/Groups/{sales_id}", json=leave, headers=token).status_code == 200
    assert held(db, sato) == {"fleet": ("support", support_id), "reservations": ("support", support_id)}
    assert client.delete(f"/api/admin/groups/{support_id}", headers=headers).status_code == 204
    assert held(db, sato) == {}
    assert client.delete(f"/api/admin/users/{suzuki}/grants/fleet", headers=headers).status_code == 204
    assert held(db, suzuki) == {"fleet": ("viewer", int(sales_id))}  # the group's, once their own is gone
    rejoin = patch({"op": "add", "path": "members", "value": [{"value": str(sato)}]})
    assert client.patch(f"{SCIM}/Groups/{sales_id}", json=rejoin, headers=token).status_code == 200
    assert held(db, sato) == {"fleet": ("viewer", int(sales_id))}
    actions = db.execute(
        select(AuditEntry.action, AuditEntry.actor_label).where(AuditEntry.target_type == "grant")
    ).all()
    assert ("update", "entra-prod") in actions and ("create", "entra-prod") in actions  # the directory moved them


SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def search_root(client, token, **query) -> dict:
    answer = client.post(f"{SCIM}/.search", json={"schemas": [SEARCH_SCHEMA]} | query, headers=token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(MEDIA_TYPE)
    return answer.json()


def kinds_and_names(page: dict) -> list[tuple[str, str]]:
    return [(r["schemas"][0].rpartition(":")[2], r.get("userName") or r["displayName"]) for r in page["Resources"]]


def test_a_search_at_the_root_finds_people_then_groups_paged_over_both(client, db):
    token = scim_token(client, admin_headers(db))
    for login, name in (("ichiro", "営業 一郎"), ("jiro", "営業 次郎")):
        body = person(f"{login}@corp.example.jp", name, f"{login}@corp.example.jp", f"e-{login}")
        assert client.post(f"{SCIM}/Users", json=body, headers=token).status_code == 201
    for name in ("営業部", "総務部"):
        assert client.post(f"{SCIM}/Groups", json=group(name), headers=token).status_code == 201

    sales = search_root(client, token, filter='displayName sw "営業"', attributes=["displayName", "userName"])
    assert sales["totalResults"] == 3
    assert kinds_and_names(sales) == [
        ("User", "ichiro@corp.example.jp"),
        ("User", "jiro@corp.example.jp"),
        ("Group", "営業部"),
    ]
    assert all("emails" not in r for r in sales["Resources"])  # only the attributes asked for
    across = search_root(client, token, filter='displayName sw "営業"', startIndex=2, count=2)
    assert (across["totalResults"], across["startIndex"], across["itemsPerPage"]) == (3, 2, 2)
    assert kinds_and_names(across) == [("User", "jiro@corp.example.jp"), ("Group", "営業部")]
    by_name = search_root(client, token, filter='userName eq "ichiro@corp.example.jp"')  # groups have no userName
    assert kinds_and_names(by_name) == [("User", "ichiro@corp.example.jp")]
    everything = search_root(client, token, count=0)
    assert (everything["totalResults"], everything.get("Resources", [])) == (5, [])  # the administrator too

    refused = client.post(f"{SCIM}/.search", json={"schemas": [SEARCH_SCHEMA], "filter": "((("}, headers=token)
    assert refused.status_code == 400 and refused.json()["scimType"] == "invalidFilter"
