"""Nothing rescued is silently lost: a one-off shop booked after 全店NG is phoned when the booking then times out or is
cancelled; a notice that reaches nobody about a reservation already over is not urgent, and is sent by the e-mail the
operator adds or closed with the reason; 全店NG because no call connected is told apart from every shop saying no (the
§5.2.2 incident), and round 2 waits before calling a shop again."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import session_scope, utcnow
from service.reservations import labels
from service.reservations.models import Incident, ManualOperation, Reservation, ReservationEvent
from tests.service.reservations.conftest import (
    answer_calls,
    book,
    call_again_at_once,
    deliver_due,
    headers_for,
    messages,
    state,
)
from tests.service.reservations.test_workflow import calls, operations, past_the_payment_window, slack, sweep

pytestmark = pytest.mark.dialect

NO_SMS = "+15005550009"  # the sandbox's number that takes no SMS (as Twilio's test number)
ONE_OFF = {"name": "電話で見つけた店", "phone": "03-1234-5678", "notes": "担当 佐藤様"}


def open_operation(code: str, op_type: str) -> ManualOperation:
    with session_scope() as db:
        return db.scalar(
            select(ManualOperation)
            .join(Reservation)
            .where(Reservation.code == code, ManualOperation.op_type == op_type, ManualOperation.status == "open")
        )


def booked_at_a_one_off_shop(client, monkeypatch, catalog, operator) -> str:
    """全店NG, then the operator books a shop found by phone (no e-mail) and its link goes out."""
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    deliver_due()
    accepted = client.post(
        f"/api/reservations/reservations/{code}/accept", json={"one_off_shop": ONE_OFF}, headers=operator
    )
    assert accepted.status_code == 200, accepted.text
    deliver_due()
    assert state(code) == "awaiting_payment"
    return code


def test_a_one_off_shop_whose_booking_timed_out_is_phoned_by_an_operator(client, db, monkeypatch, catalog):
    operator = headers_for(db, "operator")
    code = booked_at_a_one_off_shop(client, monkeypatch, catalog, operator)
    shop_mails = len([m for m in messages("email") if "仮予約キャンセル" in m.subject])
    past_the_payment_window()
    assert state(code) == "payment_timeout"
    assert ("shop_cancel_call", "high", "open") in operations(code)
    reason = open_operation(code, "shop_cancel_call").reason
    assert reason == (
        "電話で見つけた店（03-1234-5678）にはメールで連絡できません。"
        "仮予約のキャンセル（決済期限切れ）を電話で伝えてください"
    )
    assert f"予約ID: {code} で手動対応が必要（提携店への仮予約キャンセルの電話連絡）" in slack(code)
    assert len([m for m in messages("email") if "仮予約キャンセル" in m.subject]) == shop_mails  # no address to mail
    queue = client.get("/api/reservations/manual-operations", params={"op_type": "shop_cancel_call"}, headers=operator)
    assert [item["reservation_code"] for item in queue.json()["items"]] == [code]


def test_an_operators_cancel_of_a_one_off_booking_asks_for_the_call_too(client, db, monkeypatch, catalog):
    operator = headers_for(db, "operator")
    code = booked_at_a_one_off_shop(client, monkeypatch, catalog, operator)
    cancelled = client.post(
        f"/api/reservations/reservations/{code}/cancel",
        json={"reason": "依頼者の都合", "refund": False},
        headers=operator,
    )
    assert cancelled.status_code == 200
    assert "（QRV運営担当者によるキャンセル）" in open_operation(code, "shop_cancel_call").reason


def test_a_notice_about_a_reservation_already_over_is_not_urgent_and_goes_by_the_email_added(client, db, catalog):
    operator = headers_for(db, "operator")
    code = book(catalog["service_id"], phone=NO_SMS, email="")
    deliver_due()  # the confirmation SMS fails: the reservation waits on the requester, so it is urgent
    assert open_operation(code, "sms_failed").priority == "urgent"
    path = f"/api/reservations/reservations/{code}"
    cancelled = client.post(f"{path}/cancel", json={"reason": "依頼者の都合", "refund": True}, headers=operator)
    assert cancelled.status_code == 200
    deliver_due()  # the cancellation SMS fails too, about a reservation that is over
    operation = open_operation(code, "sms_failed")
    assert operation.priority == "low" and operation.reason.startswith("予約はすでに終了しています（キャンセル）。")
    assert "ご予約をキャンセルしました" in operation.reason

    send = f"/api/reservations/manual-operations/{operation.id}/send-email"
    nowhere = client.post(send, headers=operator)
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (409, "requester_email_missing")
    support = headers_for(db, "support")
    assert client.post(send, json={"email": "yamada@example.jp"}, headers=support).status_code == 403
    sent = client.post(send, json={"email": "yamada@example.jp"}, headers=operator)
    assert sent.status_code == 200 and sent.json()["status"] == "resolved" and not sent.json()["can_send_notice"]
    assert sent.json()["resolution"] == "届かなかったお知らせをメール（yamada@example.jp）で送信しました"
    [mail] = [m for m in messages("email") if m.recipient == "yamada@example.jp"]
    assert mail.subject == f"【QRV】SMSでお届けできなかったお知らせ（{code}）"
    assert "ご予約をキャンセルしました" in mail.body
    assert client.get(path, headers=operator).json()["requester_email"] == "yamada@example.jp"
    with session_scope() as session:
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == code).order_by(AuditEntry.id))
        )
    assert actions[-2:] == ["update_reservation", "send_notice_by_email"]
    again = client.post(send, json={"email": "yamada@example.jp"}, headers=operator)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "operation_resolved")


def test_all_declined_because_no_call_connected_says_so_and_records_one_incident(monkeypatch, catalog):
    answer_calls(monkeypatch, "no_answer")
    call_again_at_once(monkeypatch)
    first, second = book(catalog["service_id"]), book(catalog["service_id"], phone="090-8888-7777")
    deliver_due()
    assert state(first) == state(second) == "all_declined"
    reason = open_operation(first, "all_shops_declined").reason
    assert reason == (
        "提携店リスト全店舗（2周）への電話が1件もつながりませんでした（応答なし6件）。"
        "全店舗で電話がつながらなかったため、提携店の回答はありません。電話発信の障害の可能性があります"
    )
    with session_scope() as db:
        [incident] = db.scalars(select(Incident)).all()
        last_event = db.scalars(select(ReservationEvent.reason).order_by(ReservationEvent.id.desc())).first()
    assert (incident.title, incident.level, incident.created_by) == ("電話発信が全く動作しない", "high", "システム")
    assert incident.impact == f"全店NGになった予約: {first}、{second}"
    assert last_event.startswith("提携店リスト全店舗（2周）への電話が1件もつながりませんでした")
    [post] = [m.body for m in messages("slack") if m.body.startswith("電話発信の障害の可能性")]
    assert f"予約ID: {first} の3店舗に1件もつながらず（応答なし6件）。インシデント #{incident.id}" in post


def test_every_shop_saying_no_is_all_declined_without_an_incident(monkeypatch, catalog):
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    deliver_due()
    assert open_operation(code, "all_shops_declined").reason == labels.REASONS["all_declined"]
    with session_scope() as db:
        assert db.scalars(select(Incident)).all() == []


def test_round_two_waits_the_set_interval_before_calling_a_shop_again(client, db, monkeypatch, catalog):
    answer_calls(monkeypatch, "no_answer")  # the default wait: 30 minutes after the shop's first call ended
    code = book(catalog["service_id"])
    deliver_due()
    assert [(rnd, outcome) for _, rnd, outcome in calls(code)] == [(1, "no_answer")] * 3 and state(code) == "calling"
    with session_scope() as db:
        due = db.scalar(select(Reservation.next_call_at).where(Reservation.code == code))
    assert timedelta(minutes=29) < due - utcnow() <= timedelta(minutes=30) and operations(code) == []
    shown = client.get(f"/api/reservations/reservations/{code}", headers=headers_for(db, "operator")).json()
    assert datetime.fromisoformat(shown["next_call_at"]) == due  # the reservation's page says when
    sweep(due - timedelta(seconds=1))
    assert len(calls(code)) == 3
    for called in (4, 5, 6):  # each shop again once its own wait is over, one sweep at a time
        sweep(due + timedelta(minutes=1))
        deliver_due()
        assert len(calls(code)) == called
    assert [rnd for _, rnd, _ in calls(code)] == [1, 1, 1, 2, 2, 2] and state(code) == "all_declined"
