"""The requester's cancellation link: signed, cancels before the 48-hour deadline (refunding a payment), and after it
sends the requester to support and opens a late-cancellation operation. The deadline follows an operator's date
change; messages carry the link only while free cancellation is open."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import session_scope, utcnow
from service.reservations import labels
from service.reservations.messages import cancel_token, cancel_url, no_free_cancellation, when_text
from service.reservations.models import ManualOperation, Reservation
from tests.service.reservations.conftest import (
    book,
    count,
    deliver_due,
    headers_for,
    messages,
    pay,
    payment_of,
    state,
)


def link(code: str) -> str:
    """The path and query of the cancellation URL the requester got."""
    return urlsplit(cancel_url(code))._replace(scheme="", netloc="").geturl()


@pytest.mark.dialect
def test_the_link_shows_the_reservation_and_a_cancel_button(client, catalog):
    code = book(catalog["service_id"])
    page = client.get(link(code))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert code in page.text and labels.CANCEL_BUTTON in page.text
    assert state(code) == "calling"  # opening the link changes nothing


@pytest.mark.dialect
def test_cancelling_before_the_deadline_refunds_a_payment_and_tells_the_shop(client, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    pay(client, payment_of(code).checkout_session_id, intent="pi_paid")
    assert state(code) == "confirmed"
    answer = client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)})
    assert answer.status_code == 200 and labels.CANCEL_DONE in answer.text
    assert state(code) == "cancelled"
    assert payment_of(code).status == "refund_requested"
    deliver_due()
    assert payment_of(code).status == "refunded"
    [shop_mail] = [m for m in messages("email") if "キャンセル" in m.subject]
    assert shop_mail.recipient == "shop1@example.jp" and "理由: ご依頼者によるキャンセル" in shop_mail.body
    assert any("返金" in m.body for m in messages("sms", code))


@pytest.mark.dialect
def test_cancelling_an_unpaid_link_expires_it(client, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)})
    assert payment_of(code).status == "expiring"
    deliver_due()
    assert payment_of(code).status == "expired" and state(code) == "cancelled"


@pytest.mark.dialect
def test_after_the_deadline_the_requester_is_sent_to_support_and_an_operation_opens(client, catalog):
    code = book(catalog["service_id"], days=1.5)  # inside the 48 hours from the start
    page = client.get(link(code))
    assert labels.CANCEL_DEADLINE_PASSED in page.text and labels.CANCEL_BUTTON not in page.text
    answer = client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)})
    assert answer.status_code == 409 and labels.CANCEL_DEADLINE_PASSED in answer.text
    assert state(code) == "calling"
    with session_scope() as db:
        assert [(o.op_type, o.priority) for o in db.scalars(select(ManualOperation))] == [
            ("late_cancellation", "medium")
        ]
    client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)})
    assert count(ManualOperation) == 1
    assert [m.body for m in messages("slack", code)] == [
        f"予約ID: {code} で手動対応が必要（キャンセル期限超過後のキャンセル依頼）"
    ]


def sms_bodies(code: str) -> list[str]:
    return [m.body for m in messages("sms", code)]


@pytest.mark.dialect
def test_a_booking_less_than_48_hours_ahead_says_at_once_it_cannot_be_cancelled_free(catalog):
    ahead = book(catalog["service_id"], days=5)
    [confirmation] = sms_bodies(ahead)
    with session_scope() as db:
        deadline = db.scalar(select(Reservation.cancel_deadline_at).where(Reservation.code == ahead))
    assert f"無料キャンセルは{when_text(deadline)}まで: {cancel_url(ahead)}" in confirmation
    late = book(catalog["service_id"], days=1.5)
    [confirmation] = sms_bodies(late)
    assert no_free_cancellation() in confirmation and "48時間前" in confirmation
    assert "/cancel/" not in confirmation


@pytest.mark.dialect
def test_an_operator_date_change_moves_the_deadline_and_the_sms_says_so(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], days=5)
    new_date = utcnow().replace(microsecond=0) + timedelta(days=8)
    changed = client.patch(
        f"/api/reservations/reservations/{code}", json={"desired_at": new_date.isoformat()}, headers=operator
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["cancel_deadline_at"].startswith((new_date - timedelta(hours=48)).isoformat()[:19])
    notice = sms_bodies(code)[-1]
    deadline = when_text(new_date - timedelta(hours=48))
    assert f"ご予約日時を{when_text(new_date)}に変更しました" in notice and f"無料キャンセルは{deadline}まで" in notice
    with session_scope() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "update_reservation")).all()
        assert {"desired_at", "cancel_deadline_at"} <= set(entry.changes)

    soon = utcnow() + timedelta(days=1)
    client.patch(f"/api/reservations/reservations/{code}", json={"desired_at": soon.isoformat()}, headers=operator)
    notice = sms_bodies(code)[-1]
    assert no_free_cancellation() in notice and "/cancel/" not in notice
    page = client.get(link(code))
    assert labels.CANCEL_DEADLINE_PASSED in page.text and labels.CANCEL_BUTTON not in page.text

    client.patch(f"/api/reservations/reservations/{code}", json={"details": "4LDK"}, headers=operator)
    assert len(sms_bodies(code)) == 3  # confirmation and two date changes: other edits send nothing


@pytest.mark.dialect
def test_a_wrong_token_and_an_unknown_id_are_refused_in_the_error_shape_and_a_second_cancel_does_nothing(
    client, catalog
):
    code = book(catalog["service_id"])
    wrong = client.post(f"/api/reservations/cancel/{code}", data={"token": "forged"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "invalid_cancel_token"
    assert client.get(f"/api/reservations/cancel/{code}", params={"token": "forged"}).status_code == 403
    other = book(catalog["service_id"])
    assert client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(other)}).status_code == 403
    unknown = client.post("/api/reservations/cancel/QRV-ZZZZZZ", data={"token": cancel_token("QRV-ZZZZZZ")})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert state(code) == "calling"
    client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)})
    again = client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)})
    assert again.status_code == 200 and labels.ALREADY_CANCELLED in again.text  # a second tap: said, not refused
    assert len([m for m in messages("sms", code) if "キャンセルしました" in m.body]) == 1


@pytest.mark.dialect
def test_a_non_ascii_token_is_a_wrong_token_not_an_error(client, catalog):
    code = book(catalog["service_id"])
    page = client.get(f"/api/reservations/cancel/{code}", params={"token": "キャンセル"})
    assert page.status_code == 403 and page.json()["error"]["code"] == "invalid_cancel_token"
    posted = client.post(f"/api/reservations/cancel/{code}", data={"token": "é" + cancel_token(code)[1:]})
    assert posted.status_code == 403 and posted.json()["error"]["code"] == "invalid_cancel_token"
    assert state(code) == "calling"


@pytest.mark.dialect
def test_a_late_shop_answer_after_cancelling_changes_nothing(client, catalog):
    code = book(catalog["service_id"])
    client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)})
    deliver_due()
    assert state(code) == "cancelled" and payment_of(code) is None
