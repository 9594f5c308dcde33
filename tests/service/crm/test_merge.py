"""A stale edit merged three ways (locking.lock_edit): with `base`, the 409 names only the fields both people changed,
and the fields only the late editor changed are saved under the current version without typing them again."""

import pytest

from tests.service.crm.conftest import add_site, made, submit

pytestmark = pytest.mark.dialect


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


def test_a_stale_user_edit_merges_fields_kept_on_the_user_the_grant_and_the_profile(client, world):
    """ユーザー管理: 氏名 is the platform user's, 役割 the grant's, the codes the profile's; one version counts them."""
    url = f"/api/crm/users/{world.ids['sales_a']}"
    opened = made(client.get(url, headers=world.admin))
    made(client.patch(url, json={"name": "営業A（改姓）", "version": opened["version"]}, headers=world.admin))
    mine = {"l_code": "L0009", "is_sales_manager": True, "version": opened["version"]}
    stale = client.patch(url, json=mine | {"base": {"l_code": "L0001", "is_sales_manager": False}}, headers=world.admin)
    assert stale.status_code == 409
    details = stale.json()["error"]["details"]
    assert details["conflicts"] == []
    merged = made(client.patch(url, json=mine | {"version": details["current_version"]}, headers=world.admin))
    assert (merged["name"], merged["l_code"], merged["is_sales_manager"]) == ("営業A（改姓）", "L0009", True)

    both = {"name": "営業A（旧姓）", "role": "operator", "agency_id": None, "version": opened["version"]}
    base = {"name": "営業A", "role": "sales", "agency_id": world.agency_a}
    conflict = client.patch(url, json=both | {"base": base}, headers=world.admin)
    assert conflict.json()["error"]["details"]["conflicts"] == ["name"]


def test_a_user_edit_sending_an_empty_agency_takes_the_agency_away(client, world):
    url = f"/api/crm/users/{world.ids['sales_a']}"
    version = made(client.get(url, headers=world.admin))["version"]
    moved = made(
        client.patch(url, json={"role": "operator", "agency_id": None, "version": version}, headers=world.admin)
    )
    assert (moved["role"], moved["agency_id"], moved["agency_name"]) == ("operator", None, "")
