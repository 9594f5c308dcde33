"""§2.1/§2.2.5 closer to the documents: who round 2 calls again, and an operator's change request changing the amount
with the payment link following it (the old link unpayable, a new one for the new amount, SMS, audit)."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import session_scope
from service.reservations.models import Payment, Reservation
from tests.service.reservations.conftest import (
    answer_calls,
    book,
    call_again_at_once,
    deliver_due,
    headers_for,
    messages,
    pay,
    payment_of,
    state,
)
from tests.service.reservations.test_workflow import calls

pytestmark = pytest.mark.dialect


def test_round_two_calls_again_only_the_shops_round_one_did_not_reach(client, monkeypatch, catalog):
    """A shop that declined the date in round 1 is not asked the same date again; one that did not answer is."""
    call_again_at_once(monkeypatch)
    code = book(catalog["service_id"])
    for outcome in ("decline", "no_answer", "no_answer"):  # 提携店1, 2, 3 in round 1, one call at a time
        answer_calls(monkeypatch, outcome)
        deliver_due(channel="voice", rounds=1)
    answer_calls(monkeypatch, "decline")
    deliver_due()
    assert calls(code) == [
        ("提携店1", 1, "decline"),
        ("提携店2", 1, "no_answer"),
        ("提携店3", 1, "no_answer"),
        ("提携店2", 2, "decline"),
        ("提携店3", 2, "decline"),
    ]
    assert state(code) == "all_declined"


def payments_of(code: str) -> list[tuple[int, str]]:
    with session_scope() as db:
        rid = db.scalar(select(Reservation.id).where(Reservation.code == code))
        return [(p.amount, p.status) for p in db.scalars(select(Payment).where(Payment.reservation_id == rid))]


def audited(action: str, code: str) -> list[dict]:
    with session_scope() as db:
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target_id == code).order_by(AuditEntry.seq)
        )
        return [e.changes for e in entries]


def repriced_sms(code: str) -> list[str]:
    return [m.body for m in messages("sms", code) if "金額を" in m.body]


def test_a_size_change_request_changes_the_amount_before_the_link_goes_out(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "change_request")
    code = book(catalog["service_id"])
    deliver_due()
    assert state(code) == "change_requested"
    changed = client.patch(
        f"/api/reservations/reservations/{code}",
        json={"amount": 12000, "details": "4LDK に変更"},
        headers=operator,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["amount"] == 12000 and changed.json()["payments"] == []
    assert repriced_sms(code) == [f"【QRV】ご予約の金額を8,000円から12,000円に変更しました（予約ID: {code}）。"]
    [change] = audited("update_reservation", code)
    assert change["amount"] == {"before": 8000, "after": 12000}
    client.post(f"/api/reservations/reservations/{code}/accept", json={}, headers=operator)
    deliver_due()
    assert state(code) == "awaiting_payment" and payments_of(code) == [(12000, "open")]


def test_a_new_amount_replaces_the_open_link_and_only_the_new_one_can_be_paid(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"])
    deliver_due()
    old = payment_of(code)
    assert state(code) == "awaiting_payment" and old.amount == 8000
    changed = client.patch(f"/api/reservations/reservations/{code}", json={"amount": 9500}, headers=operator)
    assert changed.status_code == 200, changed.text
    deliver_due()
    assert state(code) == "awaiting_payment"  # the replaced link expiring does not time the reservation out
    assert payments_of(code) == [(8000, "expired"), (9500, "open")]
    new = payment_of(code)
    refused = client.post(urlsplit(old.checkout_url).path)
    assert refused.status_code == 410
    [told] = repriced_sms(code)
    assert "8,000円から9,500円" in told and "以前の決済リンクではお支払いできません" in told
    assert [m for m in messages("sms", code) if new.checkout_url in m.body]
    [reissued] = audited("reissue_payment_link", code)
    assert reissued == {
        "payment_id": {"before": old.id, "after": new.id},
        "amount": {"before": 8000, "after": 9500},
    }
    assert client.post(urlsplit(new.checkout_url).path).status_code == 200
    assert state(code) == "confirmed"
    paid = client.patch(f"/api/reservations/reservations/{code}", json={"amount": 9000}, headers=operator)
    assert paid.status_code == 409 and paid.json()["error"]["code"] == "amount_not_changeable"
    zero = client.patch(f"/api/reservations/reservations/{code}", json={"amount": 0}, headers=operator)
    assert zero.status_code == 422


def test_a_payment_on_the_replaced_link_is_refunded_and_the_new_link_stays(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"])
    deliver_due()
    old = payment_of(code)
    client.patch(f"/api/reservations/reservations/{code}", json={"amount": 6000}, headers=operator)
    pay(client, old.checkout_session_id, intent="pi_old")  # Stripe completed it before the expiry reached it
    deliver_due()
    assert state(code) == "awaiting_payment"
    assert payments_of(code) == [(8000, "refunded"), (6000, "open")]
    [refund] = [m.body for m in messages("sms", code) if "返金" in m.body]
    assert "金額変更前の決済リンクでお支払いいただいた8,000円は返金します" in refund
