"""OCR採用率 through the API: per agency and field, the share of the fields the operator saved as OCR proposed them (a
field typed where nothing was proposed counts as not adopted) is a named figure whose value is the share of its list's
CSV rows reading はい under the figure's own query, over the list's rows; 手入力なしの請求書, the share of bills saved
without a keystroke, likewise over OCR確認履歴（請求書ごと）; the lists and the figures are the back office's (as
代理店別数値 is), filtered by agency, field and 確認日."""

import csv
import io
from datetime import datetime, timedelta

import pytest

from service.crm.models import Image
from service.figures import SHARE_YES
from tests.service.crm.conftest import made, submit
from tests.support.clock import JAPAN
from tests.support.downloads import workbook_rows

XLSX = {"format": "xlsx"}

pytestmark = pytest.mark.dialect

LOCATION, NAME, PLAN = "power_customer_location_number", "power_customer_name", "power_plan_name"
READ = {LOCATION: "0300111234567890123456", NAME: "株式会社テスト商事"}
ACCEPTED = "提案のまま採用"
HANDS_FREE = "手入力なし"
ACCEPTANCE, REVIEWS, EXPORT = "/api/crm/ocr/acceptance", "/api/crm/ocr/reviews", "/api/crm/ocr/reviews/export"
BILLS, BILLS_EXPORT = "/api/crm/ocr/bills", "/api/crm/ocr/bills/export"


def bill_read(client, db, sales: dict) -> tuple[int, int]:
    """A request of the sales person's agency whose bill OCR has read (as the job leaves it): (request, image)."""
    created = made(submit(client, sales))
    image_id = created["images"][0]["id"]
    fields = {
        name: {"value": value, "confidence": 0.9, "box": [1, 2, 3, 4], "chars": []} for name, value in READ.items()
    }
    db.get(Image, image_id).ocr_result = {"status": "done", "engine": "tesseract", "version": "5.3.0", "fields": fields}
    db.commit()
    return created["request"]["id"], image_id


def saved_from_ocr(client, world, request_id: int, image_id: int, **saved) -> None:
    """A new site saved from the image's proposals: each field as given (as proposed, or corrected)."""
    site = made(client.post(f"/api/crm/requests/{request_id}/sites", json={}, headers=world.operator))
    body = {"version": site["version"], "ocr_image_id": image_id} | saved
    made(client.patch(f"/api/crm/sites/{site['id']}", json=body, headers=world.operator))


def reviewed(client, world, db) -> None:
    """Each save reviews both proposals (the form fills every empty field) and what was typed. Agency A:
    供給地点特定番号 kept twice, corrected once; 名義 kept once, corrected twice; 契約プラン typed once (nothing
    proposed). B: 供給地点特定番号 corrected, 名義 kept. Of the four bills only A's first was saved without a
    keystroke."""
    request_a, image_a = bill_read(client, db, world.sales_a)
    saved_from_ocr(client, world, request_a, image_a, **READ)
    saved_from_ocr(
        client, world, request_a, image_a, **{LOCATION: READ[LOCATION], NAME: "株式会社テスト商亊", PLAN: "従量電灯B"}
    )
    saved_from_ocr(client, world, request_a, image_a, **{LOCATION: "0300111234567890123457"})  # 名義 left empty
    request_b, image_b = bill_read(client, db, world.sales_b)
    saved_from_ocr(client, world, request_b, image_b, **{LOCATION: "0300111234567890123499", NAME: READ[NAME]})


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_share_accepted_per_agency_and_field_equals_its_list_and_its_export(client, world, db):
    reviewed(client, world, db)

    answer = made(client.get(ACCEPTANCE, headers=world.operator))

    shares = [(r["agency_id"], r["field_label"], r["accepted"], r["reviewed"]) for r in answer["rows"]]
    assert shares == [
        (world.agency_a, "供給地点特定番号", 2, 3),
        (world.agency_a, "名義", 1, 3),
        (world.agency_a, "契約プラン", 0, 1),  # typed by hand: not adopted
        (world.agency_b, "供給地点特定番号", 0, 1),
        (world.agency_b, "名義", 1, 1),
    ]
    figure = answer["rows"][0]["figure"]
    described = (figure["key"], figure["label"], figure["unit"], figure["counter"])
    assert described == ("crm.ocr_accepted", "OCR採用率", "percent", "件")
    assert (figure["value"], figure["basis"]) == (0.6667, 3)  # 66.7 %
    assert figure["period_label"] == "全期間（今日まで）" and figure["as_of_label"].endswith(" 時点")
    query = {"agency_id": str(world.agency_a), "field": LOCATION}
    assert (figure["list_route"], figure["list_query"]) == ("/crm/ocr/reviews", query)
    assert (figure["export_route"], figure["share_of"]) == ("/crm/ocr/reviews/export", ACCEPTED)

    listed = made(client.get(REVIEWS, params=query, headers=world.operator))
    assert listed["total"] == figure["basis"]
    assert [item["accepted"] for item in listed["items"]] == [False, True, True]  # the newest first
    assert listed["items"][0]["saved"] == "0300111234567890123457" and listed["items"][0]["agency_name"]
    rows = csv_rows(client.get(EXPORT, params=query, headers=world.operator))
    assert len(rows) == figure["basis"]
    assert round(sum(row[ACCEPTED] == SHARE_YES for row in rows) / len(rows), 4) == figure["value"]
    workbook = client.get(EXPORT, params=query | {"format": "xlsx"}, headers=world.operator)
    header, *cells = workbook_rows(workbook.content)
    assert [dict(zip(header, row, strict=True))[ACCEPTED] for row in cells] == ["いいえ", SHARE_YES, SHARE_YES]


