"""予約 › 手動対応キュー: ordered by priority then target time; accept sends the payment link; cancel, note, assign and
resolve through the forms; a support user reads and adds notes but cannot act on operations; a new urgent operation is
announced; a notice that reached nobody is sent by e-mail."""

from datetime import timedelta

import pytest

from dashboards.labels import plain
from service.database import session_scope, utcnow
from service.identity import people
from service.reservations import lookups
from service.reservations.booking import booking
from service.reservations.models import ManualOperation, Note
from service.reservations.operations import operations
from service.reservations.state_machine import EventActor
from tests.dashboards.conftest import button, cell_colours, open_page, texts
from tests.dashboards.test_reservations_console import person
from tests.service.reservations.conftest import (  # noqa: F401  (catalog, sandbox: fixtures)
    TESTER,
    answer_calls,
    book,
    catalog,
    count,
    deliver_due,
    messages,
    sandbox,
    state,
)
from tests.support.clock import clock_at, japan_time

QUEUE = "app_pages/reservations/queue.py"
OPERATOR = EventActor("operator", "operatorさん")


def open_operation(code: str, op_type: str, *, minutes_ago: int) -> int:
    with session_scope() as db:
        reservation = lookups.get_by_code(db, code)
        now = utcnow() - timedelta(minutes=minutes_ago)
        return operations.create_operation(
            db, reservation=reservation, op_type=op_type, reason="テスト", actor=TESTER, now=now
        ).id


@pytest.fixture
def ambiguous(catalog, monkeypatch):  # noqa: F811
    """A reservation a shop answered ambiguously: pending_shop_response, with its ambiguous_answer operation."""
    answer_calls(monkeypatch, "ambiguous")
    code = book(catalog["service_id"])
    deliver_due()
    assert state(code) == "pending_shop_response"
    return code


def select_first(at):
    at.selectbox(key="reservations_queue_selected").select_index(0).run()
    assert not at.exception, at.exception
    return at


def test_the_queue_is_ordered_by_priority_then_target_time(catalog, db, open_app):  # noqa: F811
    with clock_at(japan_time(2026, 11, 18, 14, 0)):  # a Wednesday afternoon: the targets count the team's hours
        codes = [book(catalog["service_id"], days=5 + n) for n in range(4)]
        change = open_operation(codes[0], "change_request", minutes_ago=5)  # medium, due in 115 minutes
        declined_late = open_operation(codes[1], "all_shops_declined", minutes_ago=1)  # high, due in 59 minutes
        declined_early = open_operation(codes[2], "all_shops_declined", minutes_ago=50)  # high, due in 10 minutes
        sms = open_operation(codes[3], "sms_failed", minutes_ago=0)  # urgent, due in 30 minutes

        at = open_page(open_app, person(db, "operator"), QUEUE)

    table = at.dataframe[0].value
    assert table["ID"].tolist() == [sms, declined_early, declined_late, change]
    assert table["優先度"].tolist() == ["緊急", "高", "高", "中"]
    assert cell_colours(at.dataframe[0], "優先度") == ["red", "orange", "orange", "yellow"]
    assert cell_colours(at.dataframe[0], "状態") == ["red"] * 4


def test_accept_from_the_queue_marks_calling_success_and_sends_the_payment_link(ambiguous, db, open_app):
    at = select_first(open_page(open_app, person(db, "operator"), QUEUE))
    assert ambiguous in at.subheader[0].value and "提携店からの曖昧な回答" in at.subheader[0].value

    button(at, "予約OKにして決済リンクを送信").click().run()

    assert not at.exception, at.exception
    assert texts(at.success) == [f"{ambiguous} を「予約OK」にし、決済リンクを送信しました。"]
    assert state(ambiguous) == "calling_success"
    assert len(messages("payment_link", ambiguous)) == 1
    assert count(ManualOperation, ManualOperation.status != "resolved") == 0


def test_resume_calling_assign_and_resolve(ambiguous, db, open_app):
    operator = person(db, "operator")
    at = select_first(open_page(open_app, operator, QUEUE))
    button(at, "担当者を設定").click().run()
    assert texts(at.success) == ["担当者を「operatorさん」にしました。"]
    at = select_first(at)
    assert at.dataframe[0].value["担当者"].tolist() == ["operatorさん"]
    at.text_area(key=f"reservations_queue_resolve_{at.dataframe[0].value['ID'][0]}_0_body").input("店舗に確認済み")
    button(at, "対応済みにする").click().run()
    assert texts(at.success) == [f"{ambiguous} の手動対応を対応済みにしました。"]
    assert count(ManualOperation, ManualOperation.status == "resolved") == 1


