"""新規投入依頼 and 既存法人に地点追加 through the API: what is stored, and bad input stores nothing."""

import pytest
from sqlalchemy import func, select

from service.config import get_settings
from service.crm.models import Corporation, Image, Request
from tests.service.crm.conftest import PDF, corporation, made, picture, submit


def counts(db) -> tuple[int, int, int]:
    state = tuple(db.scalar(select(func.count()).select_from(m)) for m in (Corporation, Request, Image))
    db.commit()
    return state


def stored_files(root) -> list:
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.dialect
def test_a_new_request_stores_the_corporation_and_its_images_as_files(client, db, world, storage_root):
    files = [
        ("images", ("電気代.png", picture(), "image/png")),
        ("images", ("gas.jpg", picture("JPEG"), "image/jpeg")),
        ("images", ("scan.pdf", PDF, "application/pdf")),
    ]
    detail = made(submit(client, world.sales_a, files=files, remarks="3地点分。支払は分割", site_count=3))
    assert detail["request"]["status"] == "in_progress" and detail["request"]["status_label"] == "対応中"
    assert detail["request"]["agency_id"] == world.agency_a and detail["request"]["requested_by_name"] == "営業A"
    assert detail["corporation"]["display_name"] == "株式会社テスト商事"
    assert detail["corporation"]["credit_card_number_masked"] == "**** **** **** 1111"
    assert "credit_card_number" not in detail["corporation"]
    assert [(i["file_name"], i["content_type"]) for i in detail["images"]] == [
        ("電気代.png", "image/png"),
        ("gas.jpg", "image/jpeg"),
        ("scan.pdf", "application/pdf"),
    ]
    assert len(stored_files(storage_root)) == 6  # each image and its thumbnail
    image = detail["images"][0]
    original = client.get(f"/api/crm/images/{image['id']}/file", headers=world.operator)
    assert original.status_code == 200 and original.content == picture()
    thumbnail = client.get(f"/api/crm/images/{detail['images'][2]['id']}/thumbnail", headers=world.sales_a)
    assert thumbnail.headers["content-type"] == "image/jpeg" and thumbnail.content[:3] == b"\xff\xd8\xff"


@pytest.mark.dialect
def test_existing_corporation_is_found_by_name_or_number_and_takes_another_request(client, world):
    first = made(submit(client, world.sales_a))
    corporation_id = first["corporation"]["id"]
    by_name = client.get("/api/crm/corporations", params={"q": "テスト商事"}, headers=world.sales_a2).json()
    by_number = client.get("/api/crm/corporations", params={"q": "7000012050002"}, headers=world.sales_a2).json()
    assert [c["id"] for c in by_name["items"]] == [c["id"] for c in by_number["items"]] == [corporation_id]
    second = made(submit(client, world.sales_a2, corporation_id=corporation_id, remarks="新店舗の追加"))
    assert second["corporation"]["id"] == corporation_id and second["request"]["id"] != first["request"]["id"]
    assert client.get("/api/crm/corporations", params={"q": "テスト商事"}, headers=world.sales_b).json()["items"] == []


def test_exactly_one_of_a_new_corporation_or_an_existing_one(client, world):
    neither = submit(client, world.sales_a, corporation=None)
    assert neither.status_code == 422
    assert neither.json()["error"]["details"]["rule"] == "exactly_one_of_corporation_or_corporation_id"


@pytest.mark.dialect
def test_an_admin_names_the_agency_of_a_new_corporation(client, world):
    missing = submit(client, world.admin)
    assert missing.status_code == 422 and missing.json()["error"]["details"]["field"] == "agency_id"
    assert made(submit(client, world.admin, agency_id=world.agency_b))["request"]["agency_id"] == world.agency_b


def test_operators_do_not_file_requests(client, world):
    assert submit(client, world.operator, agency_id=world.agency_a).status_code == 403


BAD_FIELDS = [
    ({"corporation_number": "7000012050003"}, "corporation.corporation_number", "corporation_number_check_digit"),
    ({"corporation_number": "70000120500"}, "corporation.corporation_number", "corporation_number_format"),
    ({"last_name_kana": "テスト商事"}, "corporation.last_name_kana", "katakana"),
    ({"representative_first_name_kana": "taro"}, "corporation.representative_first_name_kana", "katakana"),
    ({"zip_code": "150-001"}, "corporation.zip_code", "postal_code"),
    ({"phone1": "03-1234-567"}, "corporation.phone1", "phone_number"),
    ({"phone2": "12-3456-7890"}, "corporation.phone2", "phone_number"),
    ({"prefecture": "東京"}, "corporation.prefecture", "prefecture"),
    ({"credit_card_number": "4111111111111112"}, "corporation.credit_card_number", "card_number_luhn"),
    ({"job_type": "99"}, "job_type", "choice"),
    ({"credit_card_number": ""}, "credit_card_number", "required_for_credit_card"),
    ({"billing_address_same": False}, "billing_zip_code", "required_for_billing_address"),
]


