"""A model's repeated 製造番号 is said before a second device (…_002) is registered; SUMMARY shows 未分類 (in
custody, no held status yet) apart from its four categories and outside 預かり機の合計."""

import pytest
from sqlalchemy import func, select

from service.loaners.models import Device
from tests.service.loaners.conftest import LENT, add_location, answer, headers, make_device
from tests.support.downloads import csv_download

pytestmark = pytest.mark.dialect

BODY = {"location_id": "osaka", "model_id": "MODEL_001", "serial_number": "ABC123", "asset_number": "A-1"}


def test_a_repeated_serial_is_a_409_naming_the_device_until_confirmed(client, db):
    first = make_device(db, "kobe", "MODEL_001", "ABC123")
    staff = headers(db, "staff1")
    db.commit()
    warned = client.post("/api/loaners/devices", json=BODY, headers=staff)
    assert warned.status_code == 409
    error = warned.json()["error"]
    assert (error["code"], error["details"]["rule"], error["details"]["field"]) == (
        "duplicate_serial",
        "duplicate_serial",
        "serial_number",
    )
    assert [d["id"] for d in error["details"]["devices"]] == [first.id]
    assert first.management_number in error["message"]
    confirmed = client.post("/api/loaners/devices", json=BODY | {"confirm": True}, headers=staff)
    assert confirmed.status_code == 201
    assert confirmed.json()["management_number"] == "OSAKA_Laptop_ThinkPad-X1-Carbon_ABC123_001"
    again = client.post("/api/loaners/devices", json=BODY | {"confirm": True}, headers=staff)
    assert again.json()["management_number"].endswith("_ABC123_002")  # the number rule is unchanged
    other = client.post("/api/loaners/devices", json=BODY | {"serial_number": "NEW1"}, headers=staff)
    other_model = client.post("/api/loaners/devices", json=BODY | {"model_id": "MODEL_002"}, headers=staff)
    assert (other.status_code, other_model.status_code) == (201, 201)  # another serial, or the serial of another model
    assert db.scalar(select(func.count()).select_from(Device)) == 5  # the refused one stored nothing


def test_another_jurisdictions_device_is_neither_named_nor_in_the_way(client, db):
    add_location(db, "tokyo", "関東", name="東京")
    make_device(db, "tokyo", "MODEL_001", "ABC123")
    kansai = headers(db, "staff-kansai", scope="関西")
    db.commit()
    response = client.post("/api/loaners/devices", json=BODY, headers=kansai)
    assert response.status_code == 201


def test_summary_shows_held_devices_without_a_held_status_apart_and_leaves_them_out_of_the_total(client, db):
    answer(db, make_device(db, "osaka", "MODEL_003", "P1"), LENT)  # printer held, no 預かり機のステータス yet
    answer(db, make_device(db, "kobe", "MODEL_001", "L1"), LENT | {"預かり機のステータス": "1.返却可能"})
    answer(db, make_device(db, "kobe", "MODEL_001", "L2"), LENT | {"1-4.ユーザー機の預り有無": "無し"})
    staff = headers(db, "staff1")
    db.commit()
    summary = client.get("/api/loaners/views/summary", headers=staff).json()
    assert "未分類" not in {card["category"] for card in summary["cards"]}  # §3.1's four categories only
    unclassified = summary["unclassified"]
    assert (unclassified["held_status"], unclassified["total"], unclassified["totals"]["プリンタ"]) == ("", 1, 1)
    assert [d["management_number"] for d in unclassified["longest"]] == ["OSAKA_Printer_imageClass-MF644Cdw_P1_001"]
    assert summary["unclassified_note"]
    held = next(figure for figure in summary["figures"] if figure["key"] == "loaners.held")
    assert (summary["total"], held["value"], held["list_query"]) == (1, 1, {"classified": "true"})
    counted = client.get("/api/loaners/views/summary/devices", params=held["list_query"], headers=staff).json()
    assert [d["management_number"] for d in counted["items"]] == ["KOBE_Laptop_ThinkPad-X1-Carbon_L1_001"]
    rows = csv_download(client.get("/api/loaners/views/summary/export", params=held["list_query"], headers=staff))
    assert len(rows) - 1 == held["value"]
    only = client.get("/api/loaners/views/summary/devices", params={"held_status": "未分類"}, headers=staff)
    assert [d["device_type"] for d in only.json()["items"]] == ["プリンタ"]
    everything = client.get("/api/loaners/views/summary/devices", headers=staff).json()
    assert sorted((d["held_status"], d["category"]) for d in everything["items"]) == [
        ("", "未分類"),
        ("1.返却可能", "返却可能"),
    ]
