"""The status form of a device (prefilled with its current answers), its QR code and the printable label sheets."""

import io
import re

import pytest
import qrcode
from PIL import Image

from tests.service.loaners.conftest import IN_HOUSE, LENT, answer, headers, make_device

pytestmark = pytest.mark.dialect


def qr_matrix_of(png: bytes, box: int = 8) -> list[list[bool]]:
    """Read the dark modules back from the PNG (the image is drawn with box_size 8, border 2)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    modules = image.width // box
    return [
        [image.getpixel((c * box + box // 2, r * box + box // 2)) < 128 for c in range(modules)] for r in range(modules)
    ]


def expected_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def test_the_form_of_a_device_comes_with_its_current_answers_and_what_they_show(client, db):
    device = make_device(db)
    answer(db, device, LENT | {"預かり機のステータス": "1.返却可能"})
    staff = headers(db, "staff1")
    db.commit()
    body = client.get(f"/api/loaners/devices/{device.id}/form", headers=staff).json()
    assert body["device"]["management_number"] == device.management_number
    assert body["device"]["form_url"] == f"http://127.0.0.1:8501/loaners_status_form?device={device.id}"
    assert (body["form"]["kind"], body["form"]["title"], body["form"]["status_key"]) == (
        "terminal",
        "端末ステータス",
        "0-4.ステータス",
    )
    assert body["form"]["nested_keys"] == {"3": "3-0.社内ステータス"}
    held = next(q for q in body["form"]["questions"] if q["key"] == "預かり機のステータス")
    assert (
        held["condition"] == {"0-4.ステータス": "1.貸出中", "1-4.ユーザー機の預り有無": "有り"}
        and held["status_prefix"] == "1"
    )
    assert body["prefill"] == LENT | {"預かり機のステータス": "1.返却可能", "1-2.貸出日": "2024/07/01"}
    assert "1-1.貸出先" in body["visible_keys"] and "3-0.社内ステータス" not in body["visible_keys"]
    printer = make_device(db, model_id="MODEL_003", serial="P1")
    db.commit()
    blank = client.get(f"/api/loaners/devices/{printer.id}/form", headers=staff).json()
    assert (blank["current"], blank["prefill"], blank["form"]["kind"]) == (None, {}, "printer")
    assert any(q["key"] == "2-3.印刷カウンター" for q in blank["form"]["questions"])


def test_a_free_text_note_is_never_carried_into_the_next_form(client, db):
    """0-5.備考 (a 段落 question) belongs to the submission that said it: the next form starts without it, each time."""
    device = make_device(db)
    answer(db, device, LENT | {"0-5.備考": "画面に傷あり"})
    staff = headers(db, "staff1")
    db.commit()
    form_url = f"/api/loaners/devices/{device.id}/form"
    body = client.get(form_url, headers=staff).json()
    assert body["current"]["answers"]["0-5.備考"] == "画面に傷あり"  # the record keeps it
    assert "0-5.備考" not in body["prefill"] and body["prefill"]["1-1.貸出先"] == "○○商事株式会社"
    sent = client.post(
        f"/api/loaners/devices/{device.id}/submissions",
        json={"answers": body["prefill"] | {"0-5.備考": "充電器なし"}},
        headers=staff,
    )
    assert sent.status_code == 201
    again = client.get(form_url, headers=staff).json()
    assert again["current"]["answers"]["0-5.備考"] == "充電器なし"
    assert "0-5.備考" not in again["prefill"] and again["prefill"]["0-4.ステータス"] == "1.貸出中"


def test_the_qr_code_encodes_the_status_form_url_of_the_device(client, db):
    device = make_device(db)
    answer(db, device, IN_HOUSE)
    staff = headers(db, "staff1")
    db.commit()
    response = client.get(f"/api/loaners/devices/{device.id}/qr.png", headers=staff)
    assert (response.status_code, response.headers["content-type"]) == (200, "image/png")
    url = f"http://127.0.0.1:8501/loaners_status_form?device={device.id}"
    assert qr_matrix_of(response.content) == expected_matrix(url)
    assert qr_matrix_of(response.content) != expected_matrix(url.replace(str(device.id), str(device.id + 1)))


def test_label_sheets_hold_24_labels_a_page_for_the_locations_devices(client, db):
    for index in range(25):
        make_device(db, "kobe", serial=f"K{index:02d}")
    make_device(db, "kobe", model_id="MODEL_003", serial="P1")
    staff = headers(db, "staff1")
    db.commit()
    sheet = client.get("/api/loaners/locations/kobe/labels.pdf", headers=staff)
    assert (sheet.status_code, sheet.headers["content-type"]) == (200, "application/pdf")
    assert sheet.content.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", sheet.content)) == 2
    assert len(re.findall(rb"/Subtype /Image", sheet.content)) == 26
    printers = client.get("/api/loaners/locations/kobe/labels.pdf", params={"kind": "printer"}, headers=staff)
    assert len(re.findall(rb"/Subtype /Image", printers.content)) == 1
    empty = client.get("/api/loaners/locations/himeji/labels.pdf", headers=staff)
    assert (empty.status_code, empty.json()["error"]["code"]) == (404, "no_devices")