@pytest.mark.parametrize(("change", "field", "rule"), BAD_FIELDS)
def test_bad_fields_are_422_naming_field_and_rule_and_nothing_is_stored(
    client, db, world, storage_root, change, field, rule
):
    before = counts(db)
    response = submit(client, world.sales_a, corporation=corporation(**change))
    assert response.status_code == 422, response.text
    assert (response.json()["error"]["details"]["field"], response.json()["error"]["details"]["rule"]) == (field, rule)
    assert counts(db) == before
    assert stored_files(storage_root) == []


def bad_files():
    return [
        ("not an image", [("images", ("bill.png", b"just some text, not a picture", "image/png"))], "image_type"),
        ("empty", [("images", ("bill.png", b"", "image/png"))], "image_empty"),
        ("truncated png", [("images", ("bill.png", picture()[:60], "image/png"))], "image_corrupt"),
        ("pdf without end", [("images", ("bill.pdf", b"%PDF-1.4\n1 0 obj", "application/pdf"))], "image_corrupt"),
    ]


@pytest.mark.parametrize(("case", "files", "rule"), bad_files(), ids=[c[0] for c in bad_files()])
def test_a_bad_file_is_422_and_neither_request_nor_files_are_stored(client, db, world, storage_root, case, files, rule):
    before = counts(db)
    good = [("images", ("ok.png", picture(), "image/png"))]
    response = submit(client, world.sales_a, files=good + files)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"] == {"field": "images[1]", "rule": rule}
    assert counts(db) == before and stored_files(storage_root) == []


def test_an_image_over_the_size_limit_is_422(client, db, world, storage_root, monkeypatch):
    monkeypatch.setattr(get_settings(), "crm_max_image_bytes", 2000)
    big = picture("PNG", (300, 300)) + bytes(3000)
    response = submit(client, world.sales_a, files=[("images", ("big.png", big, "image/png"))])
    assert response.status_code == 422 and response.json()["error"]["details"] == {
        "field": "images[0]",
        "rule": "image_max_bytes",
    }
    assert stored_files(storage_root) == []


def test_an_image_with_too_many_pixels_is_422(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "crm_max_image_pixels", 100 * 100)
    response = submit(client, world.sales_a, files=[("images", ("wide.png", picture("PNG", (200, 100)), "image/png"))])
    assert response.status_code == 422 and response.json()["error"]["details"]["rule"] == "image_max_pixels"


def test_too_many_images_in_one_upload_is_422(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "crm_max_images_per_upload", 2)
    files = [("images", (f"{i}.png", picture(), "image/png")) for i in range(3)]
    response = submit(client, world.sales_a, files=files)
    assert response.status_code == 422 and response.json()["error"]["details"]["rule"] == "max_count"


@pytest.mark.dialect
def test_a_failure_after_the_files_were_written_leaves_no_file(client, db, world, storage_root):
    """The agency is deactivated: the request is refused after validation; no row and no file stays."""
    client.patch(f"/api/crm/agencies/{world.agency_a}", json={"is_active": False, "version": 1}, headers=world.admin)
    before = counts(db)
    response = submit(client, world.sales_a)
    assert response.status_code == 409 and response.json()["error"]["code"] == "agency_inactive"
    assert counts(db) == before and stored_files(storage_root) == []


@pytest.mark.dialect
def test_kana_fields_accept_half_width_and_hiragana_and_store_full_width(client, world):
    detail = made(submit(client, world.sales_a, corporation=corporation(last_name_kana="ｶﾌﾞｼｷｶﾞｲｼｬ てすと")))
    assert detail["corporation"]["last_name_kana"] == "カブシキガイシャ テスト"


@pytest.mark.dialect
def test_more_images_while_open_and_not_once_closed_for_sales(client, world):
    request_id = made(submit(client, world.sales_a, files=[]))["request"]["id"]
    added = client.post(
        f"/api/crm/requests/{request_id}/images",
        files=[("images", ("more.png", picture(), "image/png"))],
        headers=world.sales_a,
    )
    assert added.status_code == 201 and added.json()[0]["file_name"] == "more.png"
    detail = made(client.get(f"/api/crm/requests/{request_id}", headers=world.sales_a))
    made(
        client.post(
            f"/api/crm/requests/{request_id}/cancel",
            json={"version": detail["request"]["version"]},
            headers=world.sales_a,
        )
    )
    again = client.post(
        f"/api/crm/requests/{request_id}/images",
        files=[("images", ("late.png", picture(), "image/png"))],
        headers=world.sales_a,
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "request_closed"


@pytest.mark.dialect
def test_deleting_an_image_removes_its_files_after_commit(client, world, storage_root):
    detail = made(submit(client, world.sales_a))
    image_id = detail["images"][0]["id"]
    assert len(stored_files(storage_root)) == 2
    assert client.delete(f"/api/crm/images/{image_id}", headers=world.operator).status_code == 204
    assert stored_files(storage_root) == []
    assert client.get(f"/api/crm/images/{image_id}/file", headers=world.operator).status_code == 404
