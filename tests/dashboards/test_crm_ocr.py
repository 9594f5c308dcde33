"""地点入力 with OCR on 案件詳細: a generated bill photo uploaded by the sales side is read by a real worker on the bulk
queue (the module's one Tesseract run); the operator finds its proposals in the site's empty fields marked 「OCR」,
sees where one was read, corrects one field and saves: the audit entry names the corrected field and the accepted
ones. A reading that finishes after the form was drawn fills it on the next rerun; what the operator typed is kept
through every rerun, one that draws the form anew with other proposals too. What OCR withheld is listed with its
reason; a field typed where OCR proposed nothing is recorded as typed. With the engine off the page says OCR is
unavailable and the form is as before."""

import re

import pytest
from sqlalchemy import select

from bench import ocr_bills
from service.audit.models import AuditEntry
from service.config import get_settings
from service.crm import storage
from service.crm.models import Image
from service.task_queues import BULK
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import made, picture, submit
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401 - the fixture

CASE = "app_pages/crm/case.py"
READ_TIMEOUT = 240  # a deadline against a hang only
LOCATION, NAME = "power_customer_location_number", "power_customer_name"
BILL = ocr_bills.bills(3)[2]  # 東京電力EP's: boxes, the label above the value, under its red header band


def bill_photo() -> bytes:
    """The bill photographed: turned a little, saved as a JPEG."""
    data, _ = ocr_bills.photographed(ocr_bills.looking(BILL, "turned"), ocr_bills.draw(BILL))
    return data


@pytest.fixture
def engine(monkeypatch):
    monkeypatch.setenv("APP_OCR_ENGINE", "tesseract")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def site_of(client, world, request_id: int) -> dict:
    return made(client.post(f"/api/crm/requests/{request_id}/sites", json={}, headers=world.operator))


@pytest.mark.outside  # Tesseract reads the photo
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

    name = f"crm_case_site_{site['id']}_{{}}_{NAME}"
    at.text_input(key=name.format(0)).input("株式会社先に入力").run()  # the operator starts while it is read
    at.text_area(key=f"crm_case_site_{site['id']}_0_note").input("明細は2枚").run()

    read_as(db, image_id, **{LOCATION: BILL.truth[LOCATION], NAME: "株式会社読取"})  # the worker has read it meanwhile
    button(at, "読み取り結果を確認").click().run()

    filled = at.text_input(key=location.format(1))  # the form's next round: drawn with the proposals
    assert (filled.label, filled.value) == ("供給地点特定番号（OCR 90%）", BILL.truth[LOCATION])
    assert at.text_input(key=name.format(1)).value == "株式会社先に入力"  # what was typed wins over the proposal
    assert at.text_area(key=f"crm_case_site_{site['id']}_1_note").value == "明細は2枚"


def read_as(db, image_id: int, withheld: tuple[dict, ...] = (), issuer: str | None = None, **values: str) -> None:
    """The image as the OCR job leaves it: each field proposed (90 %), what was withheld, the issuer's name as read,
    the page it was read on stored."""
    image = db.get(Image, image_id)
    fields = {name: {"value": v, "confidence": 0.9, "box": [10, 10, 50, 30], "chars": []} for name, v in values.items()}
    image.ocr_result = {
        "status": "done",
        "engine": "tesseract",
        "version": "5.3.0",
        "fields": fields,
        "withheld": list(withheld),
        "issuer": issuer,
    }
    image.ocr_page_path = storage.store_page(db, image, picture("JPEG", (120, 160), "white"))
    db.commit()


def two_read_bills(db, client, world) -> tuple[int, int, dict]:
    """A request with two bills, each read with its own 供給地点特定番号 and name: its id, the second bill's image id
    and its site."""
    bills = [("images", (f"明細{n}.png", picture(), "image/png")) for n in (1, 2)]
    created = made(submit(client, world.sales_a, files=bills))
    first, second = (image["id"] for image in created["images"])
    read_as(db, first, **{LOCATION: "0300111234567890123456", NAME: "株式会社一枚目"})
    read_as(db, second, **{LOCATION: "0300111234567890129999", NAME: "株式会社二枚目"})
    return created["request"]["id"], second, site_of(client, world, created["request"]["id"])


