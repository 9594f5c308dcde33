"""The manual-operation queue and the operators' actions on reservations, through the API: who may act, what each
action does to the reservation, its operations and the audit log, and what is refused (409 with from/to)."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import session_scope, utcnow
from service.reservations import labels, sweeper
from service.reservations.messages import cancel_token
from service.reservations.models import ManualOperation, Note, Payment, Reservation, Shop
from tests.service.reservations.conftest import (
    answer_calls,
    book,
    count,
    deliver_due,
    headers_for,
    japan_day,
    messages,
    pay,
    payment_of,
    state,
)


def queue(client, headers, **params) -> list[dict]:
    answer = client.get("/api/reservations/manual-operations", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


@pytest.mark.dialect
def test_the_queue_is_ordered_by_priority_then_target_time(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "change_request")
    change = book(catalog["service_id"])
    deliver_due()
    answer_calls(monkeypatch, "ambiguous")
    ambiguous = book(catalog["service_id"])
    deliver_due()
    failed_sms = book(catalog["service_id"], phone="+15005550001")
    deliver_due()
    items = queue(client, operator)
    assert [(i["reservation_code"], i["op_type"], i["priority_label"]) for i in items] == [
        (failed_sms, "sms_failed", "緊急"),
        (ambiguous, "ambiguous_answer", "高"),
        (failed_sms, "ambiguous_answer", "高"),  # its shop call was answered ambiguously too
        (change, "change_request", "中"),
    ]
    assert all(i["status_label"] == "未対応" and not i["overdue"] for i in items)
    assert [i["op_type"] for i in queue(client, operator, priority="medium")] == ["change_request"]


@pytest.mark.dialect
def test_an_operator_accepts_an_ambiguous_answer_and_the_payment_link_goes_out(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "ambiguous")
    code = book(catalog["service_id"])
    deliver_due()
    detail = client.post(f"/api/reservations/reservations/{code}/accept", json={}, headers=operator)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["status"] == "calling_success" and body["shop_name"] == "提携店1"
    assert body["operations"][0]["status"] == "resolved" and "決済リンク" in body["operations"][0]["resolution"]
    assert body["events"][-1]["actor_type"] == "operator" and body["events"][-1]["to_status"] == "calling_success"
    deliver_due()
    assert state(code) == "awaiting_payment"
    assert queue(client, operator) == []
    with session_scope() as db2:
        entry = db2.scalar(select(AuditEntry).where(AuditEntry.action == "accept_reservation"))
        assert entry.target_id == code and entry.changes["status"]["after"] == "calling_success"


@pytest.mark.dialect
def test_after_all_declined_a_shop_found_by_phone_is_booked_directly(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    deliver_due()
    assert state(code) == "all_declined"
    found = client.post(
        "/api/reservations/shops",
        json={"name": "電話で見つけた店", "phone": "03-1234-5678", "service_type_ids": [catalog["service_id"]]},
        headers=operator,
    )
    assert found.status_code == 201, found.text
    accept = f"/api/reservations/reservations/{code}/accept"
    detail = client.post(accept, json={"shop_id": found.json()["id"]}, headers=operator)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["status"] == "calling_success" and body["shop_name"] == "電話で見つけた店"
    assert [(o["op_type"], o["status"]) for o in body["operations"]] == [("all_shops_declined", "resolved")]
    deliver_due()
    assert state(code) == "awaiting_payment"
    assert "/sandbox/checkout/" in messages("sms", code)[-1].body
    with session_scope() as db2:
        entry = db2.scalar(select(AuditEntry).where(AuditEntry.action == "accept_reservation"))
        assert entry.changes["shop"]["after"] == "電話で見つけた店"


@pytest.mark.dialect
def test_a_one_off_shop_is_booked_for_that_reservation_only_or_added_to_the_list_deliberately(
    client, db, catalog, monkeypatch
):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "decline")
    once, listed = book(catalog["service_id"]), book(catalog["service_id"], phone="090-2222-3333")
    deliver_due()
    found = {"name": "電話で見つけた店", "phone": "03-1234-5678", "notes": "担当 佐藤様、駐車場なし"}
    accept = "/api/reservations/reservations/{}/accept"
    both = client.post(
        accept.format(once), json={"shop_id": catalog["shop_ids"][0], "one_off_shop": found}, headers=operator
    )
    assert both.status_code == 422 and both.json()["error"]["details"]["rule"] == "one_shop"
    booked = client.post(accept.format(once), json={"one_off_shop": found}, headers=operator)
    assert booked.status_code == 200, booked.text
    body = booked.json()
    assert (body["status"], body["shop_id"], body["shop_name"]) == ("calling_success", None, "電話で見つけた店")
    assert (body["one_off_shop_phone"], body["one_off_shop_notes"]) == ("+81312345678", "担当 佐藤様、駐車場なし")
    deliver_due()
    assert state(once) == "awaiting_payment"
    assert "電話で見つけた店でご予約を確保しました" in messages("sms", once)[-1].body
    shops = client.get("/api/reservations/shops", headers=operator).json()["items"]
    assert "電話で見つけた店" not in [shop["name"] for shop in shops]  # not called for the next booking

    added = dict(found, name="リストに加える店")
    second = client.post(
        accept.format(listed), json={"one_off_shop": added, "add_to_call_list": True}, headers=operator
    )
    assert second.status_code == 200 and second.json()["shop_name"] == "リストに加える店"
    shops = client.get("/api/reservations/shops", params={"service_type_id": catalog["service_id"]}, headers=operator)
    assert "リストに加える店" in [shop["name"] for shop in shops.json()["items"]]
    with session_scope() as db2:
        entries = db2.scalars(select(AuditEntry).where(AuditEntry.action.like("accept%")).order_by(AuditEntry.seq))
        assert [(e.action, e.target_id) for e in entries] == [
            ("accept_one_off_shop", once),
            ("accept_reservation", listed),
        ]
        one_off = db2.scalar(select(AuditEntry).where(AuditEntry.action == "accept_one_off_shop"))
        assert one_off.changes["one_off_shop_name"]["after"] == "電話で見つけた店"
        assert db2.scalar(select(AuditEntry.action).where(AuditEntry.action == "create_shop")) == "create_shop"


@pytest.mark.dialect
def test_an_inactive_or_unknown_shop_cannot_be_booked(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    deliver_due()
    shop_id = catalog["shop_ids"][0]
    assert client.patch(f"/api/reservations/shops/{shop_id}", json={"active": False}, headers=operator).is_success
    accept = f"/api/reservations/reservations/{code}/accept"
    inactive = client.post(accept, json={"shop_id": shop_id}, headers=operator)
    assert inactive.status_code == 422 and inactive.json()["error"]["details"]["rule"] == "active_shop"
    unknown = client.post(accept, json={"shop_id": 999_999}, headers=operator)
    assert unknown.status_code == 422 and unknown.json()["error"]["details"]["rule"] == "known_shop"
    assert state(code) == "all_declined"


@pytest.mark.dialect
def test_resuming_calls_the_next_shop(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "change_request")
    code = book(catalog["service_id"])
    deliver_due()
    answer_calls(monkeypatch, "accept")
    assert client.post(f"/api/reservations/reservations/{code}/resume-calling", headers=operator).status_code == 200
    deliver_due()
    detail = client.get(f"/api/reservations/reservations/{code}", headers=operator).json()
    assert [(c["shop_name"], c["outcome"]) for c in detail["calls"]] == [
        ("提携店1", "change_request"),
        ("提携店2", "accept"),
    ]
    assert detail["status"] == "awaiting_payment"


@pytest.mark.dialect
def test_an_illegal_action_is_409_with_from_and_to_and_changes_nothing(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"])
    deliver_due()
    pay(client, payment_of(code).checkout_session_id)
    before = count(AuditEntry)
    refused = client.post(f"/api/reservations/reservations/{code}/resume-calling", headers=operator)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "illegal_transition"
    assert refused.json()["error"]["details"] == {"reservation": code, "from": "confirmed", "to": "calling"}
    assert state(code) == "confirmed" and count(AuditEntry) == before


@pytest.mark.dialect
def test_operator_cancel_after_the_deadline_without_refund(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], days=1)
    deliver_due()
    pay(client, payment_of(code).checkout_session_id)
    answer = client.post(
        f"/api/reservations/reservations/{code}/cancel",
        json={"reason": "提携店が拒否したため返金なし", "refund": False},
        headers=operator,
    )
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert payment_of(code).status == "paid"
    assert not [m for m in messages("payment_link", code) if m.payload.get("action") == "refund"]
    [shop_mail] = [m.body for m in messages("email") if code in m.subject and "キャンセル" in m.subject]
    assert "理由: QRV運営担当者によるキャンセル" in shop_mail


@pytest.mark.dialect
def test_editing_a_reservation_is_audited_and_a_past_date_is_refused(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "change_request")
    code = book(catalog["service_id"])
    deliver_due()
    changed = client.patch(
        f"/api/reservations/reservations/{code}",
        json={"details": "30分遅らせて14:30から", "requester_phone": "080 1111 2222"},
        headers=operator,
    )
    assert changed.status_code == 200
    assert changed.json()["details"] == "30分遅らせて14:30から" and changed.json()["requester_phone"] == "+818011112222"
    past = client.patch(
        f"/api/reservations/reservations/{code}", json={"desired_at": "2020-01-01T10:00:00+09:00"}, headers=operator
    )
    assert past.status_code == 422 and past.json()["error"]["details"]["rule"] == "future"
    with session_scope() as db2:
        entry = db2.scalar(select(AuditEntry).where(AuditEntry.action == "update_reservation"))
        assert set(entry.changes) == {"details", "requester_phone"}


@pytest.mark.dialect
def test_a_moved_time_is_checked_as_a_new_booking_is_and_a_refusal_changes_nothing(client, db, catalog):
    """Item 2 for edits: the operator's new time passes the same check as a booking (booking.bookable_time)."""
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], days=5)
    deliver_due()
    with session_scope() as db2:
        for shop_id in catalog["shop_ids"]:
            shop = db2.get_one(Shop, shop_id)
            shop.opens_at, shop.closes_at = time(10), time(19)
        booked = db2.scalar(select(Reservation).where(Reservation.code == code))
        was = (booked.desired_at, booked.cancel_deadline_at)
    sms_before, audited_before = len(messages("sms", code)), count(AuditEntry)
    path = f"/api/reservations/reservations/{code}"

    past = client.patch(path, json={"desired_at": "2020-01-01T10:00:00+09:00"}, headers=operator)
    late = japan_day(6, hour=18)  # two hours of cleaning from 18:00 end after closing
    closed = client.patch(path, json={"desired_at": late.isoformat(), "details": "18時から"}, headers=operator)

    assert past.status_code == 422 and past.json()["error"]["details"] == {"field": "desired_at", "rule": "future"}
    assert past.json()["error"]["message"].startswith("ご希望の日時（2020年1月1日（水）10:00）はすでに過ぎています")
    assert closed.status_code == 422
    assert closed.json()["error"]["details"] == {"field": "desired_at", "rule": "shop_hours"}
    reason = closed.json()["error"]["message"]
    assert "〜20:00）" in reason and "営業時間: 10:00〜19:00" in reason
    with session_scope() as db2:
        kept = db2.scalar(select(Reservation).where(Reservation.code == code))
        assert (kept.desired_at, kept.cancel_deadline_at) == was and kept.details == "3LDK 水回り"
    assert count(AuditEntry) == audited_before and len(messages("sms", code)) == sms_before

    open_then = japan_day(6)
    moved = client.patch(path, json={"desired_at": open_then.isoformat()}, headers=operator)
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["desired_at"]) == open_then
    with session_scope() as db2:
        entry = db2.scalar(select(AuditEntry).where(AuditEntry.action == "update_reservation"))
        assert set(entry.changes) == {"desired_at", "cancel_deadline_at"}
    assert len(messages("sms", code)) == sms_before + 1  # the new date, told by SMS


