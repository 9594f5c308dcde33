"""端末管理 › 店舗別: the worst store first, as the API ranks it, with its customer and its open alerts in words."""

from tests.dashboards.conftest import open_page, texts
from tests.factories import make_user
from tests.service.fleet.registry.test_store_ranking import a_morning

STORES = "app_pages/fleet/stores.py"


def test_the_page_lists_the_worst_store_first_and_narrows_to_the_troubled_ones(db, open_app):
    a_morning(db)
    support = make_user(db, "support1", name="佐藤", grants={"fleet": "support"})
    db.commit()

    at = open_page(open_app, support, STORES)

    table = at.dataframe[0].value
    assert table["店舗"].tolist() == ["梅田店", "品川店", "難波店", "上野店"]
    assert table["顧客企業"].tolist()[:2] == ["あおば商事", "東和モータース"]
    assert table["未解決アラートの内訳"].tolist()[1] == "オフライン 1件・エラー 1件"
    assert "全4件中 1〜4件目" in texts(at.caption)

    at.checkbox(key="fleet_stores_troubled_only").check().run()
    assert at.dataframe[0].value["店舗"].tolist() == ["梅田店", "品川店", "難波店"]