def test_cancel_and_note_forms(ambiguous, db, open_app):
    at = select_first(open_page(open_app, person(db, "operator"), QUEUE))
    at.text_area(key=f"reservations_queue_note_{ambiguous}_0_body").input("店舗に折り返し依頼")
    button(at, "メモを追加").click().run()
    assert texts(at.success) == ["対応メモを追加しました。"]
    assert count(Note, Note.body == "店舗に折り返し依頼") == 1

    at = select_first(at)
    button(at, "キャンセルする").click().run()
    assert texts(at.error) == ["キャンセル理由を入力し、確認のチェックを入れてください。"]
    assert state(ambiguous) == "pending_shop_response"
    at.text_input(key=f"reservations_queue_cancel_reason_{ambiguous}").input("依頼者の希望")
    at.checkbox(key=f"reservations_queue_cancel_ok_{ambiguous}").check()
    button(at, "キャンセルする").click().run()
    assert texts(at.success) == [f"{ambiguous} をキャンセルしました。"]
    assert state(ambiguous) == "cancelled"


def test_the_operator_reads_supports_notes_by_name_where_the_case_is_resolved(ambiguous, db, open_app):
    """What support wrote the requester was told, on the reservation's notes, is shown on the operation with the name
    of who wrote it, each time it is opened."""
    support = people.actor(person(db, "support"))  # 「supportさん」, signed in as resv-support
    operator = person(db, "operator")
    for text in ("依頼者に折り返しを約束", "依頼者に日程変更を案内"):
        with session_scope() as session:
            reservation = lookups.get_by_code(session, ambiguous)
            operations.add_note(session, reservation=reservation, body=text, actor=support, now=utcnow())
        at = select_first(open_page(open_app, operator, QUEUE))
        written = [line for line in texts(at.markdown) if "依頼者に" in line]
        assert written[-1].endswith(f"supportさん: {text}") and "resv-support" not in "".join(written)
    assert len(written) == 2


def test_support_reads_and_notes_but_cannot_act(ambiguous, db, open_app):
    at = select_first(open_page(open_app, person(db, "support"), QUEUE))

    labels = [b.label for b in at.button]
    assert "メモを追加" in labels
    for action in (
        "予約OKにして決済リンクを送信",
        "次の提携店に電話代行を再開",
        "キャンセルする",
        "担当者を設定",
        "対応済みにする",
        "変更を保存",
    ):
        assert action not in labels
    button(at, "メモを追加")
    assert state(ambiguous) == "pending_shop_response"


def test_a_new_urgent_operation_is_announced_until_acknowledged(catalog, db, open_app):  # noqa: F811
    """What was waiting when the page opened is not news; an urgent operation opened since is (a toast, and a banner
    until 「確認しました」); a change request shows what the shop asked."""
    first, second = book(catalog["service_id"]), book(catalog["service_id"], days=6)
    open_operation(first, "change_request", minutes_ago=1)  # the operator's note of what the shop asked: its reason
    at = open_page(open_app, person(db, "operator"), QUEUE)
    assert texts(at.error) == [] and at.toast == []
    assert "この一覧は30秒ごとに自動で更新されます。" in texts(at.caption)
    at = select_first(at)
    assert any("**提携店からの依頼内容**: テスト" in text for text in texts(at.markdown))

    open_operation(second, "sms_failed", minutes_ago=0)
    at.run()  # the list's next refresh
    assert texts(at.error) == [f"新しい緊急の手動対応があります: {plain(second)}（SMS送信が全リトライ失敗）"]
    assert [toast.value for toast in at.toast] == [
        f"新しい緊急の手動対応: 緊急 {second} SMS送信が全リトライ失敗（未対応）"
    ]
    assert at.dataframe[0].value["予約ID"].tolist()[0] == second
    button(at, "確認しました").click().run()
    assert texts(at.error) == [] and at.toast == []


def test_a_notice_that_reached_nobody_is_sent_by_email_from_the_queue(catalog, db, open_app):  # noqa: F811
    code = book(catalog["service_id"], phone="+15005550009", email="")
    deliver_due()
    with session_scope() as session:
        booking.cancel(
            session,
            lookups.get_by_code(session, code),
            actor=OPERATOR,
            reason="依頼者の都合",
            refund=True,
            now=utcnow(),
        )
    deliver_due()  # the cancellation SMS reaches nobody: a low operation about a reservation already over
    at = select_first(open_page(open_app, person(db, "operator"), QUEUE))
    assert at.dataframe[0].value["優先度"].tolist() == ["低"]
    form = at.dataframe[0].value["ID"][0]
    at.text_input(key=f"reservations_queue_notice_{form}_email").input("yamada@example.jp")
    button(at, "メールで送信").click().run()
    assert texts(at.success) == [f"{code} の届かなかったお知らせをメールで送信しました。"]
    notices = [m.recipient for m in messages("email", code) if m.subject.startswith("【QRV】SMSでお届けできなかった")]
    assert notices == ["yamada@example.jp"]
