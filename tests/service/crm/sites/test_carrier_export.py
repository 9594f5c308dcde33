"""The carrier export (元フィールド names): a site, a request's sites still to be entered, UTF-8 or Shift_JIS."""

import csv
import io

import pytest

from service.crm.sites.export import HEADER
from tests.service.crm.conftest import add_site, corporation, made, set_status, submit


def rows(response) -> list[dict]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


SITE = {
    "pps_business_number": "electric",
    "application_type": "1",
    "power_plan_name": "低圧電力プランA",
    "contract_capacity": "30kVA",
    "power_supplier_type": "03",
    "power_area": "03",
    "power_customer_number": "12-3456-7890",
    "power_customer_location_number": "0300111234567890123456",
    "power_zip_code": "1500002",
    "power_prefecture": "東京都",
    "power_city": "渋谷区",
    "power_town": "渋谷",
    "power_street": "2-21-1",
    "power_building": "ヒカリエ",
    "power_room_number": "101",
    "power_branch_name": "=渋谷店",
    "power_customer_name": "株式会社テスト商事",
    "power_customer_name_kana": "カブシキガイシャテストショウジ",
    "latest_charges": 123456,
    "latest_power_usage": 4321,
    "latest_date": "2026/01",
    "option_plans": ["OPT013234", "OPT055248"],
    "moving_in_date": "2026-03-01",
    "note": "営業時間外に連絡",
}


@pytest.mark.dialect
def test_a_site_exports_in_the_carrier_screens_field_names(client, world):
    request = made(submit(client, world.sales_a, corporation=corporation(birthday="1980-04-05", street="1-2-3")))
    site = add_site(client, world, request["request"]["id"], **SITE)
    assert site["latest_date"] == "2026-01" and site["power_zip_code"] == "150-0002"
    [row] = rows(client.get(f"/api/crm/sites/{site['id']}/carrier.csv", headers=world.operator))
    assert list(row) == HEADER
    for name in (
        "customer_type",
        "corporation_number",
        "last_name_kana",
        "zip_code1",
        "zip_code2",
        "street_number_1",
        "phone1",
        "phone2",
        "phone3",
        "phone2_1",
        "birthday_year",
        "payment_location_address_type",
        "payment_zip_code1",
        "contract_capacity_form",
        "power_zip_code1",
        "power_street_1",
        "power_building_1",
        "latest_electricity_charges",
        "latest_electricity_power_usage",
        "latest_electricity_date_year",
        "moving_in_year",
        "referral_shop_code",
    ):
        assert name in row, name
    expected = {
        "customer_type": "2",
        "corporation_number": "7000012050002",
        "zip_code1": "150",
        "zip_code2": "0001",
        "street_number_1": "1",
        "street_number_2": "2",
        "street_number_3": "3",
        "phone1": "03",
        "phone2": "1234",
        "phone3": "5678",
        "birthday_year": "1980",
        "birthday_month": "04",
        "birthday_day": "05",
        "payment_type": "1",
        "credit_card_number": "**** **** **** 1111",
        "referral_shop_code": "RS-A",
        "referral_shop_name": "AAA紹介店",
        "l_code": "L0001",
        "sales_staff_code": "LCK0A0AY",
        "contract_capacity_form": "30kVA",
        "power_zip_code1": "150",
        "power_zip_code2": "0002",
        "power_street_1": "2",
        "power_street_2": "21",
        "latest_electricity_charges": "123456",
        "latest_electricity_date_year": "2026",
        "latest_electricity_date_month": "01",
        "option_plans": "OPT013234 OPT055248",
        "moving_in_year": "2026",
        "moving_in_month": "03",
        "power_branch_name": "'=渋谷店",
    }
    assert {k: row[k] for k in expected} == expected
    both = rows(client.get(f"/api/crm/requests/{request['request']['id']}/carrier.csv", headers=world.operator))
    assert [r["power_branch_name"] for r in both] == ["'=渋谷店"]


@pytest.mark.dialect
def test_site_fields_use_the_masters(client, world):
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    for body, field, rule in (
        ({"application_type": "3"}, "application_type", "choice"),
        ({"power_supplier_type": "11"}, "power_supplier_type", "choice"),
        ({"option_plans": ["OPT999999"]}, "option_plans", "option_code"),
    ):
        response = client.post(f"/api/crm/requests/{request_id}/sites", json=body, headers=world.operator)
        assert response.status_code == 422 and response.json()["error"]["details"]["field"] == field, body
        assert response.json()["error"]["details"]["rule"] == rule
    bad_kana = client.post(
        f"/api/crm/requests/{request_id}/sites", json={"power_customer_name_kana": "株式会社"}, headers=world.operator
    )
    assert bad_kana.status_code == 422 and bad_kana.json()["error"]["details"][0]["rule"] == "katakana"
    masters = client.get("/api/crm/masters", headers=world.sales_a).json()
    assert len(masters["options"]) == 11 and masters["options"][2]["is_support_pack"] is True
    assert [c["label"] for c in masters["choices"]["application_type"]] == [
        "他社からの切替",
        "ご入居",
        "移転",
        "他社からの切替(開業)",
    ]
    assert len(masters["choices"]["power_company"]) == 11 and len(masters["prefectures"]) == 47


@pytest.mark.dialect
def test_the_request_export_lists_only_the_sites_still_to_be_entered_with_their_status(client, world):
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    open_site = add_site(client, world, request_id, power_branch_name="対応中店")
    deficient = set_status(
        client, world, add_site(client, world, request_id, power_branch_name="不備店"), "deficient", "明細が不鮮明"
    )
    done = set_status(client, world, add_site(client, world, request_id, power_branch_name="投入済店"), "submitted")
    cancelled = add_site(client, world, request_id, power_branch_name="取消店")
    cancel = client.post(
        f"/api/crm/sites/{cancelled['id']}/cancel", json={"version": cancelled["version"]}, headers=world.sales_a
    )
    assert cancel.status_code == 200
    listed = rows(client.get(f"/api/crm/requests/{request_id}/carrier.csv", headers=world.operator))
    assert [(r["status"], r["power_branch_name"]) for r in listed] == [("対応中", "対応中店"), ("不備", "不備店")]
    assert HEADER[0] == "status" and open_site["id"] != deficient["id"]
    [one] = rows(client.get(f"/api/crm/sites/{done['id']}/carrier.csv", headers=world.operator))
    assert (one["status"], one["power_branch_name"]) == ("投入済", "投入済店")


@pytest.mark.dialect
def test_the_carrier_csv_comes_in_shift_jis_for_the_system_reading_it(client, world):
    request = made(submit(client, world.sales_a))
    site = add_site(client, world, request["request"]["id"], **SITE)
    url = f"/api/crm/sites/{site['id']}/carrier.csv"
    utf8 = client.get(url, headers=world.operator)
    shift_jis = client.get(url, params={"encoding": "shift_jis"}, headers=world.operator)
    assert shift_jis.headers["content-type"] == "text/csv; charset=Shift_JIS"
    assert shift_jis.content.decode("cp932") == utf8.content.decode("utf-8-sig")
    assert '"0300111234567890123456"' in shift_jis.content.decode("cp932")  # a code quoted: an import keeps it text
