"""A shop's automated calls across requests (issue 82): its budget per hour and per day, its hours and 定休日, its
自動電話停止 (an operator's note or a key pressed in the call), each decision with its reason, and a request no shop can
take now going to 手動対応キュー (`shops_unavailable`), not 全店NG, its requester told when they will hear back. The
clock stands still at chosen moments (Japan time) so the hours and windows are exact: past ones, so that what the
sandbox provider records here is older than any later test's start (test_holds.py reads the log from its start)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from service.errors import ValidationFailed
from service.reservations import labels, page_state
from service.reservations import messages as wording
from service.reservations.booking import booking
from service.reservations.booking.schemas import ReservationCreate
from service.reservations.models import CallDecision, ManualOperation, Reservation, Shop
from service.reservations.shops import calls as shop_calls
from tests.service.reservations.conftest import (
    AI,
    VOICE_SECRET,
    answer_calls,
    deliver_due,
    headers_for,
    make_service,
    make_shop,
    messages,
    state,
)
from tests.service.reservations.test_workflow import calls, sweep
from tests.support.clock import japan_time
from tests.support.signatures import signed_voice_event

pytestmark = pytest.mark.dialect

TUESDAY = japan_time(2026, 1, 13, 11)  # the week after 成人の日 (Monday 12 January 2026)
THURSDAY_AFTERNOON = japan_time(2026, 1, 15, 14)


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    with time_machine.travel(moment.astimezone(UTC), tick=False):
        yield moment


def budget(monkeypatch, *, hour: int = 1000, day: int = 1000, wait: int = 60) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "reservations_shop_calls_per_hour", hour)
    monkeypatch.setattr(settings, "reservations_shop_calls_per_day", day)
    monkeypatch.setattr(settings, "reservations_shop_wait_max_minutes", wait)


@pytest.fixture
def shops(db):
    """Three shops open 10:00–19:00 and closed on Wednesdays and public holidays; committed."""
    service = make_service(db, duration=60)
    made = [make_shop(db, f"提携店{n}", [service], order=n) for n in (1, 2, 3)]
    for shop in made:
        shop.opens_at, shop.closes_at, shop.closed_days = time(10), time(19), "水祝"
    db.commit()
    return {"service_id": service.id, "shop_ids": [shop.id for shop in made]}


def book_for(service_id: int, desired_at: datetime = THURSDAY_AFTERNOON, phone: str = "090-1234-5678") -> str:
    data = ReservationCreate(
        service_type_id=service_id,
        requester_name="山田太郎",
        requester_phone=phone,
        requester_email="guest@example.jp",
        desired_at=desired_at,
        details="",
    )
    with session_scope() as db:
        return booking.create_reservation(db, data=data, client=None, actor=AI, now=utcnow()).code


def decisions(code: str) -> list[tuple[str | None, str, str]]:
    """(shop name or None, decision, reason) in order."""
    with session_scope() as db:
        rows = db.execute(
            select(Shop.name, CallDecision.decision, CallDecision.reason)
            .join(Reservation, Reservation.id == CallDecision.reservation_id)
            .outerjoin(Shop, Shop.id == CallDecision.shop_id)
            .where(Reservation.code == code)
            .order_by(CallDecision.id)
        ).all()
    return [tuple(row) for row in rows]


def next_call_at(code: str) -> datetime | None:
    with session_scope() as db:
        return db.scalar(select(Reservation.next_call_at).where(Reservation.code == code))


def queued(code: str) -> list[ManualOperation]:
    with session_scope() as db:
        return list(
            db.scalars(
                select(ManualOperation)
                .join(Reservation, Reservation.id == ManualOperation.reservation_id)
                .where(Reservation.code == code, ManualOperation.op_type == "shops_unavailable")
            )
        )


def declined_by_every_shop(service_id: int, times: int) -> list[str]:
    codes = [book_for(service_id, phone=f"090-1111-{n:04d}") for n in range(times)]
    deliver_due()
    assert {state(code) for code in codes} == {"all_declined"}
    return codes


def test_a_shop_at_its_hourly_budget_is_passed_over_and_the_request_waits_for_the_first_to_free(
    client, monkeypatch, shops
):
    budget(monkeypatch, hour=2)
    answer_calls(monkeypatch, "decline")
    with at(TUESDAY):
        declined_by_every_shop(shops["service_id"], 2)  # every shop called twice in this hour
        code = book_for(shops["service_id"])
        assert calls(code) == [] and state(code) == "calling"
        waiting = [
            ("提携店1", "skipped", "hour_budget"),
            ("提携店2", "skipped", "hour_budget"),
            ("提携店3", "skipped", "hour_budget"),
            (None, "waits", "hour_budget"),
        ]
        assert decisions(code) == waiting
        assert next_call_at(code) == TUESDAY + timedelta(hours=1) and queued(code) == []
    with at(TUESDAY + timedelta(minutes=30)), session_scope() as db:  # checked again while nothing has changed
        shop_calls.place_next_call(db, db.scalar(select(Reservation).where(Reservation.code == code)), now=utcnow())
    assert decisions(code) == waiting  # nothing written again
    with at(TUESDAY + timedelta(minutes=59)):
        sweep(utcnow())
        assert calls(code) == []
    with at(TUESDAY + timedelta(hours=1)):
        sweep(utcnow())
        deliver_due()
        assert [shop for shop, _, _ in calls(code)] == ["提携店1", "提携店2", "提携店3"]
        assert state(code) == "all_declined"


def test_a_request_whose_shops_are_all_out_of_their_day_is_queued_not_all_declined_and_told_when(
    client, db, monkeypatch, shops
):
    budget(monkeypatch, day=2)
    answer_calls(monkeypatch, "decline")
    with at(TUESDAY):
        declined_by_every_shop(shops["service_id"], 2)
        code = book_for(shops["service_id"], phone="090-2222-3333")
        deliver_due()
        assert state(code) == "calling" and calls(code) == []
        [operation] = queued(code)
        assert operation.priority == "high" and operation.status == "open"
        assert operation.reason == labels.SHOPS_UNAVAILABLE.format(
            shops="、".join(f"提携店{n}（{labels.CALL_DECISION_REASONS['day_budget']}）" for n in (1, 2, 3))
        )
        assert decisions(code)[-1] == (None, "queued", "no_shop_callable")
        told = [m.body for m in messages("sms", code) if "担当者が確認し" in m.body]
        assert told == [labels.SMS_SHOPS_UNAVAILABLE.format(code=code, when=wording.when_text(operation.due_at))]
        assert next_call_at(code) == japan_time(2026, 1, 15, 10)  # Wednesday is closed: Thursday's opening
        operator = headers_for(db, "operator")
        shown = client.get("/api/reservations/manual-operations", headers=operator).json()
        assert "shops_unavailable" in [item["op_type"] for item in shown["items"]]
        budgets = {
            name: (row["calls_per_hour"], row["calls_per_day"], row["calls_left_today"])
            for name, row in figures_of(client, operator).items()
        }
        assert budgets == {f"提携店{n}": (1000, 2, 0) for n in (1, 2, 3)}  # the day's budget spent: the hold's reason
    with at(TUESDAY + timedelta(hours=3)):
        sweep(utcnow())  # the same reasons again: one operation, one SMS
        sweep(utcnow())
        assert len(queued(code)) == 1 and len([m for m in messages("sms", code) if "担当者" in m.body]) == 1
    answer_calls(monkeypatch, "accept")
    with at(japan_time(2026, 1, 15, 10)):
        sweep(utcnow())
        deliver_due()
        assert calls(code) == [("提携店1", 1, "accept")] and state(code) == "awaiting_payment"
        assert [o.status for o in queued(code)] == ["resolved"]


def test_no_call_rings_outside_the_shops_hours_or_on_their_closed_days(client, monkeypatch, shops):
    budget(monkeypatch)
    early = japan_time(2026, 1, 13, 9, 30)
    with at(early):
        code = book_for(shops["service_id"])
        assert calls(code) == [] and next_call_at(code) == japan_time(2026, 1, 13, 10)  # waits: within the hour
        assert decisions(code)[-1] == (None, "waits", "closed")
    with at(japan_time(2026, 1, 13, 10)):
        sweep(utcnow())
        assert [shop for shop, _, _ in calls(code)] == ["提携店1"]
    evening = japan_time(2026, 1, 13, 19)
    with at(evening):
        late = book_for(shops["service_id"], phone="090-4444-5555")
        assert calls(late) == [] and queued(late) == []  # the shops open before its time: it waits for them
        assert next_call_at(late) == japan_time(2026, 1, 15, 10)  # not on Wednesday, the shops' closed day


SUNDAY_EVENING = japan_time(2026, 1, 18, 20)
MONDAY_OPENING = japan_time(2026, 1, 19, 10)


def paged_for(code: str) -> list[str]:
    """The operations opened on the booking that page the on-call person at once (page_state.PAGED_PRIORITIES)."""
    with session_scope() as db:
        return list(
            db.scalars(
                select(ManualOperation.op_type)
                .join(Reservation, Reservation.id == ManualOperation.reservation_id)
                .where(Reservation.code == code, ManualOperation.priority.in_(page_state.PAGED_PRIORITIES))
            )
        )


def test_a_booking_made_when_its_shops_are_closed_waits_for_their_opening_not_the_on_call_person(
    client, monkeypatch, shops
):
    """Issue 89: a Thursday booking made on Sunday evening is called when the shops open on Monday; nobody is paged."""
    budget(monkeypatch)
    with at(SUNDAY_EVENING):
        code = book_for(shops["service_id"], desired_at=japan_time(2026, 1, 22, 14))
        deliver_due()
        assert calls(code) == [] and state(code) == "calling"
        assert decisions(code)[-1] == (None, "waits", "closed") and next_call_at(code) == MONDAY_OPENING
        assert paged_for(code) == []
        told = [m.body for m in messages("sms", code)]
        assert len(told) == 1 and "担当者" not in told[0]  # the booking's SMS alone
    with at(japan_time(2026, 1, 19, 9, 59)):
        sweep(utcnow())
        sweep(utcnow())
        assert calls(code) == [] and decisions(code)[-1] == (None, "waits", "closed")
    with at(MONDAY_OPENING):
        sweep(utcnow())
        deliver_due()
        assert calls(code) == [("提携店1", 1, "accept")] and state(code) == "awaiting_payment"
    assert paged_for(code) == []


def test_a_booking_its_shops_open_only_at_its_time_goes_to_a_person(client, monkeypatch, shops):
    """Its date does not allow waiting: the shops' next opening is the booking's own time."""
    budget(monkeypatch)
    with at(SUNDAY_EVENING):
        code = book_for(shops["service_id"], desired_at=MONDAY_OPENING)
        assert [o.op_type for o in queued(code)] == ["shops_unavailable"]
        assert decisions(code)[-1] == (None, "queued", "no_shop_callable")
        assert paged_for(code) == ["shops_unavailable"]


def test_a_request_whose_shops_free_only_after_its_time_is_queued_for_good(client, monkeypatch, shops):
    budget(monkeypatch, day=1)
    answer_calls(monkeypatch, "decline")
    thursday_opening = japan_time(2026, 1, 15, 10)  # the shops' next day (Wednesday is closed): their budget frees then
    with at(TUESDAY):
        book_for(shops["service_id"], phone="090-5555-0001")
        deliver_due()
        code = book_for(shops["service_id"], desired_at=thursday_opening)
        assert [o.op_type for o in queued(code)] == ["shops_unavailable"] and next_call_at(code) is None


def test_a_desired_time_on_the_shops_closed_day_or_a_holiday_is_refused_as_their_closed_day(shops):
    """Never as 営業時間外 with the hours it is inside of: the 定休日 as the shops keep them, and the nearest open day
    (of two as near, the later)."""
    with at(japan_time(2026, 1, 5, 11)):
        refusals = {}
        for closed in (japan_time(2026, 1, 14, 14), japan_time(2026, 1, 12, 14)):  # Wednesday; 成人の日
            with pytest.raises(ValidationFailed) as refused:
                book_for(shops["service_id"], desired_at=closed)
            refusals[closed.day] = refused.value
    wednesday, holiday = refusals[14], refusals[12]
    assert wednesday.message == (
        "ご希望の日（2026年1月14日（水））は提携店の定休日（水・祝）です。"
        "最も近い営業日は2026年1月15日（木）10:00〜19:00です。この日の営業時間内の日時を指定してください"
    )
    assert holiday.message.startswith("ご希望の日（2026年1月12日（月）、成人の日）は提携店の定休日（水・祝）です。")
    assert "最も近い営業日は2026年1月13日（火）10:00〜19:00です" in holiday.message
    for refusal in (wednesday, holiday):
        assert refusal.details["rule"] == "closed_day" and "営業時間外" not in refusal.message
        assert refusal.details["closed_days"] == {f"提携店{n}": "水・祝" for n in (1, 2, 3)}
    assert wednesday.details["nearest_open_day"] == {
        "date": "2026-01-15",
        "text": "2026年1月15日（木）10:00〜19:00",
        "hours": ["10:00〜19:00"],
    }


def test_a_stopped_shop_is_skipped_until_an_operator_lifts_it_each_audited(client, db, monkeypatch, shops):
    budget(monkeypatch)
    operator = headers_for(db, "operator")
    first = shops["shop_ids"][0]
    empty = client.post(f"/api/reservations/shops/{first}/auto-calls/stop", json={"reason": ""}, headers=operator)
    assert empty.status_code == 422
    stopped = client.post(
        f"/api/reservations/shops/{first}/auto-calls/stop", json={"reason": "店長から電話で依頼"}, headers=operator
    )
    assert stopped.status_code == 200 and stopped.json()["auto_calls_stopped_reason"] == "店長から電話で依頼"
    again = client.post(f"/api/reservations/shops/{first}/auto-calls/stop", json={"reason": "再度"}, headers=operator)
    assert again.json()["auto_calls_stopped_reason"] == "店長から電話で依頼"
    with at(TUESDAY):
        code = book_for(shops["service_id"])
        deliver_due()
        assert calls(code) == [("提携店2", 1, "accept")]
        assert decisions(code)[:2] == [("提携店1", "skipped", "auto_calls_stopped"), ("提携店2", "called", "round_1")]
    lifted = client.post(f"/api/reservations/shops/{first}/auto-calls/lift", headers=operator)
    assert lifted.status_code == 200 and lifted.json()["auto_calls_stopped_at"] is None
    twice = client.post(f"/api/reservations/shops/{first}/auto-calls/lift", headers=operator)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "auto_calls_not_stopped"
    support = client.post(f"/api/reservations/shops/{first}/auto-calls/lift", headers=headers_for(db, "support"))
    assert support.status_code == 403
    with session_scope() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == str(first)).order_by(AuditEntry.id)
        ).all()
    assert actions == ["stop_auto_calls", "lift_auto_calls"]
    with at(TUESDAY + timedelta(minutes=5)):
        code = book_for(shops["service_id"], phone="090-7777-8888")
        deliver_due()
        assert calls(code) == [("提携店1", 1, "accept")]


def test_every_shop_stopped_goes_to_people_not_to_all_declined(client, db, monkeypatch, shops):
    budget(monkeypatch)
    with session_scope() as session:
        for shop in session.scalars(select(Shop)):
            shop.auto_calls_stopped_at = utcnow()
    with at(TUESDAY):
        code = book_for(shops["service_id"])
        assert state(code) == "calling" and calls(code) == [] and next_call_at(code) is None
        [operation] = queued(code)
        assert labels.CALL_DECISION_REASONS["auto_calls_stopped"] in operation.reason


@pytest.mark.usefixtures("http_voice_api")
class TestKeyPress:
    def test_the_stop_key_pressed_in_a_call_stops_the_shops_automated_calls(self, client, db, monkeypatch, shops):
        budget(monkeypatch)
        with at(TUESDAY):
            code = book_for(shops["service_id"])
            deliver_due(channel="voice")
            event = {
                "id": "ev-stop",
                "type": "call.completed",
                "call_id": "call-1",
                "outcome": None,
                "status": "completed",
                "digits": labels.STOP_KEY,
                "transcript": "申し訳ありませんが、お受けできません",
            }
            body, headers = signed_voice_event(event, secret=VOICE_SECRET)
            assert client.post("/api/webhooks/voice", content=body, headers=headers).status_code == 200
            assert [(shop, outcome) for shop, _, outcome in calls(code)] == [("提携店1", "decline"), ("提携店2", None)]
        with session_scope() as session:
            shop = session.get_one(Shop, shops["shop_ids"][0])
            assert shop.auto_calls_stopped_reason == labels.AUTO_CALLS_STOPPED_BY_KEY
            assert session.scalar(select(AuditEntry.action).where(AuditEntry.target_id == str(shop.id))) == (
                "stop_auto_calls"
            )
        assert labels.STOP_KEY in labels.CALL_SCRIPT


def figures_of(client, headers) -> dict[str, dict]:
    """Shop name -> its row, each period's figures by key."""
    rows = client.get("/api/reservations/shops/call-figures", headers=headers).json()
    return {
        row["shop_name"]: row | {period: {f["key"]: f for f in row[period]} for period in ("today", "month")}
        for row in rows
    }