@pytest.mark.dialect
def test_support_notes_and_opens_an_operation_but_cannot_act(client, db, catalog):
    support = headers_for(db, "support")
    code = book(catalog["service_id"])
    note = client.post(f"/api/reservations/reservations/{code}/notes", json={"body": "依頼者から電話"}, headers=support)
    assert note.status_code == 201 and note.json()["author"] == "resv-support"
    opened = client.post(
        "/api/reservations/manual-operations",
        json={"reservation_code": code, "op_type": "payment_timeout", "reason": "決済期限切れの問い合わせ"},
        headers=support,
    )
    assert opened.status_code == 201 and opened.json()["priority"] == "low"
    assert client.post(f"/api/reservations/reservations/{code}/resume-calling", headers=support).status_code == 403
    resolve = client.post(
        f"/api/reservations/manual-operations/{opened.json()['id']}/resolve", json={"resolution": "x"}, headers=support
    )
    assert resolve.status_code == 403
    assert count(Note) == 1


@pytest.mark.dialect
def test_assign_and_resolve(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    headers_for(db, "support")
    answer_calls(monkeypatch, "ambiguous")
    book(catalog["service_id"])
    deliver_due()
    [item] = queue(client, operator)
    options = client.get("/api/reservations/assignees", headers=operator).json()
    support_id = next(o["id"] for o in options if o["role"] == "support")
    assigned = client.post(
        f"/api/reservations/manual-operations/{item['id']}/assign", json={"assignee_id": support_id}, headers=operator
    ).json()
    assert assigned["status"] == "in_progress" and assigned["assignee_name"] == "resv-support"
    nobody = client.post(
        f"/api/reservations/manual-operations/{item['id']}/assign", json={"assignee_id": 999}, headers=operator
    )
    assert nobody.status_code == 422
    done = client.post(
        f"/api/reservations/manual-operations/{item['id']}/resolve",
        json={"resolution": "店舗に電話で確認"},
        headers=operator,
    ).json()
    assert done["status"] == "resolved" and done["resolved_by"] == "resv-operator"
    assert queue(client, operator) == []
    assert len(queue(client, operator, include_resolved=True)) == 1
    again = client.post(
        f"/api/reservations/manual-operations/{item['id']}/resolve", json={"resolution": "x"}, headers=operator
    )
    assert again.status_code == 409


@pytest.mark.dialect
def test_executives_read_numbers_but_not_reservations(client, db, catalog):
    executive = headers_for(db, "executive")
    code = book(catalog["service_id"])
    assert client.get("/api/reservations/console/today", headers=executive).status_code == 200
    assert client.get("/api/reservations/executive/summary", headers=executive).status_code == 200
    assert client.get(f"/api/reservations/reservations/{code}", headers=executive).status_code == 403
    assert client.get("/api/reservations/manual-operations", headers=executive).status_code == 403
    assert client.get("/api/reservations/console/today").status_code == 401


@pytest.mark.dialect
def test_a_refused_payment_link_is_sent_again_after_the_email_is_corrected(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], email="invalid@example.jp")  # the sandbox refuses this recipient
    deliver_due()
    assert payment_of(code).status == "failed"
    assert client.post(f"/api/reservations/reservations/{code}/payment-link", headers=operator).status_code == 200
    deliver_due()
    assert payment_of(code).status == "failed"  # the same address is refused again
    client.patch(
        f"/api/reservations/reservations/{code}", json={"requester_email": "fixed@example.jp"}, headers=operator
    )
    assert client.post(f"/api/reservations/reservations/{code}/payment-link", headers=operator).status_code == 200
    twice = client.post(f"/api/reservations/reservations/{code}/payment-link", headers=operator)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "payment_link_not_resendable"
    deliver_due()
    assert state(code) == "awaiting_payment" and payment_of(code).status == "open"
    assert queue(client, operator) == []


