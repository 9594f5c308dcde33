"""OCR of statement images through the API: an upload is read by a real worker on the bulk queue and its proposals
come back with their confidence and box (one Tesseract run for the module); a bulk worker reads bill after bill with
PP-OCRv6 in one pool process, its engine loaded once; with the engine off the API says OCR is unavailable and an
upload works as before; the operator's save records which proposals were accepted, which corrected and which fields
were typed where nothing was proposed (audit entry, review rows), and nothing for an image never read; an address
read with its 丁目 lands in the carrier CSV as the sales form keeps it; an image of another request (another
agency's) is refused as the form's source."""

import csv
import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import select

from bench import ocr_bills
from service.audit.models import AuditEntry
from service.config import get_settings
from service.crm.models import Image as ImageRow
from service.crm.models import OcrReview
from service.crm.ocr import extraction
from service.crm.ocr.engine import Glyph, Line, PpOcrV6
from service.crm.ocr.turns import TASK
from service.task_queues import BULK
from tests.service.crm.conftest import add_site, made, submit
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401 (the fixture)

pytestmark = pytest.mark.outside

READ_TIMEOUT = 240  # a deadline against a hang only
BILL = ocr_bills.bills(1)[0]  # 北海道電力's ruled table


def bill_jpeg() -> bytes:
    out = io.BytesIO()
    ocr_bills.draw(BILL).save(out, "JPEG", quality=85)
    return out.getvalue()


def switched_on(monkeypatch, name: str) -> Iterator[str]:
    """OCR switched on in the API (the run's default is off), and off again after the test."""
    monkeypatch.setenv("APP_OCR_ENGINE", name)
    get_settings.cache_clear()
    yield name
    get_settings.cache_clear()


@pytest.fixture
def engine(monkeypatch) -> Iterator[str]:
    yield from switched_on(monkeypatch, "tesseract")


@pytest.fixture
def ppocrv6(monkeypatch) -> Iterator[str]:
    yield from switched_on(monkeypatch, "ppocrv6")


def upload_bill(client, world, data: bytes) -> dict:
    files = [("images", ("bill.jpg", data, "image/jpeg"))]
    return made(submit(client, world.sales_a, files=files))


