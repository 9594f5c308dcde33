"""Paging through the real worker and the SMS, voice and Slack sandboxes: a Critical incident recorded past its
30-minute target pages the person on duty (an SMS, a call, a mention in #qrv-alerts), the worker's next sweep pages
the next of the chain, two sweeps at once page nobody twice, and once acknowledged nobody else is paged; a new High
incident is paged by its own task at once, with no sweep, and the sweep after it pages nobody twice."""

from datetime import timedelta

import pytest

from jobs.reservations import sweep_deadlines
from service.config import get_settings
from service.database import utcnow
from tests.service.reservations.conftest import headers_for
from tests.service.reservations.oncall.test_oncall import PHONES, on_duty, operators, rotation
from tests.support.sandbox_log import read_sandbox_log
from tests.support.waiting import wait_for_job

pytestmark = pytest.mark.slow


def sent(channel: str, letter: str) -> list[dict]:
    """What the sandbox of a channel took for this person (their phone)."""
    return [
        line
        for line in read_sandbox_log(get_settings(), channel)
        if line["recipient"] == PHONES[letter] and line["outcome"] == "sent"
    ]


def mentions(member_id: str) -> list[str]:
    return [line["posted"] for line in read_sandbox_log(get_settings(), "slack") if f"<@{member_id}>" in line["posted"]]


def paged(letter: str) -> bool:
    return bool(sent("sms", letter) and sent("voice", letter) and mentions(f"U0{letter.upper()}00"))


def test_a_critical_incident_pages_the_person_on_duty_then_the_next_and_nobody_twice(client, db, start_worker):
    ids = operators(db)
    operator = headers_for(db, "operator")
    rotation(client, operator, ids, period="day", starts_on=utcnow().date().isoformat(), order="abc")
    first = on_duty(client, operator, utcnow())["name"][-1].lower()  # 当番A: before 9:00 Japan time, yesterday's C
    second = "abc"[("abc".index(first) + 1) % 3]
    occurred = (utcnow() - timedelta(minutes=40)).isoformat()  # its 30-minute target has passed
    incident = client.post(
        "/api/reservations/incidents",
        json={"title": "決済システム停止", "level": "critical", "occurred_at": occurred},
        headers=operator,
    ).json()
    start_worker()

    # three sweeps in a row: the person on duty, then the next (the first target has passed), then nobody (the
    # next's target is 30 minutes away); the pages' messages are delivered after them, in the worker's turn
    for _ in range(3):
        sweep_deadlines.delay()
    wait_for_job(lambda: paged(first), timeout=60, message="the person on duty to be paged")
    wait_for_job(lambda: paged(second), timeout=60, message="the next of the chain to be paged")
    acknowledged = client.post(f"/api/reservations/incidents/{incident['id']}/acknowledge", headers=operator)

    third = ({*"abc"} - {first, second}).pop()
    assert [len(sent("sms", letter)) for letter in (first, second, third)] == [1, 1, 0]  # nobody paged twice
    assert [len(sent("voice", letter)) for letter in (first, second, third)] == [1, 1, 0]
    [sms] = sent("sms", first)
    assert sms["body"].startswith(f"【QRV当番呼び出し】Critical: インシデント #{incident['id']}: 決済システム停止。")
    [post] = mentions(f"U0{second.upper()}00")
    assert post.startswith(f"<@U0{second.upper()}00> 当番呼び出し（エスカレーション1人目）")
    assert acknowledged.status_code == 200 and acknowledged.json()["paging"]["steps"] == 2


def test_a_new_high_incident_pages_the_person_on_duty_at_once_and_the_sweep_pages_nobody_twice(
    client, db, start_worker
):
    ids = operators(db)
    operator = headers_for(db, "operator")
    rotation(client, operator, ids, period="day", starts_on=utcnow().date().isoformat(), order="abc")
    first = on_duty(client, operator, utcnow())["name"][-1].lower()
    start_worker()

    title = "SMS送信停止（即時呼び出し）"  # the sandboxes' logs outlive a test: this one's pages are told by it
    occurred = utcnow().isoformat()  # its hour to respond has just begun: only its own task pages now
    client.post(
        "/api/reservations/incidents",
        json={"title": title, "level": "high", "occurred_at": occurred},
        headers=operator,
    )

    def pages(channel: str) -> list[int]:
        return [sum(title in line["body"] for line in sent(channel, letter)) for letter in "abc"]

    wait_for_job(lambda: all(map(any, (pages("sms"), pages("voice")))), timeout=60, message="its own task to page")
    assert sweep_deadlines()["paged_on_call"] == 0  # the sweep, the safety net, finds nobody left to page
    assert pages("sms") == pages("voice") == [int(letter == first) for letter in "abc"]
