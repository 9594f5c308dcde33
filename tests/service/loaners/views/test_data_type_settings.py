"""The data-type master drives the views (§2.3.2): 表示列設定, データソース設定 and フィルタ条件, set by an admin."""

from datetime import UTC, datetime

import pytest

from tests.service.loaners.conftest import IN_HOUSE, LENT, answer, headers, make_device

AT = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)

RETURNED = {
    "0-1.担当者": "山田",
    "0-4.ステータス": "2.回収後社内保管",
    "2-1.回収日": "2024/07/01",
    "2-2.回収時の状態": "正常",
}


@pytest.mark.dialect
def test_normal_rows_show_the_columns_of_their_own_form_not_of_every_form(client, db):
    laptop, printer = make_device(db, serial="A1"), make_device(db, model_id="MODEL_003", serial="P1")
    answer(db, laptop, RETURNED | {"2-3.データ消去": "済み"})
    answer(db, printer, RETURNED | {"2-3.印刷カウンター": "1200"})
    staff = headers(db, "staff1")
    db.commit()
    page = client.get("/api/loaners/views/normal", headers=staff).json()
    columns = {row["device_id"]: [c for c in row["columns"] if c.startswith("2-")] for row in page["items"]}
    assert columns == {
        laptop.id: ["2-1.回収日", "2-2.回収時の状態", "2-3.データ消去"],
        printer.id: ["2-1.回収日", "2-2.回収時の状態", "2-3.印刷カウンター"],
    }
    printers = client.get("/api/loaners/views/normal", params={"kind": "printer"}, headers=staff).json()
    assert "2-3.印刷カウンター" in printers["columns"] and "2-3.データ消去" not in printers["columns"]


@pytest.mark.dialect
def test_an_admins_columns_sources_and_filter_change_the_views_at_once(client, db):
    laptop = make_device(db, serial="A1", asset_number="ASSET-1")
    printer = make_device(db, model_id="MODEL_003", serial="P1", asset_number="ASSET-2")
    router = make_device(db, model_id="MODEL_005", serial="R1")
    answer(db, laptop, LENT | {"預かり機のステータス": "1.返却可能"})
    answer(db, router, LENT | {"預かり機のステータス": "1.返却可能"})
    staff, admin = headers(db, "staff1"), headers(db, "admin1", "admin")
    db.commit()
    audit = {
        "display_settings": {"columns": ["拠点管理番号", "資産管理番号", "1-3.ユーザー情報"]},
        "source_settings": {"sourceSheets": ["プリンタステータス収集"]},
    }
    assert client.patch("/api/loaners/data-types/AUDIT", json=audit, headers=admin).status_code == 200
    answer(db, printer, IN_HOUSE, at=AT)
    db.commit()
    page = client.get("/api/loaners/views/audit", headers=staff).json()
    assert page["columns"] == ["タイムスタンプ", "メールアドレス", "拠点管理番号", "資産管理番号", "1-3.ユーザー情報"]
    assert [row["values"] for row in page["items"]] == [
        {
            "タイムスタンプ": "2026/01/05 09:30:00",
            "メールアドレス": "staff@example.jp",
            "拠点管理番号": printer.management_number,
            "資産管理番号": "ASSET-2",
            "1-3.ユーザー情報": None,
        }
    ]
    normal = {"filter_condition": "status=1.貸出中", "display_settings": {"baseColumns": ["拠点管理番号", "機種名"]}}
    assert client.patch("/api/loaners/data-types/NORMAL", json=normal, headers=admin).status_code == 200
    page = client.get("/api/loaners/views/normal", headers=staff).json()
    assert [row["device_id"] for row in page["items"]] == [laptop.id, router.id]
    assert page["items"][0]["columns"][:4] == ["拠点管理番号", "機種名", "預かり機のステータスの日数", "0-1.担当者"]
    assert page["items"][0]["values"]["預かり機のステータスの日数"] == "0"  # 返却可能 since today
    summary = {"source_settings": {"sourceSheets": ["端末マスタ", "プリンタマスタ"]}}
    assert client.patch("/api/loaners/data-types/SUMMARY", json=summary, headers=admin).status_code == 200
    counted = client.get("/api/loaners/views/summary", headers=staff).json()
    assert counted["total"] == 1  # the router (その他マスタ) is no longer a source
    held = client.get("/api/loaners/views/summary/devices", headers=staff).json()
    assert [d["device_id"] for d in held["items"]] == [laptop.id]
    json_condition = {"filter_condition": '{"kind": "other"}'}
    assert client.patch("/api/loaners/data-types/NORMAL", json=json_condition, headers=admin).status_code == 200
    assert [r["device_id"] for r in client.get("/api/loaners/views/normal", headers=staff).json()["items"]] == [
        router.id
    ]


