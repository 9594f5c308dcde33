"""The hold runs on one clock (service/reservations/holds.py): when one wait ends, what else the reservation has out
ends in the same transaction. Each pair is driven through the real outbox (sandbox providers, hooks) and the sweeper:
the payment window and the link's SMS (validity given to the provider, a resend still waiting withdrawn), the window
and the operator's queue, a cancellation and the reminder, a date change and the reminder, a call's timeout and its
queued call, an operator's yes and the calls still out; and a machine on the line is never a yes."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox.models import OutboxMessage
from service.reservations import labels
from service.reservations.messages import when_text
from service.reservations.models import CallAttempt, ManualOperation, Reservation, ReservationEvent, Shop
from service.reservations.shops import calls as calling
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
from tests.service.reservations.test_workflow import calls, checkout, sweep
from tests.support.sandbox_log import read_sandbox_log

pytestmark = pytest.mark.dialect

FLAKY_SHOP = "+15005550809"  # the sandbox fails its first 9 attempts: a provider that cannot place the call yet


def outbox_status(message_id: int) -> str:
    with session_scope() as db:
        return db.get_one(OutboxMessage, message_id).status


@pytest.fixture(autouse=True)
def started() -> None:
    """When the test started: the sandbox's log is the session's, and outbox ids repeat between tests."""
    STARTED[0] = utcnow()


STARTED = [utcnow()]


def handed_to_provider(channel: str, message_id: int) -> list[dict]:
    """What the sandbox provider recorded of one outbox message in this test (every attempt, failed or sent)."""
    return [
        line
        for line in read_sandbox_log(get_settings(), channel)
        if line["outbox_id"] == message_id and datetime.fromisoformat(line["at"]) >= STARTED[0]
    ]


def link_sms(code: str) -> list[OutboxMessage]:
    return [m for m in messages("sms", code) if "payment_id" in (m.payload or {})]


def reminders(code: str) -> list[OutboxMessage]:
    return [m for m in messages("sms", code) if (m.payload or {}).get("reminder")]


def reservation_of(code: str) -> Reservation:
    with session_scope() as db:
        return db.scalar(select(Reservation).where(Reservation.code == code))


def test_the_window_passing_expires_the_link_withdraws_what_still_waits_and_closes_the_queue(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], days=3)
    deliver_due()
    [first] = link_sms(code)
    assert first.payload["valid_for_seconds"] == 600  # the first SMS may wait at the provider the whole window
    assert [line["validity_period"] for line in handed_to_provider("sms", first.id)] == [600]
    payment = payment_of(code)
    resend = client.post(
        f"/api/reservations/reservations/{code}/payment-link", json={"channel": "sms"}, headers=operator
    )
    assert resend.status_code == 200, resend.text
    [again] = [m for m in link_sms(code) if m.id != first.id]  # not delivered yet: the provider is slow
    assert again.payload["valid_until"] == payment.expires_at.isoformat()  # what is left of the same window
    asked = {"reservation_code": code, "op_type": "payment_timeout", "reason": "依頼者からリンクの問い合わせ"}
    assert client.post("/api/reservations/manual-operations", json=asked, headers=operator).status_code == 201

    later = payment.expires_at + timedelta(seconds=1)
    sweep(later)
    assert payment_of(code).status == "expiring" and outbox_status(again.id) == "withdrawn"
    deliver_due(now=later)
    assert state(code) == "payment_timeout" and payment_of(code).status == "expired"
    assert handed_to_provider("sms", again.id) == []  # the link never arrives after its window
    assert labels.SANDBOX_EXPIRED in client.get(checkout(code)).text
    with session_scope() as db2:
        queue = db2.scalars(select(ManualOperation).join(Reservation).where(Reservation.code == code))
        assert [(o.status, o.resolution) for o in queue] == [("resolved", labels.HOLD_TIMED_OUT)]
    sweep(reservation_of(code).desired_at - timedelta(hours=12))
    assert reminders(code) == []


UNREACHABLE = "+15005550009"  # Twilio's magic number that cannot take SMS (a landline): every SMS to it fails


def last_event(code: str) -> tuple[str | None, str, str]:
    with session_scope() as db:
        event = db.scalar(
            select(ReservationEvent)
            .join(Reservation)
            .where(Reservation.code == code)
            .order_by(ReservationEvent.id.desc())
        )
        return event.from_status, event.to_status, event.reason


def queue_of(code: str) -> list[ManualOperation]:
    with session_scope() as db:
        return list(db.scalars(select(ManualOperation).join(Reservation).where(Reservation.code == code)))


def link_to_nobody(catalog) -> str:
    """A shop said yes to a requester whose phone takes no SMS and who gave no e-mail: the payment link (and the
    confirmation before it) failed on every retry, and no copy of the link is on its way. Its id."""
    code = book(catalog["service_id"], days=3, phone=UNREACHABLE, email="")
    deliver_due()
    assert state(code) == "awaiting_payment" and [m.status for m in link_sms(code)] == ["failed"]
    return code


def test_a_link_that_reached_nobody_waits_on_the_operators_clock_then_the_hold_times_out(client, db, catalog):
    started = utcnow()
    code = link_to_nobody(catalog)
    deadline = payment_of(code).expires_at  # the urgent operation's target time (30 min): the window never started
    assert started + timedelta(minutes=30) <= deadline <= utcnow() + timedelta(minutes=30)
    [operation] = queue_of(code)  # the confirmation's SMS failure, now saying what the link needs, and by when
    assert (operation.op_type, operation.priority, operation.status) == ("sms_failed", "urgent", "open")
    assert operation.due_at <= deadline  # opened when the confirmation failed, moments before
    assert operation.reason.startswith("決済リンクを依頼者に届けられませんでした（")
    assert f"{when_text(deadline)}までに決済リンクをメールで再送してください" in operation.reason

    sweep(deadline - timedelta(seconds=1))
    assert state(code) == "awaiting_payment" and payment_of(code).status == "open"
    later = deadline + timedelta(seconds=1)
    sweep(later)
    deliver_due(now=later)
    assert state(code) == "payment_timeout" and payment_of(code).status == "expired"
    closed = [(o.status, o.resolution) for o in queue_of(code) if o.id == operation.id]
    assert closed == [("resolved", labels.HOLD_TIMED_OUT)]  # (the timeout's own SMS fails too: §2.2.2 opens anew)
    assert last_event(code) == ("awaiting_payment", "payment_timeout", labels.REASONS["link_reached_nobody"])
    assert [m.recipient for m in messages("email") if code in m.subject and "キャンセル" in m.subject] == [
        "shop1@example.jp"
    ]  # the shop's slot is given back


def test_a_link_sent_again_by_email_in_time_gets_the_whole_window_from_its_delivery(client, db, catalog):
    operator = headers_for(db, "operator")
    code = link_to_nobody(catalog)
    path = f"/api/reservations/reservations/{code}"
    assert client.patch(path, json={"requester_email": "found@example.jp"}, headers=operator).status_code == 200
    resent = client.post(f"{path}/payment-link", json={"channel": "email"}, headers=operator)
    assert resent.status_code == 200, resent.text
    deliver_due()
    [mail] = [m for m in messages("email", code) if (m.payload or {}).get("payment_id")]
    assert mail.status == "sent" and mail.recipient == "found@example.jp"
    payment = payment_of(code)
    assert payment.expires_at == mail.sent_at + timedelta(seconds=get_settings().reservations_payment_window_seconds)
    assert pay(client, payment.checkout_session_id).status_code == 200
    assert state(code) == "confirmed"


def reminder_waiting(client, catalog) -> tuple[str, Reservation, OutboxMessage]:
    """A booking paid for three days ahead whose day-before reminder is queued, not sent yet: its id, row, reminder."""
    code = book(catalog["service_id"], days=3)
    deliver_due()
    pay(client, payment_of(code).checkout_session_id)
    booked = reservation_of(code)
    sweep(booked.reminder_due_at)
    [reminder] = reminders(code)
    return code, booked, reminder


def test_a_cancelled_booking_gets_no_reminder_even_one_already_waiting_to_be_sent(client, db, catalog):
    operator = headers_for(db, "operator")
    code, booked, reminder = reminder_waiting(client, catalog)
    assert reminder.payload["valid_until"] == booked.desired_at.isoformat()  # never delivered after the booking
    cancelled = client.post(
        f"/api/reservations/reservations/{code}/cancel", json={"reason": "依頼者の都合"}, headers=operator
    )
    assert cancelled.status_code == 200, cancelled.text
    assert outbox_status(reminder.id) == "withdrawn"
    deliver_due(now=booked.reminder_due_at)
    assert handed_to_provider("sms", reminder.id) == []
    assert any("キャンセルしました" in m.body and m.status == "sent" for m in messages("sms", code))


def test_the_reminder_follows_a_changed_date(client, db, catalog):
    operator = headers_for(db, "operator")
    code, booked, old = reminder_waiting(client, catalog)
    new_date = booked.desired_at + timedelta(days=2)
    moved = client.patch(
        f"/api/reservations/reservations/{code}", json={"desired_at": new_date.isoformat()}, headers=operator
    )
    assert moved.status_code == 200, moved.text
    assert outbox_status(old.id) == "withdrawn"
    sweep(reservation_of(code).reminder_due_at)
    deliver_due(now=reservation_of(code).reminder_due_at)
    [new] = [m for m in reminders(code) if m.id != old.id]
    assert new.status == "sent" and new.payload["valid_until"] == new_date.isoformat()


def test_a_call_that_timed_out_never_rings_after_the_next_shop_is_called(db, catalog):
    with session_scope() as db2:
        db2.get_one(Shop, catalog["shop_ids"][0]).phone = FLAKY_SHOP
    code = book(catalog["service_id"])
    deliver_due(channel="voice", rounds=1)  # the provider cannot place it yet: it waits for a retry
    [(_, _, outcome)] = calls(code)
    with session_scope() as db2:
        first = db2.scalar(select(CallAttempt).join(Reservation).where(Reservation.code == code))
    assert outcome is None and outbox_status(first.outbox_message_id) == "pending"
    later = utcnow() + timedelta(minutes=16)
    sweep(later)
    assert outbox_status(first.outbox_message_id) == "withdrawn"
    deliver_due(now=later + timedelta(hours=1))  # every retry would be due by now
    assert calls(code) == [("提携店1", 1, "failed"), ("提携店2", 1, "accept")]  # it was never placed
    assert [line["outcome"] for line in handed_to_provider("voice", first.outbox_message_id)] == [
        "TransientDeliveryError"
    ]
    assert state(code) == "awaiting_payment"


def test_a_yes_by_phone_withdraws_the_calls_still_out_and_a_late_answer_moves_nothing(client, db, catalog):
    operator = headers_for(db, "operator")
    with session_scope() as db2:
        db2.get_one(Shop, catalog["shop_ids"][0]).phone = FLAKY_SHOP
    code = book(catalog["service_id"])
    deliver_due(channel="voice", rounds=1)
    accepted = client.post(
        f"/api/reservations/reservations/{code}/accept", json={"shop_id": catalog["shop_ids"][1]}, headers=operator
    )
    assert accepted.status_code == 200, accepted.text
    assert [c["status"] for c in accepted.json()["calls"]] == ["withdrawn"]
    with session_scope() as db2:
        out = db2.scalar(select(CallAttempt).join(Reservation).where(Reservation.code == code))
    assert outbox_status(out.outbox_message_id) == "withdrawn"
    with session_scope() as db2:
        calling.apply_outcome(db2, db2.merge(out), outcome="accept", now=utcnow())  # the shop picked up after all
    deliver_due(now=utcnow() + timedelta(hours=1))
    assert state(code) == "awaiting_payment" and reservation_of(code).shop_id == catalog["shop_ids"][1]
    assert calls(code) == [("提携店1", 1, "accept")]  # recorded for the log, acted on never
    assert handed_to_provider("voice", out.outbox_message_id)[-1]["outcome"] == "TransientDeliveryError"


def test_an_answering_machine_is_no_answer_and_the_next_shop_is_called(client, db, monkeypatch, catalog):
    operator = headers_for(db, "operator")
    answer_calls(monkeypatch, "machine")
    code = book(catalog["service_id"])
    deliver_due(channel="voice", rounds=1)
    answer_calls(monkeypatch, "accept")
    deliver_due()
    assert calls(code) == [("提携店1", 1, "machine"), ("提携店2", 1, "accept")]
    assert reservation_of(code).shop_id == catalog["shop_ids"][1] and state(code) == "awaiting_payment"
    detail = client.get(f"/api/reservations/reservations/{code}", headers=operator).json()
    machine, human = detail["calls"]
    assert (machine["outcome_label"], machine["answered_by"]) == ("留守番電話（応答なし）", "machine_end_beep")
    assert machine["answered_by_label"] == "留守番電話（発信音で終了）"
    assert "お待ちしております" in machine["transcript"]  # a greeting that reads as a yes is still a machine
    assert (human["answered_by"], human["outcome"]) == ("human", "accept")


def test_shops_that_only_reached_a_machine_are_called_again_in_round_two_and_never_booked(monkeypatch, catalog):
    answer_calls(monkeypatch, "machine")
    call_again_at_once(monkeypatch)
    code = book(catalog["service_id"])
    deliver_due()
    assert [(round_number, outcome) for _, round_number, outcome in calls(code)] == [(1, "machine")] * 3 + [
        (2, "machine")
    ] * 3
    assert state(code) == "all_declined" and reservation_of(code).shop_id is None
