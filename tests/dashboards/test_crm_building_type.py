"""案件詳細's 建物区分 is a selectbox of the choice master; free text stored earlier is offered as stored."""

from sqlalchemy import update

from service.crm.models import Site
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import add_site, made, submit

CASE = "app_pages/crm/case.py"


def test_the_operator_picks_the_building_type_from_the_master(db, world, client, open_app):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    site = add_site(client, world, request_id)
    db.execute(update(Site).where(Site.id == site["id"]).values(power_building_type="雑居ビル"))
    db.commit()
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    picker = at.selectbox(key=f"crm_case_site_{site['id']}_0_power_building_type")
    assert picker.value == "雑居ビル"
    assert picker.options == ["（未選択）", "雑居ビル", "戸建", "集合住宅", "ビル・テナント", "工場・倉庫", "その他"]
    picker.select("2")
    button(at, "地点を保存").click().run()
    assert texts(at.success) == [f"地点 #{site['id']} 渋谷店 を保存しました。"]
    assert db.get(Site, site["id"]).power_building_type == "2"
