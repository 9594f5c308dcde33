"""地点入力 with OCR on 案件詳細: a generated bill photo uploaded by the sales side is read by a real worker on the bulk
queue (the module's one Tesseract run); the operator finds its proposals in the site's empty fields marked 「OCR」,
sees where one was read, corrects one field and saves: the audit entry names the corrected field and the accepted
ones. A reading that finishes after the form was drawn fills it on the next rerun. With the engine off the page says
OCR is unavailable and the form is as before."""

import re

import pytest
from sqlalchemy import select

from bench import ocr_bills
from service.audit.models import AuditEntry
from service.config import get_settings
from service.crm.models import Image
from service.task_queues import BULK
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import made, submit
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401 - the fixture

CASE = "app_pages/crm/case.py"
READ_TIMEOUT = 240  # a deadline against a hang only
LOCATION = "power_customer_location_number"
BILL = ocr_bills.demo_bills(3)[2]  # the 「slip」 layout: the amount in a shaded band, the rest in two columns


def bill_photo() -> bytes:
    """The bill photographed: turned a little, saved as a JPEG."""
    data, _ = ocr_bills.photographed(ocr_bills.Bill(**{**BILL.__dict__, "look": "turned"}), ocr_bills.draw(BILL))
    return data


@pytest.fixture
def engine(monkeypatch):
    monkeypatch.setenv("APP_OCR_ENGINE", "tesseract")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def site_of(client, world, request_id: int) -> dict:
    return made(client.post(f"/api/crm/requests/{request_id}/sites", json={}, headers=world.operator))


def test_the_operator_confirms_the_ocr_proposals_corrects_one_and_the_audit_names_it(
    db,
    world,  # noqa: F811
    client,
    open_app,
    engine,
    start_worker,  # noqa: F811
):
    created = made(submit(client, world.sales_a, files=[("images", ("明細.jpg", bill_photo(), "image/jpeg"))]))
    request_id, image_id = created["request"]["id"], created["images"][0]["id"]
    start_worker(queues=[BULK], APP_OCR_ENGINE="tesseract")
    wait_for_job(
        lambda: client.get(f"/api/crm/images/{image_id}/ocr", headers=world.operator).json()["status"] == "done",
        timeout=READ_TIMEOUT,
        message="the worker to read the bill",
    )
    site = site_of(client, world, request_id)

    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    key = f"crm_case_site_{site['id']}_0"
    location = at.text_input(key=f"{key}_power_customer_location_number")
    assert re.fullmatch(r"供給地点特定番号（OCR \d+%）", location.label)  # marked, with its confidence
    assert location.value == BILL.truth["power_customer_location_number"]
    assert at.number_input(key=f"{key}_latest_charges").value == BILL.truth["latest_charges"]
    assert any(text.startswith("**供給地点特定番号**") for text in texts(at.markdown))
    at.selectbox(key=f"crm_case_site_{site['id']}_ocr_field").select("power_customer_location_number").run()
    assert "**読み取り位置: 供給地点特定番号**" in texts(at.markdown)
    site_updates = select(AuditEntry).where(AuditEntry.target_type == "site", AuditEntry.action == "update")
    assert db.scalars(site_updates).all() == []  # nothing saved until the operator saves
    db.commit()

    at.text_input(key=f"{key}_power_customer_name").input("株式会社訂正商事")
    button(at, "地点を保存").click().run()
    assert not at.exception and not at.error
    saved = client.get(f"/api/crm/sites/{site['id']}", headers=world.operator).json()
    assert saved["power_customer_name"] == "株式会社訂正商事"
    assert saved["power_customer_location_number"] == BILL.truth["power_customer_location_number"]
    entry = db.scalars(site_updates).one()
    review = entry.changes["ocr_review"]["after"]
    assert review["corrected"] == ["power_customer_name"]
    assert "power_customer_location_number" in review["accepted"]
    db.commit()


def test_with_the_engine_off_the_page_says_ocr_is_unavailable(db, world, client, open_app):  # noqa: F811
    created = made(submit(client, world.sales_a, files=[("images", ("明細.jpg", bill_photo(), "image/jpeg"))]))
    site = site_of(client, world, created["request"]["id"])
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(created["request"]["id"]))
    assert any(text.startswith("OCRは利用できません") for text in texts(at.info))
    key = f"crm_case_site_{site['id']}_0"
    location = at.text_input(key=f"{key}_power_customer_location_number")
    assert (location.label, location.value) == ("供給地点特定番号", "")


def test_a_reading_that_finishes_after_the_form_was_drawn_fills_it_on_the_next_rerun(db, world, client, open_app):  # noqa: F811
    created = made(submit(client, world.sales_a))
    image_id, request_id = created["images"][0]["id"], created["request"]["id"]
    db.get(Image, image_id).ocr_result = {"status": "pending"}  # queued, as an upload leaves it when OCR runs
    db.commit()
    site = site_of(client, world, request_id)
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    location = f"crm_case_site_{site['id']}_{{}}_power_customer_location_number"
    assert at.text_input(key=location.format(0)).value == ""
    assert any(text.startswith("この画像はOCRで読み取り中です") for text in texts(at.info))

    proposal = {"value": BILL.truth["power_customer_location_number"], "confidence": 0.9, "box": [1, 2, 3, 4]}
    done = {"status": "done", "engine": "tesseract", "version": "5.3.0", "fields": {LOCATION: proposal | {"chars": []}}}
    db.get(Image, image_id).ocr_result = done  # the worker has read it meanwhile
    db.commit()
    button(at, "読み取り結果を確認").click().run()

    filled = at.text_input(key=location.format(1))  # the form's next round: drawn with the proposals
    assert (filled.label, filled.value) == ("供給地点特定番号（OCR 90%）", proposal["value"])
