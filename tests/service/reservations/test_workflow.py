"""The automated path through the real outbox (sandbox providers, hooks in the delivery transaction) and the sweeper:
confirmation SMS, calls in order over two rounds, payment link, Stripe webhook, timeouts, reminders, manual cases."""

import json
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import stripe
from sqlalchemy import select

from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox.models import OutboxMessage
from service.reservations import labels, payments, sweeper
from service.reservations.models import (
    CallAttempt,
    ManualOperation,
    Notification,
    Reservation,
    ReservationEvent,
    Shop,
)
from tests.service.reservations.conftest import (
    STRIPE_SECRET,
    VOICE_SECRET,
    answer_calls,
    book,
    call_again_at_once,
    count,
    deliver_due,
    headers_for,
    messages,
    pay,
    payment_of,
    state,
)
from tests.support.clock import clock_at, japan_time
from tests.support.mail import bare_urls, copies_by_smtp
from tests.support.sandbox_log import read_sandbox_log
from tests.support.signatures import signed_voice_event
from tests.support.smtp import smtp_sink  # noqa: F401

pytestmark = pytest.mark.dialect


def events(code: str) -> list[tuple[str | None, str, str]]:
    with session_scope() as db:
        rid = db.scalar(select(Reservation.id).where(Reservation.code == code))
        return [
            (e.from_status, e.to_status, e.actor_type)
            for e in db.scalars(
                select(ReservationEvent).where(ReservationEvent.reservation_id == rid).order_by(ReservationEvent.id)
            )
        ]


def calls(code: str) -> list[tuple[str, int, str | None]]:
    """(shop name, round, outcome) in the order the shops were called."""
    with session_scope() as db:
        rid = db.scalar(select(Reservation.id).where(Reservation.code == code))
        attempts = db.scalars(select(CallAttempt).where(CallAttempt.reservation_id == rid).order_by(CallAttempt.id))
        return [(db.get(Shop, a.shop_id).name, a.round, a.outcome) for a in attempts]


def sweep(now):
    with session_scope() as db:
        for step in sweeper.STEPS.values():
            step(db, now=now)


def past_the_payment_window() -> datetime:
    """Sweep and deliver as the jobs would a minute after every open payment link expired; that moment."""
    later = utcnow() + timedelta(minutes=11)
    sweep(later)
    deliver_due(now=later)
    return later


def operations(code: str) -> list[tuple[str, str, str]]:
    with session_scope() as db:
        rid = db.scalar(select(Reservation.id).where(Reservation.code == code))
        return [
            (o.op_type, o.priority, o.status)
            for o in db.scalars(select(ManualOperation).where(ManualOperation.reservation_id == rid))
        ]


def slack(code: str) -> list[str]:
    return [m.body for m in messages("slack", code)]


def test_accepted_paid_confirmed_with_emails_and_the_event_log(client, catalog, smtp_sink):
    code = book(catalog["service_id"])
    assert state(code) == "calling"
    deliver_due()
    assert state(code) == "awaiting_payment"
    assert calls(code) == [("提携店1", 1, "accept")]
    sms = [m.body for m in messages("sms", code)]
    assert len(sms) == 2 and "受け付けました" in sms[0] and "/sandbox/checkout/" in sms[1] and "10分以内" in sms[1]
    payment = payment_of(code)
    assert payment.status == "open" and payment.amount == 8000
    assert payment.expires_at - payment.created_at >= timedelta(minutes=10) - timedelta(seconds=5)

    assert pay(client, payment.checkout_session_id, event_id="evt_1").json()["duplicate"] is False
    assert state(code) == "confirmed"
    replay = pay(client, payment.checkout_session_id, event_id="evt_1")
    assert replay.json()["duplicate"] is True
    emails = {m.recipient: m.subject for m in messages("email") if code in m.subject}
    assert set(emails) == {"guest@example.jp", "shop1@example.jp"}
    link, confirmed, shop = copies_by_smtp(smtp_sink, *(m for m in messages("email") if code in m.subject))
    assert [href for href, _ in link.links] == [payment.checkout_url] and "10分以内" in link.html
    [(cancel, _)] = confirmed.links
    assert cancel.startswith(f"{get_settings().public_base_url}/api/reservations/cancel/{code}?token=")
    assert f"{cancel}\n" in confirmed.text and f"<p>予約ID: {code}<br>" in confirmed.html
    assert shop.links == [] and "提携店1 御中" in shop.text and "<p>提携店1 御中</p>" in shop.html
    assert events(code) == [
        (None, "received", "ai"),
        ("received", "calling", "ai"),
        ("calling", "calling_success", "ai"),
        ("calling_success", "awaiting_payment", "system"),
        ("awaiting_payment", "confirmed", "webhook"),
    ]


