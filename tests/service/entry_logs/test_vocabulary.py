"""GET /api/entry-logs/vocabulary: the wording and form rules the dashboards show and check."""

import re

import pytest

from tests.factories import auth_headers, make_user

URL = "/api/entry-logs/vocabulary"


@pytest.mark.dialect
def test_staff_get_the_labels_and_the_rules_the_api_checks(client, db, staff, sakura):
    answer = client.get(URL, headers=staff)
    assert answer.status_code == 200
    body = answer.json()
    assert body["entryTypes"] == {"Entry": "入", "Exit": "出"}
    assert body["attendanceStatuses"] == {"present": "出席", "absent": "欠席"}
    assert list(body["rosterColumns"].values()) == [
        "保護者名",
        "保護者ふりがな",
        "電話番号",
        "園児名",
        "園児ふりがな",
        "クラス",
    ]
    rules, served = body["rules"], body["fields"]
    for table in ("entry_logs_parent", "entry_logs_child"):
        kana = served[table]["name_kana"]
        assert (kana["label"], kana["pattern_words"]) == ("ふりがな", "ひらがな・カタカナと空白")
        assert re.fullmatch(kana["pattern"], "やまだ ハナコ") and not re.fullmatch(kana["pattern"], "山田")
    code, phone = served["entry_logs_nursery"]["code"]["pattern"], served["entry_logs_parent"]["phone"]["pattern"]
    assert re.fullmatch(code, "sakura_2-b") and not re.fullmatch(code, "bad code!")
    assert not re.fullmatch(rules["noControlCharacters"], "改行\nあり")
    assert re.fullmatch(phone, "03-1234-5678")
    parent = {"nurseryId": sakura.nursery.id, "name": "あ" * rules["nameMax"]}
    assert client.post("/api/entry-logs/parents", json=parent, headers=staff).status_code == 201
    too_long = parent | {"name": "あ" * (rules["nameMax"] + 1)}
    assert client.post("/api/entry-logs/parents", json=too_long, headers=staff).status_code == 422
    parents = [
        client.post("/api/entry-logs/parents", json=parent | {"name": f"保護者{n}"}, headers=staff).json()["id"]
        for n in range(rules["parentsMax"] + 1)
    ]
    child = {"nurseryId": sakura.nursery.id, "name": "園児", "parentIds": parents[: rules["parentsMax"]]}
    assert client.post("/api/entry-logs/children", json=child, headers=staff).status_code == 201
    too_many = child | {"parentIds": parents}
    assert client.post("/api/entry-logs/children", json=too_many, headers=staff).status_code == 422
    url = f"/api/entry-logs/nurseries/{sakura.nursery.id}/entry-exit-password"
    short = "x" * (rules["passwordMin"] - 1)
    assert client.put(url, json={"password": short}, headers=staff).status_code == 422
    assert client.put(url, json={"password": short + "x"}, headers=staff).status_code == 204


def test_platform_admins_may_read_it(client, db):
    admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    db.commit()
    assert client.get(URL, headers=admin).status_code == 200


def test_callers_without_an_entry_logs_grant_are_refused(client, db):
    assert client.get(URL).status_code == 401
    outsider = auth_headers(make_user(db, "fleet-only", grants={"fleet": ("viewer", None)}))
    db.commit()
    refused = client.get(URL, headers=outsider)
    assert refused.status_code == 403
    assert set(refused.json()["error"]) == {"code", "message", "details"}
