"""マスタ管理 (§8-9): admins add, edit, deactivate and delete options and choices, audited; a code in use is never
deleted, and a deactivated one is refused for new entries but stays valid where it is stored."""

import pytest

from tests.service.crm.conftest import add_site, corporation, made, submit


def _request_with_site(client, world, **site_fields) -> tuple[dict, dict]:
    request = made(submit(client, world.sales_a))
    return request, add_site(client, world, request["request"]["id"], **site_fields)


def _audit(client, world, target_type: str) -> list[tuple[str, str, dict]]:
    items = client.get("/api/crm/audit", params={"target_type": target_type}, headers=world.admin).json()["items"]
    return [(e["action"], e["target_id"], e["changes"]) for e in items]


def test_only_admins_keep_the_masters(client, world):
    for headers in (world.sales_a, world.operator):
        assert client.get("/api/crm/masters/manage", headers=headers).status_code == 403
        body = {"code": "OPT9", "name": "x", "price_label": "0円"}
        assert client.post("/api/crm/masters/options", json=body, headers=headers).status_code == 403
    manage = made(client.get("/api/crm/masters/manage", headers=world.admin))
    assert set(manage["choices"]) == set(manage["kind_labels"]) and manage["kind_labels"]["job_type"] == "業種"
    assert "service_type" not in manage["choices"]
    assert [o["code"] for o in manage["options"]][:2] == ["OPT001002", "OPT004126"]


@pytest.mark.dialect
def test_an_option_is_added_edited_and_deleted_with_audit(client, world):
    body = {"code": "OPT099000", "name": "新オプション", "price_label": "100円/月(税込)", "sort_order": 50}
    created = made(client.post("/api/crm/masters/options", json=body, headers=world.admin))
    assert (created["is_active"], created["version"], created["in_use"]) == (True, 1, 0)
    duplicate = client.post("/api/crm/masters/options", json=body, headers=world.admin)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["details"]["rule"] == "unique"
    offered = made(client.get("/api/crm/masters", headers=world.operator))["options"]
    assert {"code": "OPT099000", "name": "新オプション", "price_label": "100円/月(税込)"}.items() <= offered[-1].items()
    edited = made(
        client.patch(
            "/api/crm/masters/options/OPT099000", json={"name": "改名オプション", "version": 1}, headers=world.admin
        )
    )
    assert (edited["name"], edited["version"]) == ("改名オプション", 2)
    stale = client.patch("/api/crm/masters/options/OPT099000", json={"name": "古", "version": 1}, headers=world.admin)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert client.delete("/api/crm/masters/options/OPT099000?version=2", headers=world.admin).status_code == 204
    entries = _audit(client, world, "option_service")
    assert [(action, target) for action, target, _ in entries] == [
        ("delete", "OPT099000"),
        ("update", "OPT099000"),
        ("create", "OPT099000"),
    ]
    assert entries[1][2] == {"name": {"before": "新オプション", "after": "改名オプション"}}
    assert entries[2][2]["price_label"]["after"] == "100円/月(税込)"
    assert entries[0][2]["name"]["before"] == "改名オプション"


@pytest.mark.dialect
def test_an_option_in_use_is_deactivated_not_deleted(client, world):
    _, site = _request_with_site(client, world, option_plans=["OPT013234"])
    refused = client.delete("/api/crm/masters/options/OPT013234?version=1", headers=world.admin)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "in_use" and refused.json()["error"]["details"]["count"] == 1
    assert "無効にしてください" in refused.json()["error"]["message"]
    off = made(
        client.patch("/api/crm/masters/options/OPT013234", json={"is_active": False, "version": 1}, headers=world.admin)
    )
    assert (off["is_active"], off["in_use"]) == (False, 1)
    # The site keeps it and can still be edited with it; a new site cannot pick it.
    kept = made(
        client.patch(
            f"/api/crm/sites/{site['id']}",
            json={"option_plans": ["OPT013234", "OPT001002"], "version": site["version"]},
            headers=world.operator,
        )
    )
    assert kept["option_plans"] == ["OPT013234", "OPT001002"]
    request = made(submit(client, world.sales_a))
    new = client.post(
        f"/api/crm/requests/{request['request']['id']}/sites",
        json={"option_plans": ["OPT013234"]},
        headers=world.operator,
    )
    assert new.status_code == 422 and new.json()["error"]["details"]["rule"] == "option_code"


