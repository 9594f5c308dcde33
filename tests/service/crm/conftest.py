"""A CRM world: two agencies with sales staff, an operator and an admin; helpers to file requests through the API."""

import io
import json
import os
import shutil
from dataclasses import dataclass

import pytest
from PIL import Image
from pypdf import PdfWriter

from service.config import get_settings
from service.crm.masters import ensure_masters
from service.crm.models import Agency, Profile
from service.crm.validation import check_digit
from service.database import session_scope
from tests.factories import auth_headers, make_user


@dataclass
class World:
    agency_a: int
    agency_b: int
    sales_a: dict
    sales_a2: dict
    sales_b: dict
    operator: dict
    admin: dict
    ids: dict[str, int]


def picture(kind: str = "PNG", size: tuple[int, int] = (60, 40), colour: str = "#336699") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def blank_pdf() -> bytes:
    """A one-page PDF written by pypdf (the upload check reads every PDF with it)."""
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(out)
    return out.getvalue()


PDF = blank_pdf()


FIRST_NUMBER = "7000012050002"
_issued: dict[str, int] = {}  # test -> the 法人番号 it was given so far


def next_corporation_number() -> str:
    """The running test's next 法人番号: 7000012050002 first, then others that pass the check digit (the count is kept
    per test, so a test's numbers do not depend on the tests that ran before it)."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    n = _issued[test] = _issued.get(test, -1) + 1
    if n == 0:
        return FIRST_NUMBER
    base = f"{n:012d}"
    return f"{check_digit(base)}{base}"


def corporation(**overrides) -> dict:
    """A new corporation's fields; each one of a test has its own 法人番号 (one company is one corporation), the
    test's first 7000012050002."""
    base = {
        "customer_type": "2",
        "corporation_number": next_corporation_number(),
        "last_name": "株式会社テスト商事",
        "last_name_kana": "カブシキガイシャテストショウジ",
        "representative_last_name": "山田",
        "representative_first_name": "太郎",
        "representative_last_name_kana": "ヤマダ",
        "representative_first_name_kana": "タロウ",
        "zip_code": "150-0001",
        "prefecture": "東京都",
        "city": "渋谷区",
        "town": "神宮前",
        "street": "1-2-3",
        "building_name": "テストビル5F",
        "phone1": "03-1234-5678",
        "mail_address": "info@example.jp",
        "job_type": "1",
        "payment_type": "1",
        "credit_card_number": "4111111111111111",
        "credit_card_expire_month": "12",
        "credit_card_expire_year": "2030",
        "credit_card_name": "TARO YAMADA",
        "credit_card_security_code": "123",
        "sales_channel_id": "1",
    }
    return base | overrides


def submit(client, headers, *, files=None, **payload):
    """POST /api/crm/requests as the pages do: the JSON payload beside the image files."""
    if "corporation_id" not in payload:
        payload.setdefault("corporation", corporation())
    files = files if files is not None else [("images", ("bill.png", picture(), "image/png"))]
    return client.post("/api/crm/requests", data={"payload": json.dumps(payload)}, files=files or None, headers=headers)


def made(response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(autouse=True)
def masters_and_storage():
    """Masters back after the harness emptied the tables; an empty image folder."""
    root = get_settings().crm_storage_root
    shutil.rmtree(root, ignore_errors=True)
    with session_scope() as db:
        ensure_masters(db)
    yield root


@pytest.fixture
def storage_root(masters_and_storage):
    return masters_and_storage


@pytest.fixture
def world(db) -> World:
    a = Agency(name="株式会社AAA代理店", code="AAA", referral_shop_code="RS-A", referral_shop_name="AAA紹介店")
    b = Agency(name="株式会社BBB代理店", code="BBB", referral_shop_code="RS-B", referral_shop_name="BBB紹介店")
    db.add_all([a, b])
    db.flush()
    users = {
        "sales_a": make_user(db, "sales-a", name="営業A", grants={"crm": ("sales", str(a.id))}),
        "sales_a2": make_user(db, "sales-a2", name="営業A2", grants={"crm": ("sales", str(a.id))}),
        "sales_b": make_user(db, "sales-b", name="営業B", grants={"crm": ("sales", str(b.id))}),
        "operator": make_user(db, "op", name="投入担当", grants={"crm": "operator"}),
        "admin": make_user(db, "crm-admin", name="管理者", grants={"crm": "admin"}),
    }
    db.add(Profile(user_id=users["sales_a"].id, agency_id=a.id, sales_staff_code="LCK0A0AY", l_code="L0001"))
    db.add(Profile(user_id=users["sales_b"].id, agency_id=b.id, sales_staff_code="LCK0B0BY", l_code="L0002"))
    db.commit()
    return World(
        agency_a=a.id,
        agency_b=b.id,
        **{k: auth_headers(u) for k, u in users.items()},
        ids={k: u.id for k, u in users.items()},
    )


COMPLETE_SITE = {
    "power_branch_name": "渋谷店",
    "pps_business_number": "electric",
    "application_type": "1",
    "power_plan_name": "低圧電力プランA",
    "contract_capacity": "30kVA",
    "power_supplier_type": "03",
    "power_customer_number": "12-3456-7890",
    "power_customer_location_number": "0300111234567890123456",
    "power_zip_code": "1500002",
    "power_prefecture": "東京都",
    "power_city": "渋谷区",
    "power_street": "2-21-1",
    "power_customer_name": "株式会社テスト商事",
    "power_customer_name_kana": "カブシキガイシャテストショウジ",
    "latest_charges": 12000,
    "latest_power_usage": 800,
    "latest_date": "2026-01",
}


def add_site(client, world, request_id: int, **fields) -> dict:
    """A site with every field the carrier needs (so it can be marked 投入済), overridden by fields."""
    body = COMPLETE_SITE | fields
    return made(client.post(f"/api/crm/requests/{request_id}/sites", json=body, headers=world.operator))


def set_status(client, world, site: dict, status: str, reason: str = "", headers=None) -> dict:
    response = client.post(
        f"/api/crm/sites/{site['id']}/status",
        json={"status": status, "version": site["version"], "reason": reason},
        headers=headers or world.operator,
    )
    return made(response)