def test_each_shop_shows_its_calls_today_and_this_month_each_the_total_of_its_list(client, db, monkeypatch, shops):
    budget(monkeypatch)
    monkeypatch.setattr(get_settings(), "reservations_round_two_wait_minutes", 0)
    monkeypatch.setattr(get_settings(), "reservations_shop_no_answer_min_calls", 3)
    answer_calls(monkeypatch, "decline")
    with at(japan_time(2026, 1, 9, 11)):  # the Friday before: this month, not today
        book_for(shops["service_id"], phone="090-1000-0001")
        deliver_due()
    answer_calls(monkeypatch, "no_answer")
    with at(TUESDAY):
        code = book_for(shops["service_id"], phone="090-1000-0002")
        for _ in range(3):
            deliver_due()
            sweep(utcnow())
        assert state(code) == "all_declined" and len(calls(code)) == 6
        support = headers_for(db, "support")  # signed in at the moment the clock shows
        shown = figures_of(client, support)
        lists = {
            figure["key"] + period: client.get(
                "/api" + figure["list_route"], params=figure["list_query"], headers=support
            ).json()["total"]
            for period in ("today", "month")
            for figure in shown["提携店1"][period].values()
        }
        bad = client.get("/api/reservations/calls", params={"result": "maybe"}, headers=support)
        assert bad.status_code == 422
        executive = client.get("/api/reservations/shops/call-figures", headers=headers_for(db, "executive"))
        assert executive.status_code == 403
    first = shown["提携店1"]
    values = {period: {key: f["value"] for key, f in first[period].items()} for period in ("today", "month")}
    assert values == {
        "today": {
            "reservations.shop_calls": 2,
            "reservations.shop_answered": 0,
            "reservations.shop_declined": 0,
            "reservations.shop_no_answer": 2,
        },
        "month": {
            "reservations.shop_calls": 3,
            "reservations.shop_answered": 1,
            "reservations.shop_declined": 1,
            "reservations.shop_no_answer": 2,
        },
    }
    assert first["today"]["reservations.shop_calls"]["period_label"] == "2026/01/13（今日）"
    assert first["month"]["reservations.shop_calls"]["period_label"] == "2026/01/01〜2026/01/13（今日まで）"
    assert lists == {key + period: values[period][key] for period in ("today", "month") for key in values[period]}
    assert first["no_answer_flagged"] is True and not first["auto_calls_stopped"]
    assert (first["calls_per_day"], first["calls_left_today"]) == (1000, 1000 - 2)  # today's calls off the budget
    posts = [m.body for m in messages("slack") if "応答なしが増えています" in m.body]
    assert sorted(posts) == sorted(
        labels.SLACK_SHOP_NO_ANSWER.format(shop=f"提携店{n}", month="2026年1月", no_answer=2, calls=3, rate=200 / 3)
        for n in (1, 2, 3)
    )
    with at(TUESDAY + timedelta(minutes=30)):  # more unanswered calls: no second post this month
        book_for(shops["service_id"], phone="090-1000-0003")
        for _ in range(3):
            deliver_due()
            sweep(utcnow())
    assert len([m for m in messages("slack") if "応答なしが増えています" in m.body]) == 3
