"""端末管理 › 顧客一覧: a customer's 営業時間 and 定期メンテナンス, edited through the API."""

from datetime import time

import httpx

from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_fleet_dashboard import assert_fits_1440
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import make_customer
from tests.support.clock import clock_at, japan_time

CUSTOMERS = "app_pages/fleet/customers.py"


def test_admin_sets_business_hours_and_adds_a_maintenance_window(db, open_app, live_api):
    """At 00:30 Japan time, when a server's UTC date is still the day before: the new window's 終了日 is offered as
    today in Japan, which the API takes (it refuses a past 終了日)."""
    with clock_at(japan_time(2026, 6, 1, 0, 30)):
        admin = make_user(db, "fleetadmin", grants={"fleet": "admin"})
        abc = make_customer(db, "ABC商事")
        db.commit()
        at = open_page(open_app, admin, CUSTOMERS)
        at.selectbox(key="fleet_customers_selected").select(abc.id).run()
        hours = f"fleet_customers_hours_{abc.id}"
        at.checkbox(key=f"{hours}_all_day").uncheck()
        at.time_input(key=f"{hours}_open").set_value(time(10))
        at.time_input(key=f"{hours}_close").set_value(time(20))
        at.multiselect(key=f"{hours}_closed").select(6)
        at = button(at, "営業時間を保存").click().run()
        assert "顧客「ABC商事」の営業時間を保存しました。" in texts(at.success)
        saved = httpx.get(f"{live_api}/api/fleet/customers/{abc.id}", headers=auth_headers(admin)).json()
        assert (saved["opens_at"], saved["closes_at"], saved["closed_weekdays"]) == ("10:00:00", "20:00:00", [6])
        assert any("10:00〜20:00（定休日: 日）" in text for text in texts(at.markdown))

        windows = f"fleet_customers_windows_{abc.id}"
        at.text_input(key=f"{windows}_new_0_reason").input("夜間バッチ")
        at = button(at, "定期メンテナンスを追加").click().run()
        assert "定期メンテナンスを追加しました。" in texts(at.success)
        row = at.dataframe[-1].value.iloc[0]
        assert (row["店舗"], row["繰り返し"], row["開始"], row["理由"]) == ("全店舗", "毎日", "22:00", "夜間バッチ")
        assert row["終了日"] == "2026/06/01"
        assert_fits_1440(at.dataframe[-1])
