"""The outbox through a real Celery worker and a real SMTP server, including a worker killed mid-delivery."""

import pytest
from sqlalchemy import select

from jobs.platform import dispatch_outbox
from service.database import session_scope, utcnow
from service.outbox.models import OutboxAttempt, OutboxMessage
from service.outbox.providers.email import message_id_for
from service.outbox.service import enqueue
from tests.support.mail import received
from tests.support.waiting import wait_for_job, wait_until

pytestmark = pytest.mark.slow
SENDER = "daicho@example.jp"


def smtp_env(port: int, **extra: str) -> dict[str, str]:
    return {
        "APP_EMAIL_PROVIDER": "smtp",
        "APP_SMTP_HOST": "127.0.0.1",
        "APP_SMTP_PORT": str(port),
        "APP_EMAIL_FROM": SENDER,
        **extra,
    }


def current(message_id: int) -> OutboxMessage:
    with session_scope() as db:
        return db.get(OutboxMessage, message_id)


def attempt_outcomes(message_id: int) -> list[str]:
    with session_scope() as db:
        stmt = (
            select(OutboxAttempt.outcome).where(OutboxAttempt.message_id == message_id).order_by(OutboxAttempt.number)
        )
        return list(db.scalars(stmt))


def sent(message_id: int) -> OutboxMessage | None:
    row = current(message_id)
    return row if row.status == "sent" else None


def test_committed_email_is_delivered_by_the_worker_without_anyone_queueing_a_task(db, smtp_sink, start_worker):
    sink, port = smtp_sink
    start_worker(**smtp_env(port))
    message = enqueue(db, channel="email", recipient="parent@example.jp", subject="お迎えのお知らせ", body="本日17時")
    db.commit()  # the after-commit hook queues platform.deliver_message

    row = wait_for_job(lambda: sent(message.id), timeout=30, message="the email to be sent")

    [delivered] = received(sink)  # strictly parsed: a text part and an HTML part
    assert delivered.message["To"] == "parent@example.jp"
    assert delivered.message["Message-ID"] == row.provider_message_id == message_id_for(message.id, SENDER)
    assert delivered.text.strip() == "本日17時" and "<p>本日17時</p>" in delivered.html
    assert attempt_outcomes(message.id) == ["sent"]


def test_email_reaches_the_server_exactly_once_when_the_worker_is_killed_mid_delivery(db, smtp_sink, start_worker):
    sink, port = smtp_sink
    env = smtp_env(port, APP_OUTBOX_LEASE_SECONDS="3", APP_OUTBOX_SEND_TIMEOUT_SECONDS="2")
    gate = sink.hold_next_data()
    first = start_worker(**env)
    message = enqueue(db, channel="email", recipient="parent@example.jp", subject="請求のお知らせ", body="一度だけ")
    db.commit()

    assert gate.reached.wait(30), "the worker never reached DATA"
    first.kill()
    gate.released.set()
    interrupted = current(message.id)
    assert interrupted.status == "sending" and interrupted.attempts == 1
    assert sink.messages == []

    start_worker(**env)
    wait_until(lambda: current(message.id).lease_expires_at < utcnow(), timeout=10, message="the lease to expire")
    dispatch_outbox.delay()  # what beat does every 10 s

    row = wait_for_job(lambda: sent(message.id), timeout=30, message="the email to be sent after the restart")
    [delivered] = received(sink)
    assert delivered.message["Message-ID"] == row.provider_message_id and delivered.text.strip() == "一度だけ"
    assert attempt_outcomes(message.id) == ["abandoned", "sent"]
