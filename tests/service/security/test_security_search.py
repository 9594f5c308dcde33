"""`%` and `_` typed into a search match themselves, not every row."""

import pytest

from tests.factories import auth_headers, make_user
from tests.service.crm.conftest import corporation, made, masters_and_storage, submit, world  # noqa: F401 - fixtures
from tests.service.fleet.conftest import make_customer, make_terminal


def total(client, url, q, headers) -> int:
    response = client.get(url, params={"q": q} if not url.endswith("requests") else {"corporation": q}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["total"]


@pytest.mark.parametrize("wildcard", ["%", "_", "%_%"])
def test_admin_user_search_takes_wildcards_literally(client, db, wildcard):
    admin = make_user(db, "admin", grants={"platform": "admin"})
    make_user(db, "taro_1", name="太郎")
    db.commit()
    headers = auth_headers(admin)
    assert total(client, "/api/admin/users", wildcard, headers) == (1 if wildcard == "_" else 0)
    assert total(client, "/api/admin/users", "taro", headers) == 1


@pytest.mark.parametrize("wildcard", ["%", "_"])
def test_fleet_terminal_search_takes_wildcards_literally(client, db, wildcard):
    customer = make_customer(db, "ABC商事")
    make_terminal(db, customer, "TC200-0001", store_name="新宿店")
    make_terminal(db, customer, "TC200-0002", store_name="100%店")
    headers = auth_headers(make_user(db, "operator", grants={"fleet": "operator"}))
    db.commit()
    assert total(client, "/api/fleet/terminals", wildcard, headers) == (1 if wildcard == "%" else 0)
    assert total(client, "/api/fleet/customers", wildcard, headers) == 0


@pytest.mark.dialect
@pytest.mark.parametrize("wildcard", ["%", "_"])
def test_crm_request_search_takes_wildcards_literally(client, world, wildcard):  # noqa: F811
    made(submit(client, world.sales_a, corporation=corporation(last_name="株式会社アオバ食品")))
    assert total(client, "/api/crm/requests", "アオバ", world.operator) == 1
    assert total(client, "/api/crm/requests", wildcard, world.operator) == 0
    assert total(client, "/api/crm/corporations", wildcard, world.operator) == 0
    assert total(client, "/api/crm/agencies", wildcard, world.admin) == 0
