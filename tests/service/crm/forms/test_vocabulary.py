"""GET /api/crm/vocabulary (what the pages show and mirror) and POST /api/crm/validate/{kind} (dry runs)."""

from sqlalchemy import func, select

from service.crm.models import Agency, Corporation
from tests.factories import auth_headers, make_user
from tests.service.crm.conftest import corporation


def test_the_vocabulary_gives_colours_notification_kinds_and_the_status_rules(client, world):
    body = client.get("/api/crm/vocabulary", headers=world.sales_a).json()
    assert body["status_colours"] == {
        "deficient": "red",
        "in_progress": "yellow",
        "submitted": "green",
        "partly_cancelled": "blue",
        "cancelled": "grey",
    }
    assert body["notification_kind_labels"] == {
        "deficiency": "不備通知",
        "comment": "コメント",
        "submitted": "投入完了",
    }
    assert body["transitions"] == {
        "deficient": ["in_progress"],
        "in_progress": ["deficient", "submitted"],
        "submitted": [],
        "cancelled": [],
    }
    assert body["cancellable"] == ["deficient", "in_progress"]
    assert body["closed"] == ["submitted", "partly_cancelled", "cancelled"]


def test_the_vocabulary_and_dry_runs_need_a_crm_grant(client, db):
    outsider = auth_headers(make_user(db, "outsider", grants={"fleet": "admin"}))
    db.commit()
    for method, path in (("GET", "/api/crm/vocabulary"), ("POST", "/api/crm/validate/agency")):
        assert client.request(method, path, json={}).status_code == 401
        assert client.request(method, path, json={}, headers=outsider).status_code == 403


def test_a_dry_run_takes_good_values_and_stores_nothing(client, db, world):
    assert client.post("/api/crm/validate/corporation", json=corporation(), headers=world.sales_a).status_code == 204
    agency = {"name": "株式会社CCC", "code": "CCC"}
    assert client.post("/api/crm/validate/agency", json=agency, headers=world.admin).status_code == 204
    assert db.scalar(select(func.count()).select_from(Agency)) == 2
    assert db.scalar(select(func.count()).select_from(Corporation)) == 0


def test_a_dry_run_names_each_refused_field_and_rule(client, world):
    bad = corporation(corporation_number="7000012050003", zip_code="1500001x", last_name="あ" * 51)
    response = client.post("/api/crm/validate/corporation", json=bad, headers=world.sales_a)
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_failed"
    errors = {e["field"]: e for e in response.json()["error"]["details"]["errors"]}
    assert errors["corporation_number"]["rule"] == "corporation_number_check_digit"
    assert errors["zip_code"]["rule"] == "postal_code"
    assert errors["last_name"]["rule"] == "string_too_long" and errors["last_name"]["ctx"] == {"max_length": 50}
    request = client.post("/api/crm/validate/request", json={"site_count": 0}, headers=world.sales_a)
    assert {e["field"] for e in request.json()["error"]["details"]["errors"]} == {"site_count", "version"}


def test_an_unknown_kind_is_refused(client, world):
    assert client.post("/api/crm/validate/invoice", json={}, headers=world.admin).status_code == 422


def test_the_vocabulary_names_the_statuses_and_the_fields_submission_needs(client, world):
    body = client.get("/api/crm/vocabulary", headers=world.sales_a).json()
    assert body["status_labels"] == {
        "deficient": "不備",
        "in_progress": "対応中",
        "submitted": "投入済",
        "cancelled": "キャンセル",
        "partly_cancelled": "一部キャンセル",  # a request's: its sites 投入済 and キャンセル
    }
    required = body["submission_required"]
    assert required["always"][:3] == ["PPS番号", "申込区分", "契約プラン"]
    assert required["electric"] == ["契約容量"] and required["move_in"] == ["入居日/開業日"]
    assert required["switch_electric"] == ["現在の電力会社"]


def test_the_vocabulary_names_every_field_of_the_forms_in_their_order(client, world):
    names = client.get("/api/crm/vocabulary", headers=world.sales_a).json()["field_labels"]
    assert list(names["corporation"])[:2] == ["customer_type", "corporation_number"]
    assert names["corporation"]["credit_card_security_code"] == "セキュリティコード"
    assert names["site"]["power_building_type"] == "建物区分"
    assert names["agency"]["referral_shop_name"] == "紹介店名"


def test_a_form_field_takes_no_more_than_its_column_holds_and_the_vocabulary_says_how_much(client, world):
    """The corporation's and site's rule-bearing fields are as long as their columns, served to the forms."""
    served = client.get("/api/crm/vocabulary", headers=world.sales_a).json()["fields"]
    assert served["crm_corporation"]["customer_type"]["max_length"] == 2
    assert served["crm_corporation"]["corporation_number"]["max_length"] == 13
    assert served["crm_site"]["power_customer_location_number"]["max_length"] == 22
    remarks = served["crm_request"]["remarks"]
    assert (remarks["label"], remarks["max_length"], remarks["multi_line"]) == ("備考", 2000, True)
    assert served["crm_comment"]["message"]["max_length"] == 2000
    assert served["crm_profile"]["l_code"]["pattern_words"] == "英数字20文字以内"
    too_long = corporation(customer_type="123", corporation_number="7000-0120-50002", phone1="090-1234-5678-9")
    response = client.post("/api/crm/validate/corporation", json=too_long, headers=world.sales_a)
    errors = {e["field"]: e for e in response.json()["error"]["details"]["errors"]}
    assert {name: errors[name]["ctx"] for name in errors} == {
        "customer_type": {"max_length": 2},
        "corporation_number": {"max_length": 13},
        "phone1": {"max_length": 13},
    }
    site = {"power_customer_location_number": "0" * 23, "version": 1}
    refused = client.post("/api/crm/validate/site", json=site, headers=world.operator)
    assert [e["ctx"] for e in refused.json()["error"]["details"]["errors"]] == [{"max_length": 22}]