def test_the_total_over_every_agency_and_field_equals_its_list_and_its_export(client, world, db):
    reviewed(client, world, db)

    total = made(client.get(ACCEPTANCE, headers=world.operator))["total"]

    assert (total["agency_id"], total["agency_name"], total["field"], total["field_label"]) == (
        None,
        "合計",
        None,
        "全項目",
    )
    assert (total["accepted"], total["reviewed"]) == (4, 9)
    figure = total["figure"]
    assert (figure["key"], figure["label"], figure["unit"]) == (
        "crm.ocr_accepted_total",
        "OCR採用率（合計）",
        "percent",
    )
    assert (figure["value"], figure["basis"], figure["period_label"]) == (0.4444, 9, "全期間（今日まで）")
    assert (figure["list_route"], figure["list_query"], figure["share_of"]) == ("/crm/ocr/reviews", {}, ACCEPTED)
    assert made(client.get(REVIEWS, headers=world.operator))["total"] == figure["basis"]
    rows = csv_rows(client.get(EXPORT, headers=world.operator))
    assert (len(rows), round(sum(row[ACCEPTED] == SHARE_YES for row in rows) / len(rows), 4)) == (9, figure["value"])
    typed = next(row for row in rows if row["項目"] == "契約プラン")
    assert (typed["OCRの値"], typed["保存した値"], typed["結果"], typed[ACCEPTED]) == (
        "",
        "従量電灯B",
        "手入力",
        "いいえ",
    )


def test_bills_saved_without_a_keystroke_equal_their_list_and_its_export(client, world, db):
    reviewed(client, world, db)

    figure = made(client.get(ACCEPTANCE, headers=world.operator))["hands_free"]

    described = (figure["key"], figure["label"], figure["unit"], figure["counter"], figure["share_of"])
    assert described == ("crm.ocr_hands_free", "手入力なしの請求書", "percent", "枚", HANDS_FREE)
    assert (figure["value"], figure["basis"], figure["period_label"]) == (0.25, 4, "全期間（今日まで）")
    assert (figure["list_route"], figure["list_query"], figure["export_route"]) == (
        "/crm/ocr/bills",
        {},
        "/crm/ocr/bills/export",
    )
    listed = made(client.get(BILLS, headers=world.operator))
    assert listed["total"] == figure["basis"]
    counts = [(item["reviewed"], item["accepted"], item["corrected"], item["typed"]) for item in listed["items"]]
    assert counts == [(2, 1, 1, 0), (2, 0, 2, 0), (3, 1, 1, 1), (2, 2, 0, 0)]  # the newest first: B's, then A's
    assert [item["hands_free_label"] for item in listed["items"]] == ["いいえ", "いいえ", "いいえ", SHARE_YES]
    assert listed["items"][-1]["reviewed_by_name"] and listed["items"][-1]["request_id"]
    rows = csv_rows(client.get(BILLS_EXPORT, headers=world.operator))
    assert (len(rows), sum(row[HANDS_FREE] == SHARE_YES for row in rows) / len(rows)) == (4, figure["value"])
    workbook = client.get(BILLS_EXPORT, params=XLSX, headers=world.operator)
    header, *cells = workbook_rows(workbook.content)
    assert [dict(zip(header, row, strict=True))[HANDS_FREE] for row in cells] == ["いいえ", "いいえ", "いいえ", "はい"]

    theirs = made(client.get(ACCEPTANCE, params={"agency_id": world.agency_b}, headers=world.operator))
    assert (theirs["hands_free"]["value"], theirs["hands_free"]["basis"]) == (0.0, 1)
    by_field = made(client.get(ACCEPTANCE, params={"field": NAME}, headers=world.operator))["hands_free"]
    assert (by_field["basis"], by_field["list_query"]) == (4, {})  # a bill is every field's
    assert made(client.get(BILLS, params={"agency_id": world.agency_b}, headers=world.operator))["total"] == 1