def test_an_unsigned_or_forged_payment_webhook_changes_nothing(client, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    session_id = payment_of(code).checkout_session_id
    body = b'{"id": "evt_x", "type": "checkout.session.completed", "data": {"object": {"id": "%s"}}}' % (
        session_id.encode()
    )
    for headers in ({}, {"Stripe-Signature": "t=1,v1=deadbeef"}):
        answer = client.post("/api/webhooks/stripe", content=body, headers=headers)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_signature"
    assert state(code) == "awaiting_payment"


def test_a_replayed_payment_webhook_is_refused_or_changes_nothing(client, catalog):
    """A copy sent again later fails Stripe's 5-minute signature tolerance; a re-delivery within it is a duplicate."""
    code = book(catalog["service_id"])
    deliver_due()
    session_id = payment_of(code).checkout_session_id
    event = {"id": "evt_old", "type": "checkout.session.completed", "data": {"object": {"id": session_id}}}
    body = json.dumps(event)
    stale = stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET, timestamp=int(time.time()) - 600)
    answer = client.post("/api/webhooks/stripe", content=body.encode(), headers={"Stripe-Signature": stale})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_signature"
    assert state(code) == "awaiting_payment"
    assert pay(client, session_id, event_id="evt_twice").json()["duplicate"] is False
    assert pay(client, session_id, event_id="evt_twice").json()["duplicate"] is True
    assert state(code) == "confirmed" and len([m for m in messages("email") if "確定" in m.subject]) == 2


def test_declines_call_every_shop_once_then_all_declined_is_a_manual_operation(monkeypatch, catalog):
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    deliver_due()
    assert calls(code) == [("提携店1", 1, "decline"), ("提携店2", 1, "decline"), ("提携店3", 1, "decline")]
    assert state(code) == "all_declined"
    assert operations(code) == [("all_shops_declined", "high", "open")]
    assert slack(code) == [f"予約ID: {code} が全店NG"]
    deliver_due()  # the post, as the sandbox records what Slack would be given
    posted = [line["posted"] for line in read_sandbox_log(get_settings(), "slack") if code in line["body"]]
    assert posted == [f"予約ID: {code} が全店NG"] and bare_urls(posted[0]) == []
    assert any("予約できませんでした" in m.body for m in messages("sms", code))
    with session_scope() as db:
        notification = db.scalar(select(Notification))
        assert notification.message == f"予約ID: {code} が全店NG" and notification.outbox_message_id


def test_shops_that_did_not_answer_are_called_again_in_round_two(monkeypatch, catalog):
    answer_calls(monkeypatch, "no_answer")
    call_again_at_once(monkeypatch)
    code = book(catalog["service_id"])
    deliver_due()
    assert [(shop, rnd) for shop, rnd, _ in calls(code)] == [
        ("提携店1", 1),
        ("提携店2", 1),
        ("提携店3", 1),
        ("提携店1", 2),
        ("提携店2", 2),
        ("提携店3", 2),
    ]
    assert state(code) == "all_declined"


