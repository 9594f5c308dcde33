"""Card data (§2.4 + docs/operations.md's "encrypted card data"): encrypted at rest, masked when read, revealed only by
the back office (audited), never in logs, audit diffs or exports, and the key is required in production."""

import logging

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import select, text

from service.audit.models import AuditEntry
from service.config import Settings
from service.crm import crypto
from service.crm.models import Corporation
from tests.factories import PUBLIC_ADDRESSES
from tests.service.crm.conftest import add_site, corporation, made, set_status, submit

NUMBER, CODE = "4111111111111111", "123"


@pytest.mark.dialect
def test_card_data_is_encrypted_at_rest_and_read_back_masked(client, db, world):
    detail = made(submit(client, world.sales_a))
    corporation_id = detail["corporation"]["id"]
    raw = db.execute(text("SELECT * FROM crm_corporation WHERE id = :id"), {"id": corporation_id}).mappings().one()
    assert not any(NUMBER in str(value) for value in raw.values())
    assert raw["card_last4"] == "1111"
    assert crypto.decrypt(raw["card_number_encrypted"]) == NUMBER
    db.commit()
    read = made(client.get(f"/api/crm/corporations/{corporation_id}", headers=world.operator))
    assert read["credit_card_number_masked"] == "**** **** **** 1111" and read["has_security_code"] is True
    assert NUMBER not in str(read) and "credit_card_security_code" not in read


@pytest.mark.dialect
def test_revealing_is_a_back_office_action_that_is_itself_audited(client, db, world):
    corporation_id = made(submit(client, world.sales_a))["corporation"]["id"]
    assert client.post(f"/api/crm/corporations/{corporation_id}/card/reveal", headers=world.sales_a).status_code == 403
    revealed = made(client.post(f"/api/crm/corporations/{corporation_id}/card/reveal", headers=world.operator))
    assert revealed == {"credit_card_number": NUMBER, "credit_card_security_code": CODE}
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "reveal_card")).one()
    assert (entry.actor_label, entry.target_id) == ("投入担当", str(corporation_id))
    assert NUMBER not in str(entry.changes) and entry.changes["last4"] == "1111"


@pytest.mark.dialect
def test_card_data_never_reaches_audit_entries_logs_or_exports(client, db, world, caplog):
    caplog.set_level(logging.DEBUG)
    detail = made(submit(client, world.sales_a))
    corporation = detail["corporation"]
    made(
        client.patch(
            f"/api/crm/corporations/{corporation['id']}",
            json={
                "credit_card_number": "5555555555554444",
                "credit_card_security_code": "987",
                "version": corporation["version"],
            },
            headers=world.sales_a,
        )
    )
    site = add_site(client, world, detail["request"]["id"])
    carrier = client.get(f"/api/crm/sites/{site['id']}/carrier.csv", headers=world.operator).content.decode("utf-8-sig")
    set_status(client, world, site, "submitted")
    acquired = client.get("/api/crm/acquired.csv", headers=world.operator).content.decode("utf-8-sig")
    secrets = (NUMBER, "5555555555554444", "987")
    audit_text = " ".join(str(e.changes) for e in db.scalars(select(AuditEntry)))
    for secret in secrets:
        assert (
            secret not in audit_text and secret not in carrier and secret not in acquired and secret not in caplog.text
        )
    assert "**** **** **** 4444" in carrier and "credit_card_security_code" not in carrier
    changed = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.target_type == "corporation")
    ).one()
    assert changed.changes["credit_card_number"] == {"before": "[REDACTED]", "after": "[REDACTED]"}


@pytest.mark.dialect
def test_switching_away_from_card_payment_drops_the_card_data(client, db, world):
    corporation = made(submit(client, world.sales_a))["corporation"]
    made(
        client.patch(
            f"/api/crm/corporations/{corporation['id']}",
            json={"payment_type": "2", "version": corporation["version"]},
            headers=world.sales_a,
        )
    )
    stored = db.get(Corporation, corporation["id"])
    assert (stored.card_number_encrypted, stored.card_security_code_encrypted, stored.card_last4) == (None, None, "")


