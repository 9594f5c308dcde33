"""獲得案件一覧: 投入済 sites grouped by corporation, searchable, over a period, and as CSV."""

from datetime import timedelta

import pytest

from service.crm.periods import local_today
from service.database import utcnow
from tests.service.crm.conftest import add_site, corporation, made, set_status, submit
from tests.service.crm.sites.test_carrier_export import rows


def acquired_world(client, world):
    first = made(submit(client, world.sales_a))
    second = made(
        submit(client, world.sales_a, corporation=corporation(last_name="有限会社XYZ", corporation_number=""))
    )
    for name in ("渋谷店", "新宿店", "池袋店"):
        set_status(client, world, add_site(client, world, first["request"]["id"], power_branch_name=name), "submitted")
    add_site(client, world, first["request"]["id"], power_branch_name="準備中店")
    set_status(
        client,
        world,
        add_site(client, world, second["request"]["id"], power_branch_name="本社", pps_business_number="gas"),
        "submitted",
    )
    return first, second


@pytest.mark.dialect
def test_acquired_sites_are_grouped_by_corporation(client, world):
    first, second = acquired_world(client, world)
    page = client.get("/api/crm/acquired", headers=world.sales_a).json()
    assert page["total"] == 2
    groups = {g["corporation_name"]: g for g in page["items"]}
    assert groups["株式会社テスト商事"]["site_count"] == 3
    assert sorted(s["power_branch_name"] for s in groups["株式会社テスト商事"]["sites"]) == [
        "新宿店",
        "池袋店",
        "渋谷店",
    ]
    assert [(s["power_branch_name"], s["service_type_label"]) for s in groups["有限会社XYZ"]["sites"]] == [
        ("本社", "ガス")
    ]
    assert page["items"][0]["corporation_name"] == "有限会社XYZ"  # the latest 投入 first
    by_branch = client.get("/api/crm/acquired", params={"q": "池袋"}, headers=world.operator).json()
    assert [(g["corporation_name"], g["site_count"]) for g in by_branch["items"]] == [("株式会社テスト商事", 1)]
    by_name = client.get("/api/crm/acquired", params={"q": "XYZ"}, headers=world.operator).json()
    assert [g["corporation_name"] for g in by_name["items"]] == ["有限会社XYZ"]
    tomorrow = (local_today(utcnow()) + timedelta(days=1)).isoformat()
    assert client.get("/api/crm/acquired", params={"since": tomorrow}, headers=world.operator).json()["total"] == 0
    exported = rows(client.get("/api/crm/acquired.csv", headers=world.operator))
    assert ("有限会社XYZ", "本社") in {(r["法人名"], r["店舗名"]) for r in exported}
    assert len(exported) == 4 and {r["投入完了日"] for r in exported} == {local_today(utcnow()).isoformat()}


def test_a_period_with_the_end_before_the_start_is_422(client, world):
    response = client.get(
        "/api/crm/acquired", params={"since": "2026-02-10", "until": "2026-02-01"}, headers=world.operator
    )
    assert response.status_code == 422 and response.json()["error"]["details"]["rule"] == "since_before_until"