def test_an_ambiguous_answer_waits_for_an_operator_within_the_hour(monkeypatch, catalog):
    answer_calls(monkeypatch, "ambiguous")
    with clock_at(japan_time(2026, 11, 18, 10, 0)):  # a Wednesday morning: the team's hour is the clock's
        code = book(catalog["service_id"])
        deliver_due()
    assert state(code) == "pending_shop_response"
    assert operations(code) == [("ambiguous_answer", "high", "open")]
    assert slack(code) == [f"予約ID: {code} が曖昧な回答"]
    with session_scope() as db:
        operation = db.scalar(select(ManualOperation))
        assert operation.due_at - operation.created_at == timedelta(hours=1)


def test_a_change_request_is_a_medium_operation(monkeypatch, catalog):
    answer_calls(monkeypatch, "change_request")
    code = book(catalog["service_id"])
    deliver_due()
    assert state(code) == "change_requested"
    assert operations(code) == [("change_request", "medium", "open")]
    assert slack(code) == [f"予約ID: {code} で変更依頼"]


def test_sms_that_fails_every_retry_is_an_urgent_operation(catalog):
    code = book(catalog["service_id"], phone="+15005550001")  # Twilio's magic invalid number: a permanent failure
    deliver_due()
    assert ("sms_failed", "urgent", "open") in operations(code)
    assert f"予約ID: {code} のSMS送信が全て失敗" in slack(code)
    with session_scope() as db:  # the operator reads why in Japanese, never the provider's 「sandbox: invalid number」
        reason = db.scalar(
            select(ManualOperation.reason)
            .join(Reservation)
            .where(Reservation.code == code, ManualOperation.op_type == "sms_failed")
        )
    assert reason.endswith(": 宛先の電話番号またはメールアドレスが無効です") and "sandbox" not in reason


def test_the_service_expires_the_payment_at_ten_minutes(catalog):
    code = book(catalog["service_id"])
    deliver_due()
    sweep(utcnow() + timedelta(minutes=9))
    assert payment_of(code).status == "open"
    later = utcnow() + timedelta(minutes=10, seconds=1)
    sweep(later)
    assert payment_of(code).status == "expiring"
    expire = [m for m in messages("payment_link", code) if m.payload.get("action") == "expire"]
    assert len(expire) == 1
    deliver_due(now=later)
    assert state(code) == "payment_timeout" and payment_of(code).status == "expired"
    assert any("決済期限が切れました" in m.body for m in messages("sms", code))
    assert [m.recipient for m in messages("email") if code in m.subject and "キャンセル" in m.subject] == [
        "shop1@example.jp"
    ]
    sweep(later)
    assert len([m for m in messages("payment_link", code) if m.payload.get("action") == "expire"]) == 1