def test_an_upload_is_read_on_the_bulk_queue_and_its_proposals_come_back(client, world, engine, start_worker):
    assert client.get("/api/crm/ocr/engine", headers=world.operator).json()["available"] is True
    created = upload_bill(client, world, bill_jpeg())
    image_id = created["images"][0]["id"]
    assert created["images"][0]["ocr_status"] == "pending"  # queued with the upload, never read on the request
    start_worker(queues=[BULK], APP_OCR_ENGINE="tesseract")

    def read() -> dict | None:
        answer = client.get(f"/api/crm/images/{image_id}/ocr", headers=world.operator).json()
        return answer if answer["status"] in ("done", "failed") else None

    ocr = wait_for_job(read, timeout=READ_TIMEOUT, message="the worker to read the bill")
    assert (ocr["status"], ocr["engine"]) == ("done", "tesseract") and ocr["version"].startswith("5.")
    proposals = {p["field"]: p for p in ocr["proposals"]}
    location = proposals["power_customer_location_number"]
    assert location["value"] == BILL.truth["power_customer_location_number"]
    assert location["label"] == "供給地点特定番号" and 0 < location["confidence"] <= 1
    left, top, right, bottom = location["box"]
    assert 0 <= left < right <= ocr["page_size"][0] and 0 <= top < bottom <= ocr["page_size"][1]
    assert proposals["latest_charges"]["value"] == BILL.truth["latest_charges"]
    assert proposals["latest_date"]["value"] == BILL.truth["latest_date"]
    assert "供給地点特定番号" in ocr["text"].replace(" ", "")

    plain = client.get(f"/api/crm/images/{image_id}/ocr/page", headers=world.operator)
    boxed = client.get(
        f"/api/crm/images/{image_id}/ocr/page",
        params={"field": "power_customer_location_number"},
        headers=world.operator,
    )
    assert plain.headers["content-type"] == boxed.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(boxed.content)) as page:
        assert list(page.size) == ocr["page_size"]
        red, green, _ = page.convert("RGB").getpixel((left - 6, (top + bottom) // 2))
        assert red > 150 and green < 100  # the box is drawn where the value was read
    assert client.get(f"/api/crm/images/{image_id}/ocr", headers=world.sales_a).status_code == 403


def test_a_bulk_worker_reads_bill_after_bill_in_one_pool_process(client, world, ppocrv6, start_worker):
    """The pool process that read a bill is kept for the next (service/task_queues.py CHILD_MEMORY_KIB): replaced after
    each, every bill paid PP-OCRv6's load again."""
    image_ids = [upload_bill(client, world, bill_jpeg())["images"][0]["id"] for _ in range(3)]
    worker = start_worker(queues=[BULK], APP_OCR_ENGINE="ppocrv6")

    def all_read() -> bool:
        answers = [client.get(f"/api/crm/images/{i}/ocr", headers=world.operator).json() for i in image_ids]
        return all(answer["status"] == "done" for answer in answers)

    wait_for_job(all_read, timeout=READ_TIMEOUT, message="the worker to read the three bills")
    log = worker.log_path.read_text(errors="replace")
    readers = re.findall(rf"INFO/(ForkPoolWorker-\d+)\] Task {re.escape(TASK)}\[[^]]+\] succeeded", log)
    assert len(readers) >= len(image_ids) and len(set(readers)) == 1, log[-3000:]
    assert "exceeding memory limit" not in log


def test_with_the_engine_off_the_api_says_ocr_is_unavailable_and_uploads_work_as_before(client, world, db):
    state = client.get("/api/crm/ocr/engine", headers=world.operator).json()
    assert (state["engine"], state["available"]) == ("none", False)
    assert "OCRは利用できません" in state["message"]
    created = upload_bill(client, world, bill_jpeg())
    image = created["images"][0]
    assert image["ocr_status"] is None
    ocr = client.get(f"/api/crm/images/{image['id']}/ocr", headers=world.operator).json()
    assert (ocr["status"], ocr["proposals"]) == (None, []) and "読み取られていません" in ocr["message"]
    page = client.get(f"/api/crm/images/{image['id']}/ocr/page", headers=world.operator)
    assert page.status_code == 404 and page.json()["error"]["code"] == "ocr_page_missing"
    detail = client.get(f"/api/crm/requests/{created['request']['id']}", headers=world.operator).json()
    assert [i["file_name"] for i in detail["images"]] == ["bill.jpg"]


PROPOSED = {
    "power_customer_location_number": {"value": "0300111234567890123456", "confidence": 0.97, "box": [1, 2, 3, 4]},
    "power_customer_name": {"value": "株式会社テスト商事", "confidence": 0.61, "box": [1, 5, 3, 8]},
    "latest_charges": {"value": 12000, "confidence": 0.95, "box": [1, 9, 3, 12]},
}


def read_image(db, image_id: int) -> None:
    """The image as the worker leaves it once read (the job itself is run by the first test)."""
    fields = {name: proposal | {"chars": []} for name, proposal in PROPOSED.items()}
    db.get(ImageRow, image_id).ocr_result = {
        "status": "done",
        "engine": "tesseract",
        "version": "5.3.0",
        "fields": fields,
    }
    db.commit()


def test_the_save_records_which_proposals_were_accepted_and_which_corrected(client, world, db):
    created = upload_bill(client, world, bill_jpeg())
    request_id, image_id = created["request"]["id"], created["images"][0]["id"]
    read_image(db, image_id)
    site = made(client.post(f"/api/crm/requests/{request_id}/sites", json={}, headers=world.operator))
    body = {
        "version": site["version"],
        "ocr_image_id": image_id,
        "power_customer_location_number": PROPOSED["power_customer_location_number"]["value"],
        "power_customer_name": "株式会社テスト商亊",  # the operator corrected one character
        "power_plan_name": "従量電灯B",  # typed: OCR proposed nothing
        "latest_charges": 12000,
    }
    saved = made(client.patch(f"/api/crm/sites/{site['id']}", json=body, headers=world.operator))
    assert saved["power_customer_name"] == "株式会社テスト商亊"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_type == "site", AuditEntry.action == "update")).one()
    assert entry.changes["ocr_review"]["after"] == {
        "accepted": ["power_customer_location_number", "latest_charges"],
        "corrected": ["power_customer_name"],
        "typed": ["power_plan_name"],
    }
    rows = db.scalars(select(OcrReview).where(OcrReview.site_id == site["id"]))
    reviews = {r.field: (r.accepted, r.proposed, r.confidence) for r in rows}
    assert reviews == {
        "power_customer_location_number": (True, "0300111234567890123456", 0.97),
        "power_customer_name": (False, "株式会社テスト商事", 0.61),
        "power_plan_name": (False, None, None),  # typed by hand: not adopted, nothing proposed
        "latest_charges": (True, "12000", 0.95),
    }
    db.commit()

    again = {"version": saved["version"], "ocr_image_id": image_id, "note": "確認済み", "contract_capacity": "30A"}
    made(client.patch(f"/api/crm/sites/{site['id']}", json=again, headers=world.operator))
    typed_later = db.scalars(select(OcrReview).where(OcrReview.field == "contract_capacity")).one()
    assert (typed_later.proposed, typed_later.accepted) == (None, False)
    assert len(db.scalars(select(OcrReview)).all()) == 5  # a second save reviews only what it filled in