@pytest.mark.dialect
def test_a_choice_is_added_and_deleted_while_unused(client, world):
    created = made(
        client.post(
            "/api/crm/masters/choices/job_type", json={"code": "12", "label": "医療・福祉"}, headers=world.admin
        )
    )
    assert (created["code"], created["label"], created["is_active"], created["in_use"]) == ("12", "医療・福祉", True, 0)
    used = made(submit(client, world.sales_a, corporation=corporation(job_type="12")))
    assert used["corporation"]["job_type"] == "12"
    fixed = client.post(
        "/api/crm/masters/choices/service_type", json={"code": "x", "label": "水道"}, headers=world.admin
    )
    assert fixed.status_code == 422 and fixed.json()["error"]["details"]["rule"] == "editable_kind"
    made(client.post("/api/crm/masters/choices/job_type", json={"code": "13", "label": "教育"}, headers=world.admin))
    assert client.delete("/api/crm/masters/choices/job_type/13?version=1", headers=world.admin).status_code == 204
    assert client.delete("/api/crm/masters/choices/job_type/13?version=1", headers=world.admin).status_code == 404
    actions = [(a, t) for a, t, _ in _audit(client, world, "choice")]
    assert actions == [("delete", "job_type:13"), ("create", "job_type:13"), ("create", "job_type:12")]


@pytest.mark.dialect
def test_a_choice_in_use_is_deactivated_not_deleted(client, world):
    request = made(submit(client, world.sales_a, corporation=corporation(sales_channel_id="6")))
    corporation_id = request["corporation"]["id"]
    refused = client.delete("/api/crm/masters/choices/sales_channel/6?version=1", headers=world.admin)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "in_use"
    off = made(
        client.patch(
            "/api/crm/masters/choices/sales_channel/6",
            json={"is_active": False, "label": "紹介（旧）", "version": 1},
            headers=world.admin,
        )
    )
    assert (off["is_active"], off["label"], off["in_use"]) == (False, "紹介（旧）", 1)
    listed = made(client.get("/api/crm/masters", headers=world.sales_a))["choices"]["sales_channel"]
    assert {"code": "6", "label": "紹介（旧）", "is_active": False} in listed
    # The corporation keeps its channel through an edit of another field; a new corporation cannot choose it.
    corp = made(client.get(f"/api/crm/corporations/{corporation_id}", headers=world.sales_a))
    edited = client.patch(
        f"/api/crm/corporations/{corporation_id}",
        json={"town": "神南", "version": corp["version"]},
        headers=world.sales_a,
    )
    assert edited.status_code == 200 and edited.json()["sales_channel_id"] == "6"
    new = submit(client, world.sales_a, corporation=corporation(sales_channel_id="6"))
    assert new.status_code == 422 and new.json()["error"]["details"]["field"] == "sales_channel_id"
    entry = _audit(client, world, "choice")[0]
    assert entry[:2] == ("update", "sales_channel:6")
    assert entry[2]["is_active"] == {"before": True, "after": False}


def test_a_choice_code_longer_than_the_field_storing_its_kind_is_refused(client, world):
    """契約者区分 is stored in 2 characters: a 3-character code would be a choice no corporation could hold."""
    body = {"code": "123", "label": "長すぎる区分"}
    refused = client.post("/api/crm/masters/choices/customer_type", json=body, headers=world.admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"] == {"field": "code", "rule": "string_too_long", "max_length": 2}
    assert "2文字以内" in refused.json()["error"]["message"]
    made(client.post("/api/crm/masters/choices/job_type", json=body, headers=world.admin))  # 業種: 3 characters
