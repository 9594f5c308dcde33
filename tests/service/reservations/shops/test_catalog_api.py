"""Service types and partner shops through the API: CRUD (operators, audited), CSV export and an all-or-nothing
import, phone numbers normalised, bad input refused in the common error shape."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import session_scope
from service.reservations import labels
from service.reservations.models import Shop
from tests.service.reservations.conftest import book, count, headers_for

HEADER = ",".join(labels.SHOP_CSV_HEADER)


@pytest.mark.dialect
def test_services_crud_and_a_service_in_use_is_only_deactivated(client, db, catalog):
    operator = headers_for(db, "operator")
    created = client.post(
        "/api/reservations/services",
        json={"name": "エアコン清掃", "price": 12000, "duration_minutes": 90, "description": "壁掛け1台"},
        headers=operator,
    )
    assert created.status_code == 201
    service_id = created.json()["id"]
    changed = client.patch(f"/api/reservations/services/{service_id}", json={"price": 11000}, headers=operator)
    assert changed.json()["price"] == 11000
    duplicate = client.post(
        "/api/reservations/services", json={"name": "エアコン清掃", "price": 1, "duration_minutes": 1}, headers=operator
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"]["details"]["rule"] == "unique"
    negative = client.post(
        "/api/reservations/services", json={"name": "x", "price": -1, "duration_minutes": 1}, headers=operator
    )
    assert negative.status_code == 422
    assert client.delete(f"/api/reservations/services/{service_id}", headers=operator).status_code == 204
    book(catalog["service_id"])
    in_use = client.delete(f"/api/reservations/services/{catalog['service_id']}", headers=operator)
    assert in_use.status_code == 409 and in_use.json()["error"]["code"] == "service_in_use"
    with session_scope() as db2:
        actions = list(db2.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions == ["create_service_type", "update_service_type", "delete_service_type"]


def test_shops_crud_with_normalised_phone_and_services(client, db, catalog):
    operator = headers_for(db, "operator")
    created = client.post(
        "/api/reservations/shops",
        json={
            "name": "新宿クリーン",
            "phone": "03-1234-5678",
            "email": "shinjuku@example.jp",
            "service_type_ids": [catalog["service_id"]],
            "call_order": 5,
        },
        headers=operator,
    )
    assert created.status_code == 201, created.text
    shop = created.json()
    assert shop["phone"] == "+81312345678" and [s["id"] for s in shop["services"]] == [catalog["service_id"]]
    listed = client.get("/api/reservations/shops", params={"q": "新宿"}, headers=operator).json()
    assert [s["name"] for s in listed["items"]] == ["新宿クリーン"]
    in_order = client.get("/api/reservations/shops", headers=operator).json()["items"]
    assert [s["call_order"] for s in in_order] == [1, 2, 3, 5]
    bad_phone = client.patch(f"/api/reservations/shops/{shop['id']}", json={"phone": "12-34"}, headers=operator)
    assert bad_phone.status_code == 422 and bad_phone.json()["error"]["details"][0]["rule"] == "phone_format"
    unknown = client.patch(f"/api/reservations/shops/{shop['id']}", json={"service_type_ids": [999]}, headers=operator)
    assert unknown.status_code == 422 and unknown.json()["error"]["details"]["ids"] == [999]
    off = client.patch(f"/api/reservations/shops/{shop['id']}", json={"active": False}, headers=operator)
    assert off.json()["active"] is False
    assert client.delete(f"/api/reservations/shops/{shop['id']}", headers=operator).status_code == 204
    assert client.get(f"/api/reservations/shops/{shop['id']}", headers=operator).status_code == 404


@pytest.mark.dialect
def test_a_shop_that_was_called_cannot_be_deleted(client, db, catalog):
    operator = headers_for(db, "operator")
    book(catalog["service_id"])
    refused = client.delete(f"/api/reservations/shops/{catalog['shop_ids'][0]}", headers=operator)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "shop_in_use"


def test_export_then_import_round_trips_and_updates_by_name(client, db, catalog):
    operator = headers_for(db, "operator")
    exported = client.get("/api/reservations/shops/export", headers=operator)
    assert exported.status_code == 200 and exported.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0] == HEADER.split(",")
    assert lines[1][:6] == [
        "提携店1",
        "03000000001",
        "shop1@example.jp",
        "ハウスクリーニング",
        "1",
        "有効",
    ]  # as dialled
    changed = exported.content.decode("utf-8-sig").replace("shop1@example.jp", "new@example.jp")
    changed += "渋谷ハウス,090-9999-0000,,ハウスクリーニング,9,有効,=HYPERLINK(1)\r\n"
    result = client.post(
        "/api/reservations/shops/import", files={"file": ("shops.csv", changed.encode("cp932"))}, headers=operator
    )
    assert result.status_code == 200, result.text
    assert result.json() == {"created": 1, "updated": 3}
    with session_scope() as db2:
        shops = {s.name: s for s in db2.scalars(select(Shop))}
        assert shops["提携店1"].email == "new@example.jp"
        assert shops["渋谷ハウス"].phone == "+819099990000" and shops["渋谷ハウス"].call_order == 9
    again = client.get("/api/reservations/shops/export", headers=operator).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in again  # a cell never runs as a formula in a spreadsheet


@pytest.mark.dialect
def test_opening_hours_are_both_or_neither_round_trip_through_the_csv_and_close_a_shop_to_calls(client, db, catalog):
    operator = headers_for(db, "operator")
    first, second, _ = (f"/api/reservations/shops/{shop_id}" for shop_id in catalog["shop_ids"])
    half = client.patch(first, json={"opens_at": "10:00"}, headers=operator)
    assert half.status_code == 422 and half.json()["error"]["details"]["rule"] == "hours_both"
    backwards = client.patch(first, json={"opens_at": "19:00", "closes_at": "10:00"}, headers=operator)
    assert backwards.status_code == 422 and backwards.json()["error"]["details"]["rule"] == "hours_order"
    hours = client.patch(first, json={"opens_at": "10:00", "closes_at": "12:00"}, headers=operator)
    assert (hours.json()["opens_at"], hours.json()["closes_at"]) == ("10:00:00", "12:00:00")
    exported = client.get("/api/reservations/shops/export", headers=operator).content.decode("utf-8-sig")
    assert exported.splitlines()[1].endswith(',"10:00-12:00",""')
    changed = exported.replace(',"10:00-12:00"', ",9:30〜12:00")
    imported = client.post(
        "/api/reservations/shops/import", files={"file": ("shops.csv", changed.encode())}, headers=operator
    )
    assert imported.status_code == 200, imported.text
    assert client.get(first, headers=operator).json()["opens_at"] == "09:30:00"
    assert client.patch(second, json={"all_day": True}, headers=operator).json()["opens_at"] is None
    afternoon = datetime.combine(date.today() + timedelta(days=5), time(14), tzinfo=ZoneInfo("Asia/Tokyo"))
    code = book(catalog["service_id"], days=(afternoon - datetime.now(UTC)) / timedelta(days=1))
    detail = client.get(f"/api/reservations/reservations/{code}", headers=operator).json()
    assert [call["shop_name"] for call in detail["calls"]] == ["提携店2"]  # 提携店1 is closed at 14:00


def test_one_bad_row_imports_nothing_and_names_every_problem(client, db, catalog):
    operator = headers_for(db, "operator")
    before = count(Shop)
    rows = "\r\n".join(
        [
            HEADER,
            "良い店,090-1111-2222,,ハウスクリーニング,1,1,",
            "電話なし,,,ハウスクリーニング,1,1,",
            "知らないサービス,090-1111-3333,,宇宙旅行,1,1,",
            "良い店,090-1111-4444,,,x,1,",
        ]
    )
    answer = client.post(
        "/api/reservations/shops/import", files={"file": ("shops.csv", rows.encode())}, headers=operator
    )
    assert answer.status_code == 422
    problems = answer.json()["error"]["details"]["rows"]
    assert [p["row"] for p in problems] == [3, 4, 5]
    assert problems[2]["errors"][0]["message"].startswith("2行目と同じ店舗名です")  # a copy inside the file
    assert count(Shop) == before
    no_columns = client.post(
        "/api/reservations/shops/import", files={"file": ("x.csv", b"name\nfoo\n")}, headers=operator
    )
    assert no_columns.status_code == 422 and no_columns.json()["error"]["details"]["rule"] == "columns"


def test_support_reads_shops_but_cannot_change_them(client, db, catalog):
    support = headers_for(db, "support")
    assert client.get("/api/reservations/shops", headers=support).status_code == 200
    refused = client.post("/api/reservations/shops", json={"name": "x", "phone": "090-1111-2222"}, headers=support)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_a_lone_carriage_return_in_the_shop_csv_is_a_422_naming_its_row_and_column(client, db, catalog):
    operator = headers_for(db, "operator")
    before = count(Shop)
    content = f"{HEADER}\r\n良い店,090-1111-2222,\r,ハウスクリーニング,1,1,\r\n".encode()
    answer = client.post("/api/reservations/shops/import", files={"file": ("shops.csv", content)}, headers=operator)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"] == {"field": "file", "rule": "csv_format", "row": 2, "column": 3}
    assert count(Shop) == before
