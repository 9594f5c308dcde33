"""拠点管理番号 (§4) and 機種ID: generated per prefix, checked section by section, unique, safe under concurrency."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from service.database import session_scope
from service.errors import ValidationFailed
from service.loaners import labels, numbering
from service.loaners.models import Device
from tests.service.loaners.conftest import headers, make_device


@pytest.mark.dialect
def test_numbers_count_per_prefix_and_follow_the_sections(db):
    first = make_device(db, "osaka", "MODEL_001", "ABC123")
    second = make_device(db, "osaka", "MODEL_001", "ABC123")
    other_serial = make_device(db, "osaka", "MODEL_001", "XYZ-789")
    tablet = make_device(db, "kobe", "MODEL_004", "GHI33333")
    assert [d.management_number for d in (first, second, other_serial, tablet)] == [
        "OSAKA_Laptop_ThinkPad-X1-Carbon_ABC123_001",
        "OSAKA_Laptop_ThinkPad-X1-Carbon_ABC123_002",
        "OSAKA_Laptop_ThinkPad-X1-Carbon_XYZ-789_001",
        "KOBE_Tablet_iPad-Pro-129_GHI33333_001",  # "." is a symbol §4 3.2.3 removes
    ]
    assert (first.kind, tablet.kind) == ("terminal", "terminal")


def test_model_section_keeps_hyphens_and_drops_symbols_japanese_and_underscores():
    assert numbering.model_section("imageClass-MF644Cdw") == "imageClass-MF644Cdw"
    assert numbering.model_section("iPad-Pro-12.9/第6世代") == "iPad-Pro-1296"
    assert numbering.model_section("ルーター") == ""


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        ("OSAKA_SV_Model_" + "A" * 20 + "_001" + "X" * 70, "number_too_long"),
        ("OSAKA_SV_Think.Pad_ABC_001", "number_format"),
        ("OSAKA_SV_ThinkPad_001", "number_format"),
        ("OSAKA_SV__ABC_001", "number_format"),
        ("Osaka_SV_ThinkPad_ABC_001", "number_location_section"),
        ("OSAKA_Server_ThinkPad_ABC_001", "number_category_section"),
        ("OSAKA_SV_ThinkPad_" + "A" * 21 + "_001", "number_serial_section"),
        ("OSAKA_SV_ThinkPad_ABC_01", "number_sequence_section"),
        ("OSAKA_SV_ThinkPad_ABC_000", "number_sequence_section"),
    ],
)
def test_parse_names_the_broken_rule(number, rule):
    with pytest.raises(ValidationFailed) as caught:
        numbering.parse(number)
    assert caught.value.details["rule"] == rule


def test_parse_reads_the_five_sections():
    parsed = numbering.parse("HIMEJI_Router_WXR-6000AX12S_JKL44444_012")
    assert (parsed.location_code, parsed.category, parsed.model_section, parsed.serial_number, parsed.sequence) == (
        "HIMEJI",
        "Router",
        "WXR-6000AX12S",
        "JKL44444",
        12,
    )


@pytest.mark.dialect
def test_a_given_number_is_checked_kept_and_counted_after(client, db):
    staff = headers(db, "staff1")
    db.commit()
    body = {"location_id": "osaka", "model_id": "MODEL_001", "serial_number": "ABC123", "asset_number": "A-1"}
    given = client.post(
        "/api/loaners/devices",
        json=body | {"management_number": "OSAKA_Laptop_ThinkPad-X1-Carbon_ABC123_007"},
        headers=staff,
    )
    assert given.status_code == 201
    again = client.post("/api/loaners/devices", json=body | {"confirm": True}, headers=staff)
    assert again.json()["management_number"].endswith("_008")
    for number, rule in (
        ("OSAKA_Laptop_ThinkPad-X1-Carbon_ABC123_007", "number_unique"),
        ("KOBE_Laptop_ThinkPad-X1-Carbon_ABC123_001", "number_mismatch"),
    ):
        response = client.post("/api/loaners/devices", json=body | {"management_number": number}, headers=staff)
        assert (response.status_code, response.json()["error"]["details"]["rule"]) == (422, rule), number
    # the column's rule (its characters and five sections), as the form checks it from the vocabulary
    mistyped = client.post(
        "/api/loaners/devices", json=body | {"management_number": "OSAKA_Laptop_ThinkPad X1_ABC123_001"}, headers=staff
    )
    detail = mistyped.json()["error"]["details"][0]
    assert (mistyped.status_code, detail["loc"][-1], detail["rule"]) == (
        422,
        "management_number",
        "string_pattern_mismatch",
    )
    assert labels.NUMBER_FORMAT in detail["message"]
    assert db.scalar(select(func.count()).select_from(Device)) == 2


def test_unknown_model_or_location_and_a_bad_serial_are_422_and_store_nothing(client, db):
    staff = headers(db, "staff1")
    db.commit()
    body = {"location_id": "osaka", "model_id": "MODEL_001", "serial_number": "ABC123", "asset_number": "A-1"}
    for change, rule in (
        ({"model_id": "MODEL_999"}, "unknown_model"),
        ({"location_id": "nagoya"}, "unknown_location"),
    ):
        response = client.post("/api/loaners/devices", json=body | change, headers=staff)
        assert (response.status_code, response.json()["error"]["details"]["rule"]) == (422, rule)
    bad_serial = client.post("/api/loaners/devices", json=body | {"serial_number": "ABC 123"}, headers=staff)
    assert bad_serial.status_code == 422 and bad_serial.json()["error"]["details"][0]["loc"][-1] == "serial_number"
    assert db.scalar(select(func.count()).select_from(Device)) == 0


@pytest.mark.dialect
def test_model_ids_are_generated_after_the_initial_models(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    created = client.post(
        "/api/loaners/models", json={"name": "OptiPlex-3000", "maker": "Dell", "category": "Desktop"}, headers=admin
    )
    assert (created.status_code, created.json()["id"]) == (201, "MODEL_007")


@pytest.mark.dialect
def test_concurrent_registrations_of_one_prefix_get_distinct_numbers():
    def register(_: int) -> str:
        with session_scope() as db:
            return make_device(db, "himeji", "MODEL_005", "JKL44444").management_number

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(register, range(12)))
    assert sorted(numbers) == [f"HIMEJI_Router_WXR-6000AX12S_JKL44444_{n:03d}" for n in range(1, 13)]
