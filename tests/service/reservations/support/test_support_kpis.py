"""§7.3.1 support KPIs: an inquiry's question, status (未対応 → 対応中 → 解決済), resolution and satisfaction
(entered by support, or answered by the requester on the survey page a one-question SMS or mail links to);
初回応答時間, 解決時間 and 顧客満足度 as named figures, each agreeing with the inquiry list it opens and its CSV."""

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import session_scope
from service.outbox.models import OutboxMessage
from service.reservations import labels
from service.reservations.models import SupportInquiry
from service.reservations.support import surveys
from tests.service.reservations.conftest import book, headers_for

INQUIRIES = "/api/reservations/inquiries"
JAPAN = ZoneInfo("Asia/Tokyo")
WEDNESDAY = datetime(2026, 11, 25, 15, 0, tzinfo=JAPAN)  # the clock of the figures' tests: this week began Monday


@pytest.fixture
def support(db) -> dict:
    return headers_for(db, "support")


def at(hours_before: float) -> str:
    """A moment that many hours before the tests' Wednesday 15:00, as a form sends it (Japan time)."""
    return (WEDNESDAY - timedelta(hours=hours_before)).replace(tzinfo=None).isoformat()


def log(client, headers, received: str, **fields) -> dict:
    body = {"channel": "email", "requester_type": "requester", "requester": "山田太郎", "received_at": received}
    body |= {"question": "キャンセルの方法を知りたい", **fields}
    answer = client.post(INQUIRIES, json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def change(client, headers, inquiry_id: int, **fields):
    return client.patch(f"{INQUIRIES}/{inquiry_id}", json=fields, headers=headers)


def audit_of(inquiry_id: int) -> list[AuditEntry]:
    with session_scope() as db:
        return list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_type == "support_inquiry", AuditEntry.target_id == str(inquiry_id))
                .order_by(AuditEntry.seq)
            )
        )


def test_an_inquiry_goes_from_open_to_in_progress_to_resolved_and_back_audited(client, db, support):
    asked = log(client, support, at(5))
    assert (asked["status"], asked["status_label"], asked["question"]) == (
        "open",
        "未対応",
        "キャンセルの方法を知りたい",
    )
    answered = change(client, support, asked["id"], first_responded_at=at(4), answer="手順を案内しました").json()
    assert (answered["status_label"], answered["first_response_minutes"]) == ("対応中", 60.0)
    resolved = change(client, support, asked["id"], status="resolved").json()
    assert resolved["status_label"] == "解決済" and resolved["resolved_at"] is not None
    reopened = change(client, support, asked["id"], status="in_progress").json()
    assert (reopened["status"], reopened["resolved_at"], reopened["resolved_in_time"]) == ("in_progress", None, "")
    timed = change(client, support, asked["id"], resolved_at=at(1)).json()  # a resolution time alone resolves it
    assert (timed["status"], timed["resolution_hours"], timed["resolved_in_time"]) == ("resolved", 4.0, "はい")
    statuses = [entry.changes.get("status") for entry in audit_of(asked["id"])]
    assert statuses == [
        {"before": None, "after": "open"},  # created: the whole record
        {"before": "open", "after": "in_progress"},
        {"before": "in_progress", "after": "resolved"},
        {"before": "resolved", "after": "in_progress"},
        {"before": "in_progress", "after": "resolved"},
    ]