@pytest.mark.dialect
def test_a_changed_date_calls_every_shop_again_and_all_declined_is_told_once(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    deliver_due()
    assert state(code) == "all_declined"
    same_date = client.post(f"/api/reservations/reservations/{code}/resume-calling", headers=operator)
    assert same_date.status_code == 409 and same_date.json()["error"]["code"] == "no_shop_to_call"
    answer_calls(monkeypatch, "accept")
    moved = client.patch(
        f"/api/reservations/reservations/{code}", json={"desired_at": "2099-04-01T10:00:00+09:00"}, headers=operator
    )
    assert moved.status_code == 200
    assert client.post(f"/api/reservations/reservations/{code}/resume-calling", headers=operator).status_code == 200
    deliver_due()
    detail = client.get(f"/api/reservations/reservations/{code}", headers=operator).json()
    assert [(c["shop_name"], c["round"], c["outcome"]) for c in detail["calls"]] == [
        ("提携店1", 1, "decline"),
        ("提携店2", 1, "decline"),
        ("提携店3", 1, "decline"),
        ("提携店1", 1, "accept"),
    ]
    assert detail["status"] == "awaiting_payment"
    assert len([m for m in messages("sms", code) if "予約できませんでした" in m.body]) == 1


def sweep(now) -> None:
    with session_scope() as db:
        for step in sweeper.STEPS.values():
            step(db, now=now)


@pytest.mark.dialect
def test_a_late_cancellation_closes_with_its_reason_when_the_booking_times_out(client, catalog):
    code = book(catalog["service_id"], days=1.5)  # past the free-cancellation deadline from the start
    deliver_due()
    assert client.post(f"/api/reservations/cancel/{code}", data={"token": cancel_token(code)}).status_code == 409
    later = utcnow() + timedelta(minutes=11)
    sweep(later)
    deliver_due(now=later)
    assert state(code) == "payment_timeout"
    with session_scope() as db2:
        late = db2.scalar(select(ManualOperation).where(ManualOperation.op_type == "late_cancellation"))
        assert (late.status, late.resolution, late.resolved_by) == ("resolved", labels.HOLD_TIMED_OUT, "システム")


@pytest.mark.dialect
def test_the_payment_window_starts_when_the_link_is_delivered(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], phone="+15005550801", email="")  # the sandbox fails its first attempt
    created = utcnow() + timedelta(minutes=5)
    deliver_due()
    deliver_due(now=created)  # the link is made; its SMS fails once and waits for a retry
    assert state(code) == "awaiting_payment" and payment_of(code).expires_at is None
    sweep(created + timedelta(minutes=15))
    assert payment_of(code).status == "open"
    by_email = client.post(
        f"/api/reservations/reservations/{code}/payment-link", json={"channel": "email"}, headers=operator
    )
    assert by_email.status_code == 422 and by_email.json()["error"]["details"]["rule"] == "required_for_email"
    delivered = created + timedelta(minutes=20)
    deliver_due(now=delivered)
    [sms] = [m for m in messages("sms", code) if payment_of(code).checkout_url in m.body]
    assert sms.status == "sent" and payment_of(code).expires_at == sms.sent_at + timedelta(minutes=10)
    sweep(delivered + timedelta(minutes=9))
    assert payment_of(code).status == "open"
    sweep(delivered + timedelta(minutes=10, seconds=1))
    assert payment_of(code).status == "expiring"


