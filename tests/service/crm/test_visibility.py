"""Which cases a sales person's lists show (§3 獲得案件一覧「自分のみ」, §5「自代理店のみ」): their own, or the whole
agency's when their profile carries the sales-manager flag; another agency's cases never, its ids still 404."""

import pytest

from tests.service.crm.conftest import add_site, made, set_status, submit

pytestmark = pytest.mark.dialect


def acquired_by(client, world, sales: str) -> dict:
    """A request of that sales person with one 投入済 site named after them; returns the request id and branch."""
    request = made(submit(client, getattr(world, sales)))["request"]["id"]
    set_status(client, world, add_site(client, world, request, power_branch_name=f"{sales}店"), "submitted")
    return request


def seen(client, headers) -> tuple[set[int], set[str], set[str]]:
    """The requests, 獲得案件一覧's branches and the CSV's branches the caller is shown."""
    requests = {r["id"] for r in client.get("/api/crm/requests", headers=headers).json()["items"]}
    acquired = client.get("/api/crm/acquired", headers=headers).json()["items"]
    branches = {site["power_branch_name"] for group in acquired for site in group["sites"]}
    csv = client.get("/api/crm/acquired.csv", headers=headers).content.decode("utf-8-sig")
    exported = {name for name in ("sales_a店", "sales_a2店", "sales_b店") if name in csv}
    return requests, branches, exported


def make_manager(client, world, sales: str, flag: bool = True) -> dict:
    user_id = world.ids[sales]
    version = client.get(f"/api/crm/users/{user_id}", headers=world.admin).json()["version"]
    body = {"is_sales_manager": flag, "version": version}
    return made(client.patch(f"/api/crm/users/{user_id}", json=body, headers=world.admin))


def test_a_sales_person_sees_their_own_cases_and_a_sales_manager_the_agencys(client, world):
    own, colleague = acquired_by(client, world, "sales_a2"), acquired_by(client, world, "sales_a")
    other_agency = acquired_by(client, world, "sales_b")

    assert seen(client, world.sales_a2) == ({own}, {"sales_a2店"}, {"sales_a2店"})
    assert seen(client, world.sales_a) == ({colleague}, {"sales_a店"}, {"sales_a店"})

    assert make_manager(client, world, "sales_a2")["is_sales_manager"] is True
    assert seen(client, world.sales_a2) == ({own, colleague}, {"sales_a店", "sales_a2店"}, {"sales_a店", "sales_a2店"})
    assert seen(client, world.operator)[0] == {own, colleague, other_agency}

    for path, params in (
        (f"/api/crm/requests/{other_agency}", {}),
        ("/api/crm/requests", {"agency_id": world.agency_b}),
        ("/api/crm/acquired", {"agency_id": world.agency_b}),
        ("/api/crm/acquired.csv", {"agency_id": world.agency_b}),
    ):
        answer = client.get(path, params=params, headers=world.sales_a2)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", path

    audit = client.get("/api/crm/audit", params={"action": "update", "target_type": "profile"}, headers=world.admin)
    assert audit.json()["items"][0]["changes"]["is_sales_manager"] == {"before": False, "after": True}
    make_manager(client, world, "sales_a2", flag=False)
    assert seen(client, world.sales_a2)[0] == {own}


def test_only_a_sales_person_can_be_a_sales_manager_and_leaving_sales_drops_the_flag(client, world):
    refused = client.patch(
        f"/api/crm/users/{world.ids['operator']}", json={"is_sales_manager": True}, headers=world.admin
    )
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "sales_only"
    make_manager(client, world, "sales_a")
    version = client.get(f"/api/crm/users/{world.ids['sales_a']}", headers=world.admin).json()["version"]
    moved = client.patch(
        f"/api/crm/users/{world.ids['sales_a']}",
        json={"role": "operator", "clear_agency": True, "version": version},
        headers=world.admin,
    )
    assert made(moved)["is_sales_manager"] is False
