"""NORMAL (prefix and nested 3-X-* columns), AUDIT (13 columns by 管轄) and SUMMARY (cards of held devices)."""

from datetime import UTC, datetime, timedelta

import pytest

from service.database import utcnow
from tests.service.loaners.conftest import IN_HOUSE, LENT, add_location, answer, headers, make_device

BASE = ["拠点管理番号", "機器種別", "機種名", "製造番号", "タイムスタンプ"]
AT = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


def rows_by_number(page):
    return {row["values"]["拠点管理番号"]: row for row in page["items"]}


@pytest.mark.dialect
def test_normal_view_shows_base_columns_and_only_the_status_prefix_columns(client, db):
    lent, stored, repair, fresh = (make_device(db, serial=s) for s in ("A1", "A2", "A3", "A4"))
    answer(db, lent, LENT | {"1-3.ユーザー情報": "田中花子", "預かり機のステータス": "1.返却可能"})
    answer(db, stored, IN_HOUSE | {"3-1-1.保管場所": "倉庫B"})
    answer(
        db,
        repair,
        {
            "0-1.担当者": "鈴木",
            "0-4.ステータス": "3.社内にて保管中",
            "3-0.社内ステータス": "3.修理中",
            "3-3-1.修理依頼先": "メーカー",
            "0-5.備考": "液晶割れ",
        },
    )
    staff = headers(db, "staff1")
    db.commit()
    page = client.get("/api/loaners/views/normal", headers=staff).json()
    assert page["total"] == 4 and page["columns"][:5] == BASE
    rows = rows_by_number(page)
    first = rows["OSAKA_Laptop_ThinkPad-X1-Carbon_A1_001"]
    assert first["columns"] == BASE + [
        "0-1.担当者",
        "預かり機のステータスの日数",  # 返却可能 for how long
        "0-4.ステータス",
        "1-1.貸出先",
        "1-2.貸出日",
        "1-3.ユーザー情報",
        "1-4.ユーザー機の預り有無",
        "1-5.お預かり証No.",
        "預かり機のステータス",
        "0-5.備考",
    ]
    assert (first["values"]["機器種別"], first["values"]["1-3.ユーザー情報"], first["held_status"]) == (
        "端末",
        "田中花子",
        "1.返却可能",
    )
    in_house = [c for c in rows["OSAKA_Laptop_ThinkPad-X1-Carbon_A2_001"]["columns"] if c.startswith("3-")]
    assert in_house == ["3-0.社内ステータス", "3-1-1.保管場所"]
    in_repair = [c for c in rows["OSAKA_Laptop_ThinkPad-X1-Carbon_A3_001"]["columns"] if c.startswith("3-")]
    assert in_repair == ["3-0.社内ステータス", "3-3-1.修理依頼先", "3-3-2.修理依頼日"]
    assert rows["OSAKA_Laptop_ThinkPad-X1-Carbon_A4_001"]["columns"] == BASE + [
        "0-1.担当者",
        "0-4.ステータス",
        "0-5.備考",
    ]
    assert rows["OSAKA_Laptop_ThinkPad-X1-Carbon_A4_001"]["values"]["タイムスタンプ"] is None
    assert fresh.status is None
    filtered = client.get("/api/loaners/views/normal", params={"status": "1.貸出中"}, headers=staff).json()
    assert [r["device_id"] for r in filtered["items"]] == [lent.id]
    assert client.get("/api/loaners/views/normal", params={"q": "a3_"}, headers=staff).json()["total"] == 1


