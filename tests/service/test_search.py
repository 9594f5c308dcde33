"""A name stored as it was typed, full-width letters and all (ＡＢＣ商事), is found by what it means: the search box
reads what is typed NFKC, and the lists' search matches the term's full-width form too (service/search.py)."""

import pytest

from tests.factories import auth_headers, make_user
from tests.service.crm.conftest import corporation, made, masters_and_storage, submit, world  # noqa: F401 - fixtures
from tests.service.fleet.conftest import make_customer


def names(client, url, q, headers, field) -> list[str]:
    response = client.get(url, params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [item[field] for item in response.json()["items"]]


@pytest.mark.parametrize("typed", ["ABC", "abc", "ＡＢＣ", "ａｂｃ商事"])
def test_a_customer_stored_full_width_is_found_typing_either_width(client, db, typed):
    make_customer(db, "ＡＢＣ商事")
    make_customer(db, "ABC物流")
    make_customer(db, "東和モータース")
    headers = auth_headers(make_user(db, "operator", grants={"fleet": "operator"}))
    db.commit()
    found = names(client, "/api/fleet/customers", typed, headers, "company_name")
    assert sorted(found) == (["ABC物流", "ＡＢＣ商事"] if "商事" not in typed else ["ＡＢＣ商事"])


@pytest.mark.dialect
def test_a_corporation_stored_full_width_is_found_by_its_half_width_name(client, world):  # noqa: F811
    made(submit(client, world.sales_a, corporation=corporation(last_name="ＡＢＣ商事株式会社")))
    found = names(client, "/api/crm/corporations", "abc商事", world.sales_a, "display_name")
    assert found == ["ＡＢＣ商事株式会社"]
