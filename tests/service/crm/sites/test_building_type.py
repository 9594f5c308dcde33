"""建物区分 (§3.2 セレクトボックス) takes its code from the choice master; free text stored earlier stays readable."""

import pytest
from sqlalchemy import update

from service.crm.models import Site
from tests.service.crm.conftest import add_site, made, submit


@pytest.mark.dialect
def test_building_type_takes_a_code_of_the_master(client, world):
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    rejected = client.post(
        f"/api/crm/requests/{request_id}/sites", json={"power_building_type": "マンション"}, headers=world.operator
    )
    assert rejected.status_code == 422
    details = rejected.json()["error"]["details"]
    assert (details["field"], details["rule"], details["kind"]) == ("power_building_type", "choice", "building_type")
    site = add_site(client, world, request_id, power_building_type="2")
    assert site["power_building_type"] == "2"
    choices = client.get("/api/crm/masters", headers=world.operator).json()["choices"]["building_type"]
    assert [c["label"] for c in choices] == ["戸建", "集合住宅", "ビル・テナント", "工場・倉庫", "その他"]


@pytest.mark.dialect
def test_free_text_stored_earlier_stays_readable_and_resendable(client, world, db):
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    site = add_site(client, world, request_id)
    db.execute(update(Site).where(Site.id == site["id"]).values(power_building_type="雑居ビル"))
    db.commit()
    stored = client.get(f"/api/crm/sites/{site['id']}", headers=world.operator).json()
    assert stored["power_building_type"] == "雑居ビル"
    kept = client.patch(
        f"/api/crm/sites/{site['id']}",
        json={"power_building_type": "雑居ビル", "note": "確認済", "version": stored["version"]},
        headers=world.operator,
    )
    assert kept.status_code == 200 and kept.json()["power_building_type"] == "雑居ビル"
    changed = client.patch(
        f"/api/crm/sites/{site['id']}",
        json={"power_building_type": "別の建物", "version": kept.json()["version"]},
        headers=world.operator,
    )
    assert changed.status_code == 422 and changed.json()["error"]["details"]["field"] == "power_building_type"


def test_admins_keep_the_building_types(client, world):
    masters = client.get("/api/crm/masters/manage", headers=world.admin)
    assert masters.status_code == 200 and "building_type" in masters.json()["choices"]