@pytest.mark.dialect
def test_a_link_whose_sms_failed_is_sent_again_by_email_or_sms(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], phone="+15005550001")  # Twilio's magic invalid number
    deliver_due()
    assert state(code) == "awaiting_payment"
    url = payment_of(code).checkout_url
    client.patch(
        f"/api/reservations/reservations/{code}", json={"requester_email": "found@example.jp"}, headers=operator
    )
    by_email = client.post(
        f"/api/reservations/reservations/{code}/payment-link", json={"channel": "email"}, headers=operator
    )
    assert by_email.status_code == 200, by_email.text
    client.patch(f"/api/reservations/reservations/{code}", json={"requester_phone": "090-8765-4321"}, headers=operator)
    assert client.post(f"/api/reservations/reservations/{code}/payment-link", headers=operator).status_code == 200
    deliver_due()
    assert [m.status for m in messages("email", code) if url in m.body and m.recipient == "found@example.jp"] == [
        "sent"
    ]
    assert [m.status for m in messages("sms", code) if url in m.body and m.recipient == "+819087654321"] == ["sent"]
    with session_scope() as db2:
        entries = db2.scalars(
            select(AuditEntry).where(AuditEntry.action == "resend_payment_link").order_by(AuditEntry.seq)
        )
        assert [e.changes["payment_link"]["after"] for e in entries] == ["email", "sms"]


@pytest.mark.dialect
def test_a_link_without_its_address_is_refused_in_words_not_sent_without_it(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"])
    deliver_due()
    assert state(code) == "awaiting_payment"
    with session_scope() as db2:
        db2.get(Payment, payment_of(code).id).checkout_url = ""
    refused = client.post(f"/api/reservations/reservations/{code}/payment-link", headers=operator)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment_link_missing"
    assert "決済リンクのURLがまだありません" in refused.json()["error"]["message"]