def test_a_payment_completed_while_expiring_counts_as_paid(client, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    payment = payment_of(code)
    sweep(utcnow() + timedelta(minutes=11))
    assert payment_of(code).status == "expiring"
    pay(client, payment.checkout_session_id)
    assert state(code) == "confirmed" and payment_of(code).status == "paid"
    deliver_due(now=utcnow() + timedelta(minutes=11))  # the provider's answer to the expiry comes afterwards
    assert state(code) == "confirmed"


def test_a_payment_made_within_the_window_but_reported_after_the_timeout_counts_as_paid(client, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    payment = payment_of(code)
    past_the_payment_window()
    assert state(code) == "payment_timeout"
    pay(client, payment.checkout_session_id, paid_at=payment.expires_at - timedelta(seconds=30))
    assert state(code) == "confirmed"


def test_a_payment_after_expiry_is_refunded(client, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    payment = payment_of(code)
    later = past_the_payment_window()
    pay(client, payment.checkout_session_id, paid_at=later, intent="pi_late")
    assert state(code) == "payment_timeout"
    assert payment_of(code).status == "refund_requested"
    [refund] = [m for m in messages("payment_link", code) if m.payload.get("action") == "refund"]
    assert refund.payload["payment_intent"] == "pi_late" and refund.payload["amount"] == 8000
    deliver_due(now=later)
    assert payment_of(code).status == "refunded"
    with session_scope() as db:
        assert db.scalar(select(Notification.kind).order_by(Notification.id.desc())) == "late_payment"
    [told] = [m.body for m in messages("sms", code) if "返金" in m.body]
    assert "8,000円は返金します" in told and "確定していません" in told


def checkout(code: str) -> str:
    """The path of the sandbox checkout page the requester's payment link opens."""
    return urlsplit(payment_of(code).checkout_url).path


def test_the_sandbox_checkout_pays_in_time_and_after_expiry_says_the_link_expired(client, catalog):
    in_time, too_late = book(catalog["service_id"]), book(catalog["service_id"])
    deliver_due()
    assert labels.SANDBOX_PAY_BUTTON in client.get(checkout(in_time)).text
    paid = client.post(checkout(in_time))
    assert paid.status_code == 200 and labels.SANDBOX_PAID in paid.text and state(in_time) == "confirmed"

    past_the_payment_window()
    page = client.get(checkout(too_late))
    assert labels.SANDBOX_EXPIRED in page.text and labels.SANDBOX_PAY_BUTTON not in page.text
    refused = client.post(checkout(too_late))
    assert refused.status_code == 410 and labels.SANDBOX_EXPIRED in refused.text
    assert payment_of(too_late).status == "expired" and payment_of(too_late).paid_at is None
    assert state(too_late) == "payment_timeout"
    assert not [m for m in messages("payment_link", too_late) if m.payload.get("action") == "refund"]
    assert not [m for m in messages("sms", too_late) if "返金" in m.body]


def test_reminder_the_day_before_is_sent_once_and_the_reservation_completes_afterwards(client, catalog):
    code = book(catalog["service_id"], days=3)
    deliver_due()
    pay(client, payment_of(code).checkout_session_id)
    with session_scope() as db:
        reservation = db.scalar(select(Reservation).where(Reservation.code == code))
        due, desired = reservation.reminder_due_at, reservation.desired_at
    assert due == payments.reminder_due(desired) and timedelta(hours=14) <= desired - due <= timedelta(hours=38)
    sweep(due - timedelta(minutes=1))
    assert not [m for m in messages("sms", code) if "明日" in m.body]
    sweep(due)
    sweep(due + timedelta(minutes=5))
    assert len([m for m in messages("sms", code) if "明日" in m.body]) == 1
    sweep(desired + timedelta(minutes=119))
    assert state(code) == "confirmed"
    sweep(desired + timedelta(minutes=121))
    assert state(code) == "completed"


def test_a_call_left_unanswered_counts_as_no_answer_after_the_timeout_and_one_never_placed_as_failed(catalog):
    code = book(catalog["service_id"])
    with session_scope() as db:  # a real provider took the first call and never reported back
        first = db.scalar(select(CallAttempt).join(Reservation).where(Reservation.code == code))
        db.get_one(OutboxMessage, first.outbox_message_id).status = "sent"
    sweep(utcnow() + timedelta(minutes=16))
    assert calls(code) == [("提携店1", 1, "no_answer"), ("提携店2", 1, None)]
    sweep(utcnow() + timedelta(minutes=32))  # the second was never handed to a provider
    assert calls(code)[1] == ("提携店2", 1, "failed")
    with session_scope() as db:
        second = db.scalars(select(CallAttempt).order_by(CallAttempt.id)).all()[1]
        assert second.summary == labels.CALL_NEVER_PLACED


def test_no_sms_is_sent_twice_when_hooks_and_sweeps_run_again(client, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    deliver_due()
    later = utcnow() + timedelta(minutes=11)
    sweep(later)
    sweep(later)
    deliver_due(now=later)
    deliver_due(now=later)
    bodies = [m.body for m in messages("sms", code)]
    assert len(bodies) == len(set(bodies)) == 3
    assert count(CallAttempt) == 1


def test_the_provider_saying_the_session_was_already_paid_counts_as_paid(catalog):
    code = book(catalog["service_id"])
    deliver_due()
    later = utcnow() + timedelta(minutes=11)
    sweep(later)
    with session_scope() as db:  # the provider's answer: Stripe found the session completed, not open
        expire = db.get(OutboxMessage, messages("payment_link", code)[-1].id)
        expire.payload = {**expire.payload, "sandbox_outcome": "complete"}
    deliver_due(now=later)
    assert state(code) == "confirmed" and payment_of(code).status == "paid"


def test_a_payment_link_the_provider_refuses_is_an_urgent_operation(catalog):
    code = book(catalog["service_id"], email="invalid@example.jp")  # the sandbox refuses this recipient
    deliver_due()
    assert state(code) == "calling_success" and payment_of(code).status == "failed"
    assert ("payment_timeout", "urgent", "open") in operations(code)


@pytest.mark.usefixtures("http_voice_api")
class TestRealVoiceProvider:
    """An HTTP voice API answers with a call id; the outcome arrives later by the signed voice webhook."""

    def result(self, client, event_id: str, **fields):
        # "outcome": None, not absent: the outbox tests register a call.completed handler that reads it
        event = {"id": event_id, "type": "call.completed", "call_id": "call-1", "outcome": None, **fields}
        body, headers = signed_voice_event(event, secret=VOICE_SECRET)
        return client.post("/api/webhooks/voice", content=body, headers=headers)

    def test_the_transcript_is_classified_when_the_result_arrives(self, client, catalog):
        code = book(catalog["service_id"])
        deliver_due(channel="voice")
        assert state(code) == "calling" and calls(code) == [("提携店1", 1, None)]
        self.result(client, "ev-ringing", status="ringing")
        assert calls(code) == [("提携店1", 1, None)]
        self.result(client, "ev-1", status="completed", transcript="はい、大丈夫です。お待ちしております")
        assert state(code) == "calling_success" and calls(code) == [("提携店1", 1, "accept")]
        assert self.result(client, "ev-1", status="completed").json()["duplicate"] is True

    def test_an_answering_machine_is_no_answer_whatever_the_words_say(self, client, catalog):
        code = book(catalog["service_id"])
        deliver_due(channel="voice")
        self.result(
            client,
            "ev-m",
            status="completed",
            answered_by="machine_end_beep",
            outcome="accept",
            transcript="お待ちしております",
        )
        assert state(code) == "calling"
        assert [(shop, outcome) for shop, _, outcome in calls(code)] == [("提携店1", "machine"), ("提携店2", None)]

    def test_a_change_request_shows_what_the_shop_asked_in_the_queue_and_its_csv(self, client, db, catalog):
        operator = headers_for(db, "operator")
        code = book(catalog["service_id"])
        deliver_due(channel="voice")
        asked = "その時間は埋まっているので、30分ずらして14時半からでもよろしいですか"
        self.result(client, "ev-c", status="completed", transcript=asked)
        assert state(code) == "change_requested"
        queue = client.get("/api/reservations/manual-operations", headers=operator).json()["items"]
        assert [(item["op_type"], item["shop_said"]) for item in queue] == [("change_request", asked)]
        exported = client.get("/api/reservations/manual-operations/export", headers=operator)
        assert asked in exported.content.decode("utf-8-sig")
        noted = "（折り返しの電話で）作業時間を1時間延ばしたい"  # the shop called back: an operator records it
        by_hand = {"reservation_code": code, "op_type": "change_request", "reason": noted}
        client.post(f"/api/reservations/reservations/{code}/resume-calling", headers=operator)
        made = client.post("/api/reservations/manual-operations", json=by_hand, headers=operator)
        assert made.status_code == 201 and made.json()["shop_said"] == noted

    def test_no_answer_moves_on_to_the_next_shop(self, client, catalog):
        code = book(catalog["service_id"])
        deliver_due(channel="voice")
        self.result(client, "ev-2", status="no_answer")
        assert [(shop, outcome) for shop, _, outcome in calls(code)] == [("提携店1", "no_answer"), ("提携店2", None)]