def test_production_refuses_to_start_without_a_real_card_key():
    production = {
        "env": "production",
        "secret_key": "x" * 40,
        "database_url": "postgresql://db/daicho",
        "audit_key": "a" * 40,
        **PUBLIC_ADDRESSES,
    }
    with pytest.raises(ValidationError, match="APP_CRM_CARD_KEY must be set in production"):
        Settings(**production)
    with pytest.raises(ValidationError, match="Fernet keys"):
        Settings(**production, crm_card_key="not-a-key")
    assert Settings(**production, crm_card_key=Fernet.generate_key().decode()).crm_card_key


def test_a_rotated_key_still_reads_data_written_with_the_old_one(monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setattr(crypto.get_settings(), "crm_card_key", old)
    crypto._cipher.cache_clear()
    token = crypto.encrypt(NUMBER)
    monkeypatch.setattr(crypto.get_settings(), "crm_card_key", f"{new},{old}")
    crypto._cipher.cache_clear()
    try:
        assert crypto.decrypt(token) == NUMBER
        assert Fernet(new.encode()).decrypt(crypto.encrypt(CODE).encode()) == CODE.encode()
    finally:
        monkeypatch.undo()
        crypto._cipher.cache_clear()


@pytest.mark.dialect
def test_a_later_add_site_request_asks_for_the_security_code_again(client, db, world):
    first = made(submit(client, world.sales_a))
    corporation_id = first["corporation"]["id"]
    assert first["security_code_needed"] is False
    set_status(client, world, add_site(client, world, first["request"]["id"]), "submitted")  # purges the code
    assert db.get(Corporation, corporation_id).card_security_code_encrypted is None
    db.commit()

    missing = submit(client, world.sales_a, corporation_id=corporation_id)
    assert missing.status_code == 422
    error = missing.json()["error"]
    assert error["details"] == {"field": "credit_card_security_code", "rule": "security_code_required"}
    assert "もう一度入力してください" in error["message"]
    bad = submit(client, world.sales_a, corporation_id=corporation_id, credit_card_security_code="12")
    assert bad.status_code == 422 and bad.json()["error"]["details"]["rule"] == "security_code_format"

    second = made(submit(client, world.sales_a, corporation_id=corporation_id, credit_card_security_code="4321"))
    assert second["security_code_needed"] is False and second["corporation"]["has_security_code"] is True
    revealed = made(client.post(f"/api/crm/corporations/{corporation_id}/card/reveal", headers=world.operator))
    assert revealed["credit_card_security_code"] == "4321"
    supplied = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "supply_security_code", AuditEntry.target_id == str(corporation_id)
        )
    ).one()
    assert supplied.changes == {"credit_card_security_code": {"before": None, "after": "[REDACTED]"}}
    assert "4321" not in str(supplied.changes)


@pytest.mark.dialect
def test_the_back_office_sees_that_the_security_code_is_needed(client, db, world):
    first = made(submit(client, world.sales_a))
    second = made(submit(client, world.sales_a, corporation_id=first["corporation"]["id"]))  # code still held
    set_status(client, world, add_site(client, world, first["request"]["id"]), "submitted")
    shown = made(client.get(f"/api/crm/requests/{second['request']['id']}", headers=world.operator))
    assert shown["security_code_needed"] is True and shown["corporation"]["has_security_code"] is False
    done = made(client.get(f"/api/crm/requests/{first['request']['id']}", headers=world.operator))
    assert done["security_code_needed"] is False


@pytest.mark.dialect
def test_the_security_code_goes_with_an_existing_card_corporation_only(client, world):
    new = submit(client, world.sales_a, credit_card_security_code="123")
    assert new.status_code == 422 and new.json()["error"]["details"]["rule"] == "only_with_corporation_id"
    bank = made(submit(client, world.sales_a, corporation=corporation(payment_type="2")))
    refused = submit(client, world.sales_a, corporation_id=bank["corporation"]["id"], credit_card_security_code="123")
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "credit_card_only"
    assert (
        made(submit(client, world.sales_a, corporation_id=bank["corporation"]["id"]))["security_code_needed"] is False
    )
