"""代理店管理: agencies registered, edited and deactivated with versions, and the list's download."""

import pytest

from tests.service.crm.conftest import made
from tests.support.downloads import csv_download


@pytest.mark.dialect
def test_agencies_are_registered_edited_and_deactivated_with_versions(client, world):
    created = made(
        client.post(
            "/api/crm/agencies",
            json={"name": "個人 田中代理店", "code": "TANAKA", "phone": "090-1234-5678"},
            headers=world.admin,
        )
    )
    assert (created["is_active"], created["version"], created["sales_count"]) == (True, 1, 0)
    duplicate = client.post("/api/crm/agencies", json={"name": "別", "code": "tanaka"}, headers=world.admin)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["details"] == {"field": "code", "rule": "unique"}
    bad_phone = client.post(
        "/api/crm/agencies", json={"name": "x", "code": "X1", "phone": "12345"}, headers=world.admin
    )
    assert bad_phone.status_code == 422 and bad_phone.json()["error"]["details"][0]["rule"] == "phone_number"
    off = made(
        client.patch(f"/api/crm/agencies/{created['id']}", json={"is_active": False, "version": 1}, headers=world.admin)
    )
    assert (off["is_active"], off["version"]) == (False, 2)
    stale = client.patch(f"/api/crm/agencies/{created['id']}", json={"name": "古い", "version": 1}, headers=world.admin)
    assert stale.status_code == 409 and stale.json()["error"]["details"]["current_version"] == 2
    listed = client.get("/api/crm/agencies", params={"active": True}, headers=world.operator).json()
    assert [(a["code"], a["sales_count"]) for a in listed["items"]] == [("AAA", 2), ("BBB", 1)]


def test_the_agency_export_is_the_agencies_the_search_finds(client, world):
    rows = csv_download(client.get("/api/crm/agencies/export", params={"q": "BBB"}, headers=world.admin))
    assert rows == [
        ["ID", "代理店名", "代理店コード", "担当者名", "所属営業担当数", "ステータス", "紹介店コード", "紹介店名"]
        + ["電話番号", "メールアドレス"],
        [str(world.agency_b), "株式会社BBB代理店", "BBB", "", "1", "有効", "RS-B", "BBB紹介店", "", ""],
    ]
    own = csv_download(client.get("/api/crm/agencies/export", headers=world.sales_a))
    assert [row[2] for row in own[1:]] == ["AAA"]
