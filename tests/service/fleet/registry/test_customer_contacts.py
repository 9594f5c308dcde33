"""A customer's 担当者, 連絡先メール and 電話番号 (§2.1) are required: a create or change leaving one blank is a 422
naming it; a customer stored before they were required keeps its blanks until someone fills them in."""

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.fleet.models import Customer
from tests.service.fleet.conftest import CONTACTS, make_customer, user_headers

FIELDS = {"contact_person": "担当者", "contact_email": "連絡先メール", "contact_phone": "電話番号"}


@pytest.fixture
def admin(db):
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    return headers


def refusal(answer) -> list[tuple[list[str], str, str]]:
    assert answer.status_code == 422, answer.text
    return [(d["loc"], d["rule"], d["message"]) for d in answer.json()["error"]["details"]]


def test_a_customer_without_a_contact_person_is_refused_naming_it(client, db, admin):
    body = {"company_name": "田中ストア", **CONTACTS}
    body.pop("contact_person")

    answer = client.post("/api/fleet/customers", json=body, headers=admin)

    assert refusal(answer) == [(["body", "contact_person"], "missing", "担当者: 必須項目です")]
    assert db.scalar(select(func.count()).select_from(Customer)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 0


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("blank", ["", "  ", "\u3000"])
def test_a_blank_contact_is_refused_on_create_and_on_change(client, db, admin, field, blank):
    answer = client.post(
        "/api/fleet/customers", json={"company_name": "田中ストア", **CONTACTS, field: blank}, headers=admin
    )
    assert refusal(answer) == [(["body", field], "required", f"{FIELDS[field]}: {FIELDS[field]}を入力してください")]

    customer = make_customer(db, "ABC商事", contact_phone="03-1111-2222")
    db.commit()
    answer = client.patch(f"/api/fleet/customers/{customer.id}", json={field: blank}, headers=admin)
    assert refusal(answer) == [(["body", field], "required", f"{FIELDS[field]}: {FIELDS[field]}を入力してください")]
    db.refresh(customer)
    assert getattr(customer, field) != ""


def test_a_phone_number_needs_a_digit(client, admin):
    answer = client.post(
        "/api/fleet/customers", json={"company_name": "田中ストア", **CONTACTS, "contact_phone": "--"}, headers=admin
    )
    [(loc, rule, _)] = refusal(answer)
    assert (loc, rule) == (["body", "contact_phone"], "string_pattern_mismatch")


def test_a_customer_stored_without_contacts_shows_them_blank_and_takes_other_changes(client, db, admin):
    old = make_customer(db, "旧データ商事", contact_person="", contact_email="", contact_phone="")
    db.commit()

    read = client.get(f"/api/fleet/customers/{old.id}", headers=admin).json()
    assert (read["contact_person"], read["contact_email"], read["contact_phone"]) == ("", "", "")
    changed = client.patch(f"/api/fleet/customers/{old.id}", json={"contract_type": "premium"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["contact_person"] == ""

    filled = client.patch(f"/api/fleet/customers/{old.id}", json=CONTACTS, headers=admin)
    assert filled.status_code == 200
    assert {key: filled.json()[key] for key in CONTACTS} == CONTACTS
    changes = db.scalars(select(AuditEntry.changes).where(AuditEntry.action == "update").order_by(AuditEntry.seq)).all()
    assert changes[-1]["contact_person"] == {"before": "", "after": "田中"}