@pytest.mark.dialect
def test_a_question_added_to_a_form_shows_validates_and_becomes_a_column_without_code(client, db):
    device = make_device(db)
    staff, admin = headers(db, "staff1"), headers(db, "admin1", "admin")
    db.commit()
    created = client.post(
        "/api/loaners/forms/terminal/questions",
        headers=admin,
        json={"key": "1-6.返却予定日", "type": "date", "required": True},
    )
    assert (created.status_code, created.json()["status_prefix"]) == (201, "1")
    missing = client.post(f"/api/loaners/devices/{device.id}/submissions", json={"answers": LENT}, headers=staff)
    assert missing.json()["error"]["details"] | {"errors": None} == {
        "field": "1-6.返却予定日",
        "rule": "required",
        "errors": None,
    }
    ok = client.post(
        f"/api/loaners/devices/{device.id}/submissions",
        headers=staff,
        json={"answers": LENT | {"1-6.返却予定日": "2024-08-01"}},
    )
    assert ok.status_code == 201
    row = client.get("/api/loaners/views/normal", headers=staff).json()["items"][0]
    assert row["values"]["1-6.返却予定日"] == "2024/08/01" and "1-6.返却予定日" in row["columns"]
    nested = client.post(
        "/api/loaners/forms/terminal/questions", headers=admin, json={"key": "3-4-1.貸出先候補", "type": "text"}
    )
    assert (nested.json()["status_prefix"], nested.json()["nested_prefix"]) == ("3", "4")
    for body, rule in (
        ({"key": "1-7.理由", "type": "choice"}, "choices_required"),
        ({"key": "1-7.理由", "type": "text", "condition": {"1-4.ユーザー機の預り有無": "たぶん"}}, "condition_unknown"),
        ({"key": "1-7.理由", "type": "text", "condition": {"9-9.なし": "有り"}}, "condition_unknown"),
        ({"key": "1-6.返却予定日", "type": "date"}, "unique"),
    ):
        refused = client.post("/api/loaners/forms/terminal/questions", json=body, headers=admin)
        assert (refused.status_code, refused.json()["error"]["details"]["rule"]) == (422, rule)


@pytest.mark.dialect
def test_audit_lists_the_submissions_of_terminals_and_printers_newest_first_by_jurisdiction(client, db):
    add_location(db, "tokyo", "関東", name="東京")
    laptop = make_device(db, serial="A1", asset_number="ASSET-1", software="Office 2021", os="Windows 11")
    printer = make_device(db, model_id="MODEL_003", serial="P1")
    router = make_device(db, model_id="MODEL_005", serial="R1")  # a router: not in AUDIT
    answer(db, laptop, IN_HOUSE, at=AT)
    answer(db, printer, IN_HOUSE, at=AT + timedelta(minutes=30), email="printer@example.jp")
    answer(db, laptop, LENT | {"1-5.お預かり証No.": "R-77", "0-5.備考": "急ぎ"}, at=AT + timedelta(hours=1))
    answer(db, router, LENT, at=AT)
    answer(db, make_device(db, "tokyo", serial="T1"), LENT, at=AT)
    staff = headers(db, "staff1")
    db.commit()
    page = client.get("/api/loaners/views/audit", params={"jurisdiction": "関西"}, headers=staff).json()
    assert [r["device_id"] for r in page["items"]] == [laptop.id, printer.id, laptop.id]
    assert (page["total"], page["more"]) == (3, False)
    expected = {
        "タイムスタンプ": "2026/01/05 10:30:00",
        "メールアドレス": "staff@example.jp",
        "担当者": "山田太郎",
        "資産管理番号": "ASSET-1",
        "拠点管理番号": laptop.management_number,
        "機種名": "ThinkPad-X1-Carbon",
        "製造番号": "A1",
        "ソフトウェア": "Office 2021",
        "OS": "Windows 11",
        "ステータス": "1.貸出中",
        "貸出先": "○○商事株式会社",
        "貸出日": "2024/07/01",
        "ユーザー預り機有": "有り",
        "お預かり証No.": "R-77",
        "備考": "急ぎ",
    }
    assert page["columns"] == list(expected)  # when and who, then the 13 columns of §2.3.4 in the spec's order
    assert page["items"][0]["values"] == expected
    first = page["items"][2]["values"]  # the laptop's earlier answer, as it was given
    assert (first["タイムスタンプ"], first["担当者"], first["ステータス"], first["貸出先"]) == (
        "2026/01/05 09:30:00",
        "佐藤",
        "3.社内にて保管中",
        None,
    )
    assert page["items"][1]["values"]["メールアドレス"] == "printer@example.jp"
    assert client.get("/api/loaners/views/audit", params={"jurisdiction": "関東"}, headers=staff).json()["total"] == 1