def test_the_figures_follow_the_filters_agency_field_and_days(client, world, db):
    reviewed(client, world, db)
    newest = made(client.get(REVIEWS, headers=world.operator))["items"][0]["reviewed_at"]
    day = datetime.fromisoformat(newest).astimezone(JAPAN).date()  # 確認日: the day in Japan

    def figures(**params) -> list[dict]:
        return [row["figure"] for row in made(client.get(ACCEPTANCE, params=params, headers=world.operator))["rows"]]

    def total(**params) -> dict:
        return made(client.get(ACCEPTANCE, params=params, headers=world.operator))["total"]["figure"]

    location, _ = figures(agency_id=world.agency_b)
    theirs = total(agency_id=world.agency_b)
    assert (theirs["value"], theirs["basis"], theirs["list_query"]) == (0.5, 2, {"agency_id": str(world.agency_b)})
    assert (total(field=NAME)["value"], total(field=NAME)["basis"]) == (0.5, 4)
    assert location["list_query"] == {"agency_id": str(world.agency_b), "field": LOCATION} and location["value"] == 0.0
    ours, theirs = figures(field=NAME)
    assert [(f["value"], f["basis"], f["list_query"]["field"]) for f in (ours, theirs)] == [
        (0.3333, 3, NAME),
        (1.0, 1, NAME),
    ]
    on_the_day = figures(since=day.isoformat(), until=day.isoformat())
    assert [figure["basis"] for figure in on_the_day] == [3, 3, 1, 1, 1]
    assert on_the_day[0]["period_label"].startswith(f"{day:%Y/%m/%d}")
    assert on_the_day[0]["list_query"]["since"] == on_the_day[0]["list_query"]["until"] == day.isoformat()
    listed = made(client.get(REVIEWS, params=on_the_day[0]["list_query"], headers=world.operator))
    assert listed["total"] == 3
    tomorrow = (day + timedelta(days=1)).isoformat()
    assert figures(since=tomorrow) == []
    nothing = total(since=tomorrow)
    assert (nothing["value"], nothing["basis"], nothing["list_query"]) == (0.0, 0, {"since": tomorrow})
    assert made(client.get(REVIEWS, params={"since": tomorrow}, headers=world.operator))["total"] == 0


def test_sales_are_refused_and_an_unknown_agency_is_not_found(client, world, db):
    reviewed(client, world, db)
    for path in (REVIEWS, EXPORT, ACCEPTANCE, BILLS, BILLS_EXPORT):
        for params in ({}, {"agency_id": world.agency_b}, {"agency_id": world.agency_a}):
            assert client.get(path, params=params, headers=world.sales_a).status_code == 403, (path, params)
        missing = client.get(path, params={"agency_id": 999_999}, headers=world.operator)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found", path
    bad_field = client.get(REVIEWS, params={"field": "card_number"}, headers=world.operator)
    assert bad_field.status_code == 422
    backwards = {"since": "2026-02-01", "until": "2026-01-01"}
    assert client.get(ACCEPTANCE, params=backwards, headers=world.operator).status_code == 422
    assert len(made(client.get(ACCEPTANCE, headers=world.admin))["rows"]) == 5
