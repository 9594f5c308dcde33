"""A stale edit merged three ways (locking.lock_edit): with `base`, the 409 names only the fields both people changed,
and the fields only the late editor changed are saved under the current version without typing them again."""

from tests.service.crm.conftest import add_site, made, submit


def patch(client, site_id, body, headers):
    return client.patch(f"/api/crm/sites/{site_id}", json=body, headers=headers)


def site_of(client, world):
    request = made(submit(client, world.sales_a))
    return add_site(client, world, request["request"]["id"], power_branch_name="本店", note="")


def test_a_stale_edit_names_only_the_fields_both_changed(client, world):
    site = site_of(client, world)
    made(patch(client, site["id"], {"note": "先に保存", "version": site["version"]}, world.operator))
    late = {"note": "後から", "power_branch_name": "支店", "version": site["version"]}
    stale = patch(client, site["id"], late | {"base": {"note": "", "power_branch_name": "本店"}}, world.admin)
    assert stale.status_code == 409
    details = stale.json()["error"]["details"]
    assert (details["conflicts"], details["current_version"]) == (["note"], site["version"] + 1)

    # the same value typed by both is no conflict; without base the refusal names no fields (as before)
    same = {"note": "先に保存", "version": site["version"], "base": {"note": ""}}
    assert patch(client, site["id"], same, world.admin).json()["error"]["details"]["conflicts"] == []
    plain = patch(client, site["id"], {"note": "x", "version": site["version"]}, world.admin)
    assert "conflicts" not in plain.json()["error"]["details"]


def test_the_fields_only_one_side_changed_are_saved_under_the_current_version(client, world):
    site = site_of(client, world)
    made(patch(client, site["id"], {"note": "先に保存", "version": site["version"]}, world.operator))
    mine = {"power_branch_name": "支店", "version": site["version"], "base": {"power_branch_name": "本店"}}
    stale = patch(client, site["id"], mine, world.admin)
    assert stale.json()["error"]["details"]["conflicts"] == []
    merged = made(
        patch(client, site["id"], mine | {"version": stale.json()["error"]["details"]["current_version"]}, world.admin)
    )
    assert (merged["power_branch_name"], merged["note"]) == ("支店", "先に保存")


def test_a_stale_edit_of_a_requests_count_keeps_the_remarks_saved_meanwhile(client, world):
    request = made(submit(client, world.sales_a))["request"]
    url = f"/api/crm/requests/{request['id']}"
    made(client.patch(url, json={"remarks": "先に保存", "version": request["version"]}, headers=world.operator))
    mine = {"site_count": 3, "version": request["version"], "base": {"site_count": request["site_count"]}}
    stale = client.patch(url, json=mine, headers=world.admin)
    assert stale.json()["error"]["details"]["conflicts"] == []
    again = mine | {"version": stale.json()["error"]["details"]["current_version"]}
    merged = made(client.patch(url, json=again, headers=world.admin))
    assert (merged["request"]["site_count"], merged["remarks"]) == (3, "先に保存")