def test_what_an_inquiry_may_not_say_is_refused_in_words_and_nothing_changes(client, db, support):
    no_question = client.post(
        INQUIRIES,
        json={"channel": "phone", "requester_type": "shop", "requester": "提携店1", "received_at": at(3)},
        headers=support,
    )
    assert no_question.status_code == 422
    assert [detail["label"] for detail in no_question.json()["error"]["details"]] == ["問い合わせ内容"]
    asked = log(client, support, at(5))
    unanswered = change(client, support, asked["id"], status="resolved")
    assert unanswered.status_code == 422
    assert unanswered.json()["error"]["details"] == {"field": "first_responded_at", "rule": "responded_before_resolved"}
    change(client, support, asked["id"], first_responded_at=at(4))
    early = change(client, support, asked["id"], resolved_at=at(4.5))
    assert (early.status_code, early.json()["error"]["details"]["rule"]) == (422, "after_first_responded_at")
    for rating in (0, 6, "とても"):
        refused = change(client, support, asked["id"], satisfaction=rating)
        assert refused.status_code == 422 and refused.json()["error"]["details"][0]["label"] == "顧客満足度"
    assert client.get(INQUIRIES, headers=support).json()["items"][0]["status"] == "in_progress"
    assert client.post(INQUIRIES, json={}, headers=headers_for(db, "executive")).status_code == 403


def counted_rows(client, headers, figure: dict) -> tuple[int, list[dict]]:
    """The figure's list total and its CSV's rows, under the figure's own query."""
    query = figure["list_query"]
    total = client.get("/api" + figure["list_route"], params=query | {"page_size": 1}, headers=headers).json()["total"]
    exported = client.get("/api" + figure["export_route"], params=query, headers=headers)
    return total, list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))


@pytest.mark.dialect
def test_the_three_kpis_agree_with_their_lists_and_csv_and_follow_a_change(client, db):
    with time_machine.travel(WEDNESDAY, tick=False):
        support = headers_for(db, "support")  # signed in at the tests' Wednesday
        last_week = log(client, support, at(72 + 24), first_responded_at=at(72 + 23), satisfaction=1)
        change(client, support, last_week["id"], resolved_at=at(72 + 22))  # not this week: in no weekly figure
        quick = log(client, support, at(30), first_responded_at=at(29.5), answer="即答", satisfaction=5)
        change(client, support, quick["id"], resolved_at=at(29))
        slow = log(client, support, at(28), first_responded_at=at(26), satisfaction=3)
        change(client, support, slow["id"], resolved_at=at(1))  # 27 hours: late
        log(client, support, at(6), first_responded_at=at(5.75))
        log(client, support, at(2))  # waiting: in no figure

        figures = {f["key"]: f for f in client.get(f"{INQUIRIES}/figures", headers=support).json()["figures"]}
        first, in_time, satisfaction = (
            figures[key]
            for key in (
                "reservations.first_response_email",
                "reservations.resolved_in_time",
                "reservations.satisfaction",
            )
        )
        assert (first["value"], first["basis"], first["unit"]) == (30.0, 3, "minutes")  # 30, 120, 15 minutes
        assert first["period_label"] == "2026/11/23〜2026/11/25（今日まで）"
        assert (in_time["value"], in_time["basis"], in_time["unit"]) == (0.5, 2, "percent")
        assert (satisfaction["value"], satisfaction["basis"]) == (3.0, 3)  # the quarter: 1, 5 and 3
        assert satisfaction["period_label"] == "2026/10/01〜2026/11/25（今日まで）"
        for figure, column in (
            (first, "初回応答時間（分）"),
            (in_time, "24時間以内に解決"),
            (satisfaction, "顧客満足度"),
        ):
            total, rows = counted_rows(client, support, figure)
            assert total == len(rows) == figure["basis"]
            cells = sorted(row[column] for row in rows)
            assert (
                cells
                == {
                    "reservations.first_response_email": ["120.0", "15.0", "30.0"],
                    "reservations.resolved_in_time": ["いいえ", "はい"],
                    "reservations.satisfaction": ["1", "3", "5"],
                }[figure["key"]]
            )

        change(client, support, slow["id"], resolved_at=at(5))  # 23 hours after it arrived: in time after all
        again = {f["key"]: f for f in client.get(f"{INQUIRIES}/figures", headers=support).json()["figures"]}
        assert again["reservations.resolved_in_time"]["value"] == 1.0
        assert again["reservations.resolved_in_time"]["as_of_label"] == "2026/11/25 15:00 時点"