def test_settings_a_view_cannot_follow_are_refused_naming_the_rule(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    for body, rule in (
        ({"source_settings": {"sourceSheets": ["顧客マスタ"]}}, "sources"),
        ({"filter_condition": "colour=red"}, "filter_format"),
        ({"filter_condition": "kind=phone"}, "filter_format"),
        ({"filter_condition": "{not json"}, "filter_format"),
        ({"display_settings": {"columns": ["拠点管理番号", "誕生日"]}}, "columns"),
        ({"display_settings": {"columns": "拠点管理番号"}}, "columns"),
    ):
        refused = client.patch("/api/loaners/data-types/AUDIT", json=body, headers=admin)
        assert (refused.status_code, refused.json()["error"]["details"]["rule"]) == (422, rule), body
    assert client.get("/api/loaners/data-types/AUDIT", headers=admin).json()["filter_condition"] == ""


def test_the_view_list_follows_the_display_order(client, db):
    staff, admin = headers(db, "staff1"), headers(db, "admin1", "admin")
    db.commit()
    assert client.patch("/api/loaners/data-types/NORMAL", json={"display_order": 9}, headers=admin).status_code == 200
    listed = [d["id"] for d in client.get("/api/loaners/data-types", headers=staff).json()]
    assert listed == ["AUDIT", "SUMMARY", "NORMAL"]


def test_the_display_order_s_range_is_the_one_the_vocabulary_serves(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    served = client.get("/api/loaners/vocabulary", headers=admin).json()["fields"]["loaners_data_type"]["display_order"]
    assert (served["minimum"], served["maximum"]) == (1, 10_000)  # whole numbers, as the page's number field takes
    url = "/api/loaners/data-types/NORMAL"
    for refused in (served["minimum"] - 1, served["maximum"] + 1):
        assert client.patch(url, json={"display_order": refused}, headers=admin).status_code == 422
    assert client.patch(url, json={"display_order": served["maximum"]}, headers=admin).status_code == 200


@pytest.mark.dialect
def test_a_terminal_needs_its_asset_number_and_dates_are_stored_as_yyyy_mm_dd(client, db):
    staff = headers(db, "staff1")
    db.commit()
    body = {"location_id": "osaka", "model_id": "MODEL_001", "serial_number": "N1"}
    refused = client.post("/api/loaners/devices", json=body, headers=staff)
    assert (refused.status_code, refused.json()["error"]["details"]["rule"]) == (422, "asset_number_required")
    printer = client.post("/api/loaners/devices", json=body | {"model_id": "MODEL_003"}, headers=staff)
    assert printer.status_code == 201  # a printer has no asset number (§2.5)
    laptop = client.post("/api/loaners/devices", json=body | {"asset_number": "ASSET-9"}, headers=staff).json()
    cleared = client.patch(f"/api/loaners/devices/{laptop['id']}", json={"asset_number": ""}, headers=staff)
    assert (cleared.status_code, cleared.json()["error"]["details"]["rule"]) == (422, "asset_number_required")
    sent = client.post(
        f"/api/loaners/devices/{laptop['id']}/submissions",
        json={"answers": LENT | {"1-2.貸出日": "2024-7-1"}},
        headers=staff,
    )
    assert sent.json()["answers"]["1-2.貸出日"] == "2024/07/01"
