"""SMS pumping through MCP against a real worker and the SMS sandbox: a client booking for one number with a new key
each time is stopped at its quota (#qrv-alerts told once), and the number gets no more SMS than its daily cap; what
was not sent is recorded as such, in words operators read."""

import pytest
from sqlalchemy import select

from service.config import get_settings
from service.database import session_scope
from service.reservations.models import ManualOperation, Reservation
from tests.service.reservations.booking.test_mcp import booking_args, connect
from tests.service.reservations.conftest import ROOMY_BUDGET, make_mcp_client, make_service, make_shop, messages
from tests.support.live_server import live_api  # noqa: F401  (the fixture)
from tests.support.sandbox_log import read_sandbox_log
from tests.support.waiting import wait_for_job

pytestmark = [pytest.mark.slow, pytest.mark.embedded_only]  # the quotas and the cap are checked in-process on both
PHONE = "+819022223333"
CAP = 2


def sandbox_lines(channel: str, word: str) -> list[dict]:
    return [line for line in read_sandbox_log(get_settings(), channel) if word in line["recipient"] + line["body"]]


def sms_settled(expected: int) -> bool:
    sms = [m for m in messages("sms") if m.recipient == PHONE]
    return len(sms) == expected and all(m.status in ("sent", "failed") for m in sms)


async def test_a_client_booking_with_a_new_key_each_time_is_stopped_and_one_number_gets_its_cap_of_sms(
    db, live_api, start_worker, monkeypatch
):
    service = make_service(db)
    make_shop(db, "提携店1", [service], order=1)
    db.commit()
    monkeypatch.setattr(get_settings(), "reservations_client_bookings_per_day", 3)
    for budget in ("reservations_shop_calls_per_hour", "reservations_shop_calls_per_day"):
        monkeypatch.setattr(get_settings(), budget, ROOMY_BUDGET)  # the shop takes every booking's call
    sent_before = len(sandbox_lines("sms", PHONE))
    arguments = booking_args({"service_id": service.id}, requester_phone="090-2222-3333", requester_email="")
    async with connect(live_api, make_mcp_client("pumping-chat")[1]) as mcp:
        answers = [
            await mcp.call_tool(
                "create_reservation", arguments | {"requester_name": f"依頼者{n}", "idempotency_key": f"key-{n}"}
            )
            for n in range(6)
        ]

    refused = [answer.structured_content["error"] for answer in answers if answer.is_error]
    assert len(refused) == 3 and {error["code"] for error in refused} == {"booking_quota_exceeded"}
    start_worker(  # the bookings' work waits
        APP_SMS_PER_PHONE_PER_DAY=str(CAP),
        APP_SANDBOX_VOICE_ODDS="decline=1",
        APP_RESERVATIONS_SHOP_CALLS_PER_HOUR=str(ROOMY_BUDGET),
        APP_RESERVATIONS_SHOP_CALLS_PER_DAY=str(ROOMY_BUDGET),
    )
    # each booking: its confirmation, then the shop's no (全店NG); the number takes two
    wait_for_job(lambda: sms_settled(6), timeout=90, message="the six SMS to be sent or refused")
    wait_for_job(lambda: sandbox_lines("slack", "pumping-chat"), timeout=30, message="the quota's #qrv-alerts post")
    assert len(sandbox_lines("sms", PHONE)) - sent_before == CAP
    failures = [(m.payload or {}).get("failure") for m in messages("sms") if m.status == "failed"]
    assert failures == ["daily_cap"] * 4
    assert len(sandbox_lines("slack", "pumping-chat")) == 1
    with session_scope() as session:
        reasons = session.scalars(
            select(ManualOperation.reason).join(Reservation).where(ManualOperation.op_type == "sms_failed")
        ).all()
    assert reasons and all(reason.endswith("1日の上限に達したため送信していません") for reason in reasons)