def test_a_save_naming_an_image_never_read_records_nothing(client, world, db):
    created = upload_bill(client, world, bill_jpeg())
    site = made(client.post(f"/api/crm/requests/{created['request']['id']}/sites", json={}, headers=world.operator))
    body = {"version": site["version"], "ocr_image_id": created["images"][0]["id"], "power_plan_name": "従量電灯B"}
    made(client.patch(f"/api/crm/sites/{site['id']}", json=body, headers=world.operator))
    assert db.scalars(select(OcrReview)).all() == []
    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_type == "site", AuditEntry.action == "update")).one()
    assert "ocr_review" not in entry.changes


def test_an_image_of_another_request_or_agency_is_refused_as_the_forms_source(client, world, db):
    ours = upload_bill(client, world, bill_jpeg())
    theirs = made(submit(client, world.sales_b, files=[("images", ("b.jpg", bill_jpeg(), "image/jpeg"))]))
    site = add_site(client, world, ours["request"]["id"])
    body = {"version": site["version"], "ocr_image_id": theirs["images"][0]["id"], "note": "x"}
    refused = client.patch(f"/api/crm/sites/{site['id']}", json=body, headers=world.operator)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "same_request"


def test_an_address_read_with_its_chome_lands_in_the_carrier_csv_as_the_sales_form_keeps_it(client, world, db):
    """Read 「神宮前一丁目2番3号」: saved as proposed, 町域 is 神宮前 and the carrier CSV's power_street_1〜3 are 1, 2
    and 3, as a corporation's street typed on the sales form (「1-2-3」) is split."""
    created = upload_bill(client, world, bill_jpeg())
    request_id, image_id = created["request"]["id"], created["images"][0]["id"]
    printed = "ご使用場所 〒150-0001 東京都渋谷区神宮前一丁目2番3号 サクラビル3F"
    line = Line(tuple(Glyph(c, 0.95, (0, 0, 1, 1)) for c in printed))
    read = extraction.extract([line], companies={}, sure_name=PpOcrV6.sure_name)
    fields = {name: {"value": p.value, "confidence": p.confidence, "box": list(p.box), "chars": []}
              for name, p in read.proposals.items()}  # fmt: skip
    db.get(ImageRow, image_id).ocr_result = {
        "status": "done",
        "engine": "tesseract",
        "version": "5.3.0",
        "fields": fields,
    }
    db.commit()
    site = made(client.post(f"/api/crm/requests/{request_id}/sites", json={}, headers=world.operator))
    proposed = {name: field["value"] for name, field in fields.items()}
    body = {"version": site["version"], "ocr_image_id": image_id} | proposed
    made(client.patch(f"/api/crm/sites/{site['id']}", json=body, headers=world.operator))

    response = client.get(f"/api/crm/sites/{site['id']}/carrier.csv", headers=world.operator)
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (row["power_town"], row["power_street_1"], row["power_street_2"], row["power_street_3"]) == (
        "神宮前",
        "1",
        "2",
        "3",
    )
    assert [row["street_number_1"], row["street_number_2"], row["street_number_3"]] == ["1", "2", "3"]  # the form's
    reviews = db.scalars(select(OcrReview).where(OcrReview.site_id == site["id"])).all()
    assert {review.field for review in reviews} == set(proposed) and all(review.accepted for review in reviews)