@pytest.mark.dialect
def test_first_response_is_the_spreadsheets_median_per_channel_against_its_own_target(client, db):
    """The issue's week: phone calls answered at once (0, 0 minutes), e-mails after 90 and 210 minutes. Over all four
    the spreadsheet's MEDIAN is 45, but each channel has its own target: e-mail's median is 150 minutes and half met
    2時間; the phone's 0 and all met 即時. Each figure's list and CSV hold its channel's rows only."""
    with time_machine.travel(WEDNESDAY, tick=False):
        support = headers_for(db, "support")
        for hours, minutes, channel in ((10, 0, "phone"), (9, 90, "email"), (8, 0, "phone"), (7, 210, "email")):
            log(client, support, at(hours), channel=channel, first_responded_at=at(hours - minutes / 60))
        figures = {f["key"]: f for f in client.get(f"{INQUIRIES}/figures", headers=support).json()["figures"]}
        expected = {
            "reservations.first_response_email": (150.0, 2, ["210.0", "90.0"]),
            "reservations.first_response_met_email": (0.5, 2, ["いいえ", "はい"]),
            "reservations.first_response_phone": (0.0, 2, ["0.0", "0.0"]),
            "reservations.first_response_met_phone": (1.0, 2, ["はい", "はい"]),
        }
        for key, (value, basis, cells) in expected.items():
            figure = figures[key]
            assert (figure["value"], figure["basis"]) == (value, basis), key
            total, rows = counted_rows(client, support, figure)
            assert total == len(rows) == basis
            assert sorted(row[figure["median_of"] or figure["share_of"]] for row in rows) == cells
        assert figures["reservations.first_response_email"]["label"] == "初回応答時間（Email）"
        assert "目標: 2時間以内" in figures["reservations.first_response_email"]["counts"]
        assert figures["reservations.first_response_met_phone"]["list_query"]["channel"] == "phone"

        log(client, support, at(6), channel="email", first_responded_at=at(5.5))  # 30 minutes: e-mail's are 3
        again = {f["key"]: f for f in client.get(f"{INQUIRIES}/figures", headers=support).json()["figures"]}
        assert again["reservations.first_response_email"]["value"] == 90.0
        assert again["reservations.first_response_met_email"]["value"] == round(2 / 3, 4)


@pytest.mark.dialect
def test_resolution_counts_wall_clock_hours_as_the_card_says_and_lists_business_hours_beside_them(client, db):
    """Tuesday 13:30 to Wednesday 15:00 is 25.5 hours on the clock (late against 24時間) and 10.5 team hours."""
    with time_machine.travel(WEDNESDAY, tick=False):
        support = headers_for(db, "support")
        overnight = log(client, support, at(25.5), first_responded_at=at(25))
        resolved = change(client, support, overnight["id"], resolved_at=at(0)).json()
        assert (resolved["resolution_hours"], resolved["resolution_business_hours"]) == (25.5, 10.5)
        assert resolved["resolved_in_time"] == "いいえ"
        figure = next(
            f
            for f in client.get(f"{INQUIRIES}/figures", headers=support).json()["figures"]
            if f["key"] == "reservations.resolved_in_time"
        )
        assert (figure["value"], figure["basis"]) == (0.0, 1)
        assert "経過時間" in figure["label"] and "夜間・休日も数える経過時間" in figure["counts"]
        _, rows = counted_rows(client, support, figure)
        assert (rows[0]["解決時間（経過・時間）"], rows[0]["解決時間（営業時間・時間）"]) == ("25.5", "10.5")


def survey_link(message: OutboxMessage) -> tuple[str, str]:
    """The survey page's path and token from the SMS (a link built with links.api_page)."""
    url = re.search(r"https?://\S+", message.body).group(0)
    path, _, query = url.partition("?")
    return path[path.index("/api/") :], query.removeprefix("token=")


def survey_messages(inquiry_id: int) -> list[OutboxMessage]:
    with session_scope() as db:
        return list(
            db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.ref_type == surveys.REF_TYPE, OutboxMessage.ref_id == str(inquiry_id))
                .order_by(OutboxMessage.id)
            )
        )


