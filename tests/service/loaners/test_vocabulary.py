"""GET /api/loaners/vocabulary: the labels, form keys and messages the pages mirror, for loaners staff only."""

import re

from service.loaners import labels
from service.roles import PLATFORM
from tests.factories import auth_headers, make_user
from tests.service.loaners.conftest import headers

PATH = "/api/loaners/vocabulary"


def test_staff_get_the_labels_in_display_order_and_the_form_rules(client, db):
    kansai = headers(db, "kansai-staff", "staff", "関西")
    db.commit()
    response = client.get(PATH, headers=kansai)
    assert response.status_code == 200
    body = response.json()
    assert list(body["kinds"].items()) == list(labels.KINDS.items())
    assert list(body["location_statuses"]) == ["active", "inactive"]
    assert body["question_types"]["choice"] == "選択式"
    assert body["held_statuses"]["4.HW延長保守中(OS入れ替えやサービス終了を含む)"] == "HW延長保守中"
    assert (body["status_key"], body["held_key"], body["number_column"]) == (
        "0-4.ステータス",
        "預かり機のステータス",
        "拠点管理番号",
    )
    location_id, model_name = body["fields"]["loaners_location"]["id"], body["fields"]["loaners_model"]["name"]
    assert re.match(location_id["pattern"], "osaka") and not re.match(location_id["pattern"], "Osaka")
    assert re.match(model_name["pattern"], "ThinkPad-X1") and not re.match(model_name["pattern"], "ThinkPad\u3000X1")
    assert location_id["pattern_refusal"] == "形式が正しくありません（英小文字と数字の1〜20文字で入力してください）"
    assert body["messages"]["held_not_allowed"] == labels.HELD_NOT_ALLOWED
    assert body["messages"]["required"].format(key="0-1.担当者") == "「0-1.担当者」は必須です"


def test_platform_admin_passes(client, db):
    admin = auth_headers(make_user(db, "root", grants={PLATFORM: "admin"}))
    db.commit()
    assert client.get(PATH, headers=admin).status_code == 200


def test_without_token_401_and_without_a_loaners_grant_403(client, db):
    outsider = auth_headers(make_user(db, "outsider", grants={"crm": "operator"}))
    db.commit()
    assert client.get(PATH).status_code == 401
    refused = client.get(PATH, headers=outsider)
    assert (refused.status_code, refused.json()["error"]["details"]["domain"]) == (403, "loaners")