@pytest.mark.dialect
def test_summary_counts_held_devices_per_location_and_device_type_with_days_held(client, db):
    add_location(db, "tokyo", "関東", name="東京")
    now = utcnow()
    held = (
        ("osaka", "MODEL_001", "1.返却可能", 30),  # Laptop: CL
        ("osaka", "MODEL_002", "1.返却可能", 3),  # Desktop: CL
        ("kobe", "MODEL_003", "1.返却可能", 10),  # Printer
        ("kobe", "MODEL_005", "2.商談や金額の問題で返却不可", 5),  # Router: その他
        ("tokyo", "MODEL_004", "1.返却可能", 50),  # Tablet: CL, 関東
    )
    for index, (place, model, status, days) in enumerate(held):
        answer(
            db,
            make_device(db, place, model, f"S{index}"),
            LENT | {"預かり機のステータス": status},
            at=now - timedelta(days=days),
        )
    answer(db, make_device(db, "osaka", serial="NOTHELD"), LENT)  # in custody, no held status yet: 未分類
    answer(db, make_device(db, "osaka", serial="NOCUSTODY"), LENT | {"1-4.ユーザー機の預り有無": "無し"})  # not held
    staff = headers(db, "staff1")
    db.commit()
    summary = client.get("/api/loaners/views/summary", params={"jurisdiction": "関西"}, headers=staff).json()
    assert summary["device_types"] == ["SV", "CL", "プリンタ", "その他"] and summary["total"] == 4  # 未分類 apart
    cards = {card["category"]: card for card in summary["cards"]}
    assert list(cards) == ["返却可能", "商談や金額の問題で返却不可", "お客様による返却拒否", "HW延長保守中"]
    assert (summary["unclassified"]["category"], summary["unclassified"]["total"]) == ("未分類", 1)
    assert "預かり機の合計には含めません" in summary["unclassified_note"]
    returnable = cards["返却可能"]
    assert (returnable["icon"], returnable["color"]) == ("fas fa-check-circle", "success")
    assert [(r["location_id"], r["counts"], r["total"], r["longest_held_days"]) for r in returnable["rows"]] == [
        ("himeji", {"SV": 0, "CL": 0, "プリンタ": 0, "その他": 0}, 0, None),
        ("kobe", {"SV": 0, "CL": 0, "プリンタ": 1, "その他": 0}, 1, 10),
        ("osaka", {"SV": 0, "CL": 2, "プリンタ": 0, "その他": 0}, 2, 30),
    ]
    assert (returnable["totals"], returnable["total"]) == ({"SV": 0, "CL": 2, "プリンタ": 1, "その他": 0}, 3)
    assert [(d["location_id"], d["held_days"]) for d in returnable["longest"]] == [
        ("osaka", 30),
        ("kobe", 10),
        ("osaka", 3),
    ]
    assert cards["商談や金額の問題で返却不可"]["totals"]["その他"] == 1 and cards["HW延長保守中"]["total"] == 0
    everywhere = client.get("/api/loaners/views/summary", headers=staff).json()
    assert everywhere["total"] == 5
    devices = client.get(
        "/api/loaners/views/summary/devices", headers=staff, params={"held_status": "1.返却可能", "device_type": "CL"}
    ).json()
    assert [(d["location_id"], d["held_days"]) for d in devices["items"]] == [
        ("tokyo", 50),
        ("osaka", 30),
        ("osaka", 3),
    ]


def test_views_follow_the_data_type_status(client, db):
    staff, admin = headers(db, "staff1"), headers(db, "admin1", "admin")
    db.commit()
    assert [d["id"] for d in client.get("/api/loaners/data-types", headers=staff).json()] == [
        "NORMAL",
        "AUDIT",
        "SUMMARY",
    ]
    assert client.patch("/api/loaners/data-types/AUDIT", json={"status": "inactive"}, headers=admin).status_code == 200
    assert [d["id"] for d in client.get("/api/loaners/data-types", headers=staff).json()] == ["NORMAL", "SUMMARY"]
    response = client.get("/api/loaners/views/audit", headers=staff)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "data_type_inactive")
