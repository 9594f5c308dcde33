"""Booking quotas (quotas.py) and the SMS cap per phone number (outbox delivery), against SMS pumping: an MCP client
past its quota is told, structured and in Japanese, how long to wait, and #qrv-alerts hears of it once per window; an
SMS past its number's daily cap is not sent, and the operators read why. Through the official SDK client against the
API served by uvicorn; the outbox delivered in-process (the worker's path: tests/jobs/test_booking_quotas.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from service.config import get_settings
from service.database import get_sessionmaker, session_scope, utcnow
from service.outbox.models import OutboxMessage
from service.reservations import lookups
from service.reservations.booking import quotas as booking_quotas
from service.reservations.models import ManualOperation, McpRequest, Notification, Reservation
from tests.service.reservations.booking.test_mcp import booking_args, connect
from tests.service.reservations.booking.test_mcp import error_of as refusal
from tests.service.reservations.conftest import book, count, deliver_due, make_mcp_client, messages
from tests.support.clock import clock_at, japan_time
from tests.support.sandbox_log import read_sandbox_log

TEN_AM = japan_time(2027, 3, 1, 10, 0)  # a minute's first second: the test's calls all fall in it


@pytest.fixture
def quotas(monkeypatch):
    """Two bookings per minute, three per day."""
    settings = get_settings()
    monkeypatch.setattr(settings, "reservations_client_bookings_per_minute", 2)
    monkeypatch.setattr(settings, "reservations_client_bookings_per_day", 3)
    return settings


def requester(catalog, n: int, **overrides) -> dict:
    """Booking n: another requester each time, so none repeats another."""
    return booking_args(catalog, requester_name=f"依頼者{n}", requester_phone=f"090-0000-{n:04d}") | overrides


def quota_alerts() -> list[str]:
    with session_scope() as db:
        return list(db.scalars(select(Notification.message).where(Notification.kind == "client_quota")))


@pytest.mark.dialect
async def test_a_client_past_its_minute_quota_is_told_how_long_to_wait_and_operators_hear_once(
    live_api, catalog, quotas
):
    key = make_mcp_client("pumping-chat")[1]
    with clock_at(TEN_AM):
        first_booking = requester(catalog, 1, idempotency_key="chat-7-booking-1")
        async with connect(live_api, key) as mcp:
            made = [await mcp.call_tool("create_reservation", first_booking)]
            made.append(await mcp.call_tool("create_reservation", requester(catalog, 2)))
            refused = [refusal(await mcp.call_tool("create_reservation", requester(catalog, n))) for n in (3, 4)]
            repeat = await mcp.call_tool("create_reservation", first_booking)
        with clock_at(TEN_AM + timedelta(minutes=1)):
            async with connect(live_api, key) as mcp:
                next_minute = await mcp.call_tool("create_reservation", requester(catalog, 3))
                past_the_day = refusal(await mcp.call_tool("create_reservation", requester(catalog, 5)))

    assert not any(result.is_error for result in made) and not next_minute.is_error
    first = refused[0]
    assert first["code"] == "booking_quota_exceeded" and first["message"].startswith(
        "しばらくしてから再度ご依頼ください"
    )
    assert first["details"]["window"] == "minute" and first["details"]["limit"] == 2
    assert 0 < first["details"]["retry_after_seconds"] <= 60
    assert f"あと{first['details']['retry_after_seconds']}秒" in first["message"]
    assert refused[1]["code"] == "booking_quota_exceeded"
    assert repeat.structured_content["repeat"] is True  # a booking already made is answered, never counted
    assert past_the_day["details"]["window"] == "day" and past_the_day["details"]["limit"] == 3
    assert 13 * 3600 < past_the_day["details"]["retry_after_seconds"] <= 14 * 3600  # until midnight, Japan time
    with session_scope() as db:
        assert db.scalar(select(Reservation.id).where(Reservation.requester_name == "依頼者4")) is None
    assert count(Reservation) == 3
    alerts = quota_alerts()  # the minute's, once for its two refusals, and the day's (in either order)
    assert len(alerts) == 2 and all("「pumping-chat」" in alert for alert in alerts)
    assert sorted("1分あたり2件" in alert for alert in alerts) == [False, True]
    assert sorted("1日あたり3件" in alert for alert in alerts) == [False, True]
    assert len(messages("slack")) == 2


def sms_to(phone: str) -> list[OutboxMessage]:
    return [m for m in messages("sms") if m.recipient == phone]


def sandbox_sms_to(phone: str) -> int:
    """SMS the sandbox provider sent to the number (its log lives as long as the run's data folder)."""
    return len([line for line in read_sandbox_log(get_settings(), "sms") if line["recipient"] == phone])


@pytest.mark.dialect
def test_sms_past_a_numbers_daily_cap_are_not_sent_and_operators_read_why(db, catalog, monkeypatch):
    monkeypatch.setattr(get_settings(), "sms_per_phone_per_day", 2)
    phone = "+819011112222"
    sent_before = sandbox_sms_to(phone)
    for n in (1, 2, 3):
        book(catalog["service_id"], phone="090-1111-2222", email="", name=f"依頼者{n}")
    deliver_due(channel="sms")  # whichever comes third is the one over the cap
    states = sorted((m.status, (m.payload or {}).get("failure") or "") for m in sms_to(phone))
    assert states == [("failed", "daily_cap"), ("sent", ""), ("sent", "")]
    assert sandbox_sms_to(phone) - sent_before == 2
    [capped] = [m for m in sms_to(phone) if m.status == "failed"]
    with session_scope() as session:
        reason = session.scalar(
            select(ManualOperation.reason).where(
                ManualOperation.reservation_id == int(capped.ref_id or 0), ManualOperation.op_type == "sms_failed"
            )
        )
    assert reason.endswith("同じ電話番号へのSMSが1日の上限に達したため送信していません")

    tomorrow = utcnow() + timedelta(days=1)
    book(catalog["service_id"], phone="090-1111-2222", email="", name="依頼者4")
    deliver_due(channel="sms", now=tomorrow)
    assert [m.status for m in sms_to(phone)][-1] == "sent"
    assert sandbox_sms_to(phone) - sent_before == 3


def request_row(db, client_id: int, key: str) -> None:
    """A booking's first write, as retries.once makes it: its row references the client (PostgreSQL then holds a
    KEY SHARE lock on the client's row until the transaction ends)."""
    now = utcnow()
    db.add(McpRequest(mcp_client_id=client_id, request_key=key, tool="t", arguments_hash="h", expires_at=now))
    db.flush()


@pytest.mark.postgres_only
def test_two_bookings_of_one_client_under_way_at_once_take_the_quota_lock_in_turn_without_a_deadlock():
    """Both bookings have written their request row when the first checks its quota: the quota's lock must not wait
    for the second's reference to the client (it did: FOR UPDATE against KEY SHARE, then PostgreSQL's deadlock
    detector refused one booking as 503 「データベースに接続できません」)."""
    client_id = make_mcp_client("busy-chat")[0]
    first, second = get_sessionmaker()(), get_sessionmaker()()
    try:
        for n, db in enumerate((first, second)):
            request_row(db, client_id, f"booking-{n}")
        first.execute(text("SET LOCAL lock_timeout = '5s'"))  # the old lock waited here for the second's transaction
        booking_quotas.require_room(first, lookups.get_client(first, client_id), utcnow())
        first.commit()
        booking_quotas.require_room(second, lookups.get_client(second, client_id), utcnow())
        second.commit()
    finally:
        first.close()
        second.close()
    assert count(McpRequest) == 2
