"""チームの依頼: a sales manager's view of their agency's requests by sales person and status; every count equals the
request list's total under that person and status, 不備 comes first and the oldest first, and another agency's
requests never count."""

import pytest

from tests.service.crm.conftest import add_site, made, set_status, submit
from tests.service.crm.test_visibility import make_manager

pytestmark = pytest.mark.dialect


def team(client, headers, **params) -> dict:
    return made(client.get("/api/crm/requests/team", params=params, headers=headers))


def listed(client, headers, **params) -> dict:
    return made(client.get("/api/crm/requests", params=params, headers=headers))


def filed(client, world, sales: str) -> int:
    return made(submit(client, getattr(world, sales)))["request"]["id"]


def a_world(client, world) -> dict[str, int]:
    """Sales A: one 対応中, one 不備 (filed later), one 投入済; sales A2: one 対応中 and one 不備; sales B (the other
    agency): one of each, never counted."""
    ids = {name: filed(client, world, sales) for name, sales in (("a_open", "sales_a"), ("a2_open", "sales_a2"))}
    for name, sales in (("a_back", "sales_a"), ("a2_back", "sales_a2"), ("b_back", "sales_b")):
        ids[name] = filed(client, world, sales)
        site = add_site(client, world, ids[name])
        set_status(client, world, site, "deficient", reason="明細が読めません")
    ids["a_done"] = filed(client, world, "sales_a")
    set_status(client, world, add_site(client, world, ids["a_done"]), "submitted")
    filed(client, world, "sales_b")
    return ids


def test_the_managers_team_counts_equal_the_lists_totals_within_the_agency(client, world):
    ids = a_world(client, world)
    make_manager(client, world, "sales_a2")
    seen = team(client, world.sales_a2)
    assert [(m["name"], m["counts"]) for m in seen["members"]] == [
        (
            "営業A",
            {"deficient": 1, "in_progress": 1, "submitted": 1, "partly_cancelled": 0, "cancelled": 0},
        ),  # its oldest open request is older
        ("営業A2", {"deficient": 1, "in_progress": 1, "submitted": 0, "partly_cancelled": 0, "cancelled": 0}),
    ]
    assert seen["total"] == listed(client, world.sales_a2)["total"] == 5
    for member in seen["members"]:
        for status, count in member["counts"].items():
            page = listed(client, world.sales_a2, requested_by=member["user_id"], status=status)
            assert page["total"] == count, (member["name"], status)
        assert listed(client, world.sales_a2, requested_by=member["user_id"])["total"] == member["total"]

    ordered = listed(client, world.sales_a2, order="attention")["items"]
    assert [item["id"] for item in ordered] == [
        ids["a_back"],
        ids["a2_back"],
        ids["a_open"],
        ids["a2_open"],
        ids["a_done"],
    ]

    deficient_only = team(client, world.sales_a2, status="deficient")
    assert [m["total"] for m in deficient_only["members"]] == [1, 1]
    refused = client.get("/api/crm/requests/team", params={"agency_id": world.agency_b}, headers=world.sales_a2)
    assert refused.status_code == 404


def test_a_sales_person_who_is_no_manager_sees_only_themselves_and_the_back_office_every_agency(client, world):
    a_world(client, world)
    own = team(client, world.sales_a)
    assert [m["name"] for m in own["members"]] == ["営業A"] and own["total"] == 3
    everyone = team(client, world.admin)
    assert everyone["total"] == listed(client, world.admin)["total"] == 7
    assert everyone["totals"] == {
        "deficient": 3,
        "in_progress": 3,
        "submitted": 1,
        "partly_cancelled": 0,
        "cancelled": 0,
    }
    one_agency = team(client, world.operator, agency_id=world.agency_b)
    assert [m["name"] for m in one_agency["members"]] == ["営業B"]