@pytest.mark.dialect
def test_the_requester_answers_the_one_question_survey_once_on_the_page_its_sms_links_to(client, db, support, catalog):
    code = book(catalog["service_id"], phone="090-2222-3333")
    asked = log(client, support, at(5), reservation_code=code, first_responded_at=at(4))
    send = f"{INQUIRIES}/{asked['id']}/survey"
    not_yet = client.post(send, json={"channel": "sms"}, headers=support)
    assert (not_yet.status_code, not_yet.json()["error"]["code"]) == (409, "inquiry_not_resolved")
    change(client, support, asked["id"], status="resolved")
    sent = client.post(send, json={"channel": "sms"}, headers=support)
    assert sent.status_code == 200 and sent.json()["survey_sent_at"]
    [message] = survey_messages(asked["id"])
    assert message.recipient == "+819022223333"  # the reservation's requester: the inquiry has no contact of its own
    assert message.body.startswith("【QRV】お問い合わせへの対応の満足度を5段階で")
    path, token = survey_link(message)
    assert path == f"/api/reservations/survey/{asked['id']}" and token == surveys.survey_token(asked["id"])

    page = client.get(path, params={"token": token})
    assert page.status_code == 200 and "<script" not in page.text
    assert labels.SURVEY_QUESTION in page.text and page.text.count('type="radio"') == 5
    other = log(client, support, at(3))
    assert client.get(path, params={"token": surveys.survey_token(other["id"])}).status_code == 403
    assert client.post(path, data={"token": token, "rating": "7"}).status_code == 422

    answered = client.post(path, data={"token": token, "rating": "4"})
    assert answered.status_code == 200 and labels.SURVEY_THANKS in answered.text
    again = client.post(path, data={"token": token, "rating": "1"})
    assert again.status_code == 409 and labels.SURVEY_ANSWERED in again.text
    assert labels.SURVEY_ANSWERED in client.get(path, params={"token": token}).text
    rated = client.get(INQUIRIES, params={"rated": "true"}, headers=support).json()["items"]
    assert [(i["satisfaction"], i["satisfaction_source_label"]) for i in rated] == [(4, "依頼者が回答")]
    entry = audit_of(asked["id"])[-1]
    assert (entry.action, entry.actor_type, entry.actor_label) == (
        "answer_inquiry_survey",
        "anonymous",
        "依頼者（アンケート）",
    )
    assert entry.changes["satisfaction"] == {"before": None, "after": 4}
    recorded = client.post(send, json={"channel": "sms"}, headers=support)
    assert (recorded.status_code, recorded.json()["error"]["code"]) == (409, "satisfaction_recorded")


def test_a_survey_needs_an_address_and_closes_after_its_days(client, db, support):
    asked = log(client, support, at(5), first_responded_at=at(4), resolved_at=at(3))
    send = f"{INQUIRIES}/{asked['id']}/survey"
    nowhere = client.post(send, json={"channel": "email"}, headers=support)
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (409, "survey_no_recipient")
    assert "連絡先メールアドレス" in nowhere.json()["error"]["message"]
    change(client, support, asked["id"], contact_email="yamada@example.jp")
    assert client.post(send, json={"channel": "email"}, headers=support).status_code == 200
    [mail] = survey_messages(asked["id"])
    assert mail.recipient == "yamada@example.jp" and mail.subject == labels.EMAIL_SURVEY_SUBJECT
    with session_scope() as session:
        session.get_one(SupportInquiry, asked["id"]).survey_sent_at -= timedelta(days=surveys.SURVEY_DAYS, minutes=1)
    path = f"/api/reservations/survey/{asked['id']}"
    token = surveys.survey_token(asked["id"])
    closed = client.post(path, data={"token": token, "rating": "5"})
    assert closed.status_code == 409 and "回答期限" in closed.text
    assert client.get(INQUIRIES, params={"rated": "true"}, headers=support).json()["total"] == 0
    executive = headers_for(db, "executive")
    assert client.post(send, json={"channel": "email"}, headers=executive).status_code == 403
