"""A grant's scope must name a tenant that exists, and every returned grant names its tenant."""

import pytest
from sqlalchemy import select

from service.crm.models import Agency
from service.fleet.models import Customer
from service.identity.models import Grant
from tests.factories import auth_headers, make_user


@pytest.fixture
def admin(db) -> dict[str, str]:
    headers = auth_headers(make_user(db, "admin", grants={"platform": "admin"}))
    db.commit()
    return headers


@pytest.mark.parametrize(
    ("domain", "role", "scope"),
    [("fleet", "viewer", "99999"), ("loaners", "staff", "沖縄"), ("crm", "sales", "999"), ("entry_logs", "staff", "x")],
)
def test_a_grant_to_a_tenant_that_does_not_exist_is_refused_naming_the_scope(client, db, admin, domain, role, scope):
    user = make_user(db, "tanaka")
    db.commit()
    response = client.put(
        f"/api/admin/users/{user.id}/grants/{domain}", json={"role": role, "scope": scope}, headers=admin
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"]["rule"] == "scope_exists" and error["details"]["scope"] == scope
    assert scope in error["message"]
    assert db.scalars(select(Grant).where(Grant.user_id == user.id)).all() == []


def test_every_returned_grant_names_its_tenant(client, db, admin):
    customer, agency = Customer(company_name="東都リテール"), Agency(code="AG01", name="みなと代理店")
    db.add_all([customer, agency])
    user = make_user(db, "sato", password="password-123")
    db.commit()
    url = f"/api/admin/users/{user.id}"
    put = client.put(f"{url}/grants/fleet", json={"role": "viewer", "scope": str(customer.id)}, headers=admin)
    assert put.status_code == 200 and put.json()["scope_name"] == "東都リテール"
    client.put(f"{url}/grants/crm", json={"role": "sales", "scope": str(agency.id)}, headers=admin)
    client.put(f"{url}/grants/loaners", json={"role": "staff", "scope": "関西"}, headers=admin)
    expected = {"fleet": "東都リテール", "crm": "みなと代理店", "loaners": None}  # 関西 is a name already

    def names(user_body: dict) -> dict:
        return {g["domain"]: g["scope_name"] for g in user_body["grants"]}

    assert names(client.get(url, headers=admin).json()) == expected
    assert names(client.patch(url, json={"name": "佐藤"}, headers=admin).json()) == expected
    listed = client.get("/api/admin/users", params={"q": "sato"}, headers=admin).json()["items"]
    assert [names(u) for u in listed] == [expected]
    login = client.post("/api/auth/login", json={"login_id": "sato", "password": "password-123"})
    assert names(login.json()["user"]) == expected


def test_the_cli_refuses_a_scope_that_does_not_exist(db, capsys):
    from service.cli import main

    make_user(db, "alice")
    db.commit()
    assert main(["grants", "set", "alice", "crm", "sales", "--scope", "999"]) != 0
    assert "999" in capsys.readouterr().err