def test_what_the_operator_typed_over_a_proposal_is_kept_through_reruns_and_another_image(
    db,
    world,  # noqa: F811
    client,
    open_app,
):
    request_id, second, site = two_read_bills(db, client, world)
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    key = f"crm_case_site_{site['id']}"
    typed = "0300111234567890120000"

    at.text_input(key=f"{key}_0_{LOCATION}").input(typed).run()  # typed over the proposal (not saved)
    for _ in range(2):  # other widgets rerun the page
        at.selectbox(key=f"{key}_ocr_field").select(NAME).run()
        at.selectbox(key=f"{key}_ocr_field").select(LOCATION).run()
    assert at.text_input(key=f"{key}_0_{LOCATION}").value == typed
    at.selectbox(key=f"{key}_ocr_image").select(second).run()  # the form drawn anew with the other bill's proposals

    assert at.text_input(key=f"{key}_1_{LOCATION}").value == typed
    assert at.text_input(key=f"{key}_1_{NAME}").value == "株式会社二枚目"
    button(at, "地点を保存").click().run()
    assert not at.exception and not at.error
    saved = made(client.get(f"/api/crm/sites/{site['id']}", headers=world.operator))
    assert (saved[LOCATION], saved[NAME]) == (typed, "株式会社二枚目")
    updates = select(AuditEntry).where(AuditEntry.target_type == "site", AuditEntry.action == "update")
    assert db.scalars(updates).one().changes["ocr_review"]["after"] == {"accepted": [NAME], "corrected": [LOCATION]}
    db.commit()
    assert at.text_input(key=f"{key}_2_{LOCATION}").value == typed  # saved: the form starts afresh from the site


def test_what_ocr_withheld_is_listed_with_its_reason_and_a_field_typed_instead_is_recorded_as_typed(
    db,
    world,  # noqa: F811
    client,
    open_app,
):
    created = made(submit(client, world.sales_a))
    request_id, image_id = created["request"]["id"], created["images"][0]["id"]
    rule = "供給地点特定番号の先頭2桁（04）と電力会社（東京電力）のエリアが合いません"
    read_as(
        db, image_id, ({"field": LOCATION, "read": "0400111222333444555666", "rule": rule},), **{NAME: "株式会社読取"}
    )
    site = site_of(client, world, request_id)
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    assert f"- **供給地点特定番号** :gray[0400111222333444555666] — {rule}" in texts(at.markdown)
    key = f"crm_case_site_{site['id']}_0"
    assert at.text_input(key=f"{key}_{LOCATION}").value == ""  # withheld: never filled in

    at.text_input(key=f"{key}_{LOCATION}").input("0300111222333444555666")
    button(at, "地点を保存").click().run()
    assert not at.exception and not at.error
    updates = select(AuditEntry).where(AuditEntry.target_type == "site", AuditEntry.action == "update")
    assert db.scalars(updates).one().changes["ocr_review"]["after"] == {"accepted": [NAME], "typed": [LOCATION]}
    db.commit()


def test_a_bill_ocr_proposed_nothing_on_still_counts_what_was_typed(db, world, client, open_app):  # noqa: F811
    created = made(submit(client, world.sales_a))
    request_id, image_id = created["request"]["id"], created["images"][0]["id"]
    read_as(db, image_id)  # read, nothing found
    site = site_of(client, world, request_id)
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    at.text_input(key=f"crm_case_site_{site['id']}_0_{NAME}").input("株式会社手入力")
    button(at, "地点を保存").click().run()
    assert not at.exception and not at.error
    updates = select(AuditEntry).where(AuditEntry.target_type == "site", AuditEntry.action == "update")
    assert db.scalars(updates).one().changes["ocr_review"]["after"] == {"typed": [NAME]}
    db.commit()
