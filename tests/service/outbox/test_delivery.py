"""Delivery: backoff and cap, failing after the last attempt, exclusive claims, lease expiry, hooks, dispatch."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from service.database import get_engine, session_scope, utcnow
from service.outbox.delivery import backoff_seconds, deliver, dispatch_due, on_failed, on_sent
from service.outbox.models import OutboxAttempt, OutboxMessage
from service.outbox.providers import Outgoing, provider_for
from service.outbox.service import enqueue
from tests.service.outbox.helpers import enqueue_committed, outcomes, read
from tests.support.sandbox_log import read_sandbox_log

HOOK_DOMAIN = "test_hooks"
calls: list[tuple[str, int, str]] = []


@on_sent(HOOK_DOMAIN, "payment")
def _send_link_by_sms(db, message):
    """What the reservations domain will do: pass the payment URL on in the same transaction."""
    calls.append(("sent", message.id, message.status))
    enqueue(
        db,
        channel="sms",
        recipient="+819012345678",
        body=f"お支払い: {message.payload['result']['url']}",
        domain=HOOK_DOMAIN,
        ref_type="payment_sms",
        ref_id=message.id,
    )


@on_failed(HOOK_DOMAIN)
def _note_failure(db, message):
    calls.append(("failed", message.id, message.status))


@on_sent(HOOK_DOMAIN, "broken")
def _broken_hook(db, message):
    enqueue(db, channel="slack", recipient="#ops", body="never committed", domain=HOOK_DOMAIN)
    raise RuntimeError("hook bug")


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def run(message_id, settings, now=None):
    return deliver(session_scope, message_id, now=now or utcnow(), settings=settings)


def test_backoff_doubles_from_the_base_stretches_by_at_most_a_tenth_and_stops_at_the_cap():
    assert [backoff_seconds(n, base=30, cap=3600, jitter=0) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(2, base=30, cap=3600, jitter=1) == pytest.approx(66)
    assert backoff_seconds(8, base=30, cap=3600, jitter=0) == 3600
    assert backoff_seconds(30, base=30, cap=3600, jitter=1) == 3600


@pytest.mark.dialect
def test_transient_failures_back_off_exponentially_then_fail_after_the_last_attempt(settings):
    settings.outbox_max_attempts = 3
    message_id = enqueue_committed(recipient="flaky9@example.jp", domain=HOOK_DOMAIN)
    now = utcnow()

    first = run(message_id, settings, now)
    assert first.outcome == "retry"
    assert now + timedelta(seconds=30) <= first.next_attempt_at <= now + timedelta(seconds=33)
    assert run(message_id, settings, now).outcome == "skipped"  # not due yet

    second = run(message_id, settings, first.next_attempt_at)
    assert second.outcome == "retry"
    gap = second.next_attempt_at - first.next_attempt_at
    assert timedelta(seconds=60) <= gap <= timedelta(seconds=66)

    assert run(message_id, settings, second.next_attempt_at).outcome == "failed"
    row = read(message_id)
    assert (row.status, row.attempts, row.claim_token, row.lease_expires_at) == ("failed", 3, None, None)
    assert "transient failure on attempt 3" in row.last_error
    assert outcomes(message_id) == ["transient_error"] * 3
    assert calls == [("failed", message_id, "failed")]


@pytest.mark.dialect
def test_the_backoff_cap_bounds_the_wait(settings):
    settings.outbox_backoff_cap_seconds = 40
    message_id = enqueue_committed(recipient="flaky9@example.jp")
    now = utcnow()
    first = run(message_id, settings, now)
    second = run(message_id, settings, first.next_attempt_at)
    gap = second.next_attempt_at - first.next_attempt_at  # measured from when the attempt finished
    assert timedelta(seconds=40) <= gap < timedelta(seconds=41)


@pytest.mark.dialect
def test_a_flaky_recipient_is_sent_once_its_failures_are_used_up_and_the_provider_id_is_kept(settings):
    message_id = enqueue_committed(channel="sms", recipient="+15005550801", body="予約を承りました")
    now = utcnow()
    retry = run(message_id, settings, now)
    assert run(message_id, settings, retry.next_attempt_at).outcome == "sent"
    row = read(message_id)
    assert row.status == "sent" and row.delivery_status == "delivered" and row.last_error is None
    assert row.provider_message_id.startswith("sandbox-")
    assert [a.outcome for a in row.attempt_log] == ["transient_error", "sent"]
    assert row.attempt_log[1].provider_message_id == row.provider_message_id
    logged = [line for line in read_sandbox_log(settings, "sms") if line["outbox_id"] == message_id]
    assert [line["outcome"] for line in logged] == ["TransientDeliveryError", "sent"]


@pytest.mark.dialect
def test_a_permanent_error_fails_at_once_and_runs_the_failed_hooks(settings):
    message_id = enqueue_committed(channel="sms", recipient="+15005550001", domain=HOOK_DOMAIN, ref_type="anything")
    assert run(message_id, settings).outcome == "failed"
    row = read(message_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "sandbox: invalid number"
    assert calls == [("failed", message_id, "failed")]


@pytest.mark.dialect
def test_of_many_concurrent_deliveries_of_one_message_exactly_one_sends(settings):
    message_id = enqueue_committed(channel="slack", recipient="#ops", body="閾値超過")
    start = threading.Barrier(6)

    def attempt(_):
        start.wait()
        return run(message_id, settings).outcome

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = sorted(pool.map(attempt, range(6)))
    assert results == ["sent"] + ["skipped"] * 5
    assert [line["outcome"] for line in read_sandbox_log(settings, "slack") if line["outbox_id"] == message_id] == [
        "sent"
    ]
    assert read(message_id).attempts == 1


@pytest.mark.dialect
def test_a_message_in_the_middle_of_its_smtp_session_is_not_claimed_again(settings, smtp_sink):
    sink, port = smtp_sink
    settings.email_provider, settings.smtp_port = "smtp", port
    message_id = enqueue_committed()
    gate = sink.hold_next_data()
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(run, message_id, settings)
        assert gate.reached.wait(10)
        assert run(message_id, settings).outcome == "skipped"
        gate.released.set()
        assert first.result(timeout=10).outcome == "sent"
    assert len(sink.messages) == 1


def _leave_as_a_dead_worker_would(message_id, *, lease_expires_at, attempts=1):
    with session_scope() as db:
        db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sending", claim_token="dead-worker", attempts=attempts, lease_expires_at=lease_expires_at)
        )
        db.add(OutboxAttempt(message_id=message_id, number=attempts, outcome="started"))


@pytest.mark.dialect
def test_an_expired_lease_is_claimed_again_and_the_dead_attempt_is_marked_abandoned(settings):
    message_id = enqueue_committed(channel="sms", recipient="+819000000001")
    now = utcnow()
    _leave_as_a_dead_worker_would(message_id, lease_expires_at=now + timedelta(seconds=60))

    assert run(message_id, settings, now).outcome == "skipped"  # lease still held
    assert run(message_id, settings, now + timedelta(seconds=61)).outcome == "sent"
    row = read(message_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [(a.number, a.outcome) for a in row.attempt_log] == [(1, "abandoned"), (2, "sent")]


def test_a_worker_that_died_on_the_last_attempt_leaves_the_message_failed_not_resent(settings):
    settings.outbox_max_attempts = 2
    message_id = enqueue_committed(channel="sms", recipient="+819000000002", domain=HOOK_DOMAIN)
    _leave_as_a_dead_worker_would(message_id, lease_expires_at=utcnow() - timedelta(seconds=1), attempts=2)
    assert run(message_id, settings).outcome == "failed"
    assert read(message_id).status == "failed"
    assert read_sandbox_log(settings, "sms") == []
    assert calls == [("failed", message_id, "failed")]
    assert read(message_id).last_error.startswith("outcome unknown, provider may have accepted")


def _sent_by_the_dead_worker(message_id, settings):
    """The killed worker's provider call went through; only recording its answer did not happen."""
    row = read(message_id)
    fields = {"subject": row.subject, "body": row.body, "payload": row.payload, "attempt": row.attempts}
    outgoing = Outgoing(id=row.id, channel=row.channel, recipient=row.recipient, **fields)
    return provider_for(row.channel, settings).send(outgoing)


@pytest.mark.dialect
@pytest.mark.parametrize(("channel", "payload"), [("payment_link", {"amount": 5000}), ("voice", {}), ("email", {})])
def test_a_resend_after_a_worker_died_gets_what_the_provider_answered_the_first_time(settings, channel, payload):
    message_id = enqueue_committed(channel=channel, payload=payload)
    now = utcnow()
    _leave_as_a_dead_worker_would(message_id, lease_expires_at=now)
    first = _sent_by_the_dead_worker(message_id, settings)

    assert run(message_id, settings, now + timedelta(seconds=1)).outcome == "sent"
    row = read(message_id)
    assert (row.provider_message_id, row.payload.get("result", {})) == (first.provider_message_id, first.data)
    assert [line["outcome"] for line in read_sandbox_log(settings, channel)] == ["sent", "replayed"]
    assert [a.outcome for a in row.attempt_log] == ["abandoned", "sent"]
    assert row.attempt_log[0].error.startswith("outcome unknown, provider may have accepted")


def test_dispatch_lists_due_and_lease_expired_messages_only(settings):
    due = enqueue_committed(recipient="due@example.jp")
    later = enqueue_committed(recipient="later@example.jp")
    expired = enqueue_committed(recipient="expired@example.jp")
    leased = enqueue_committed(recipient="leased@example.jp")
    done = enqueue_committed(recipient="done@example.jp")
    now = utcnow()
    with session_scope() as db:
        db.execute(
            update(OutboxMessage).where(OutboxMessage.id == later).values(next_attempt_at=now + timedelta(minutes=5))
        )
        db.execute(update(OutboxMessage).where(OutboxMessage.id == done).values(status="sent"))
    _leave_as_a_dead_worker_would(expired, lease_expires_at=now - timedelta(seconds=1))
    _leave_as_a_dead_worker_would(leased, lease_expires_at=now + timedelta(seconds=60))
    with session_scope() as db:
        assert sorted(dispatch_due(db, now=now, limit=10)) == sorted([due, expired])
        assert len(dispatch_due(db, now=now, limit=1)) == 1


@pytest.mark.dialect
def test_a_sent_hook_acts_in_the_delivery_transaction_with_the_providers_result(settings):
    message_id = enqueue_committed(
        channel="payment_link",
        recipient="guest@example.jp",
        subject="ご予約金",
        payload={"amount": 5000},
        domain=HOOK_DOMAIN,
        ref_type="payment",
        ref_id=42,
    )
    assert run(message_id, settings).outcome == "sent"
    result = read(message_id).payload["result"]
    assert result["url"].endswith(result["session_id"]) and result["expires_at"]
    assert calls == [("sent", message_id, "sent")]
    with session_scope() as db:
        sms = db.scalar(select(OutboxMessage).where(OutboxMessage.ref_type == "payment_sms"))
        assert sms.body == f"お支払い: {result['url']}" and sms.ref_id == str(message_id)


@pytest.mark.dialect
def test_a_failing_hook_is_noted_but_does_not_undo_the_delivery(settings):
    message_id = enqueue_committed(channel="slack", recipient="#ops", domain=HOOK_DOMAIN, ref_type="broken")
    assert run(message_id, settings).outcome == "sent"
    row = read(message_id)
    assert row.status == "sent"
    assert "hook" in row.last_error and "hook bug" in row.last_error
    with session_scope() as db:
        assert db.scalar(select(OutboxMessage).where(OutboxMessage.body == "never committed")) is None


@pytest.fixture
def connection_dropped_once_while_recording(backend):
    """PostgreSQL ends the session that first marks a message sent, in the middle of its statement (the sequence is
    outside any transaction, so only the first recording is dropped)."""
    if backend != "postgres":
        pytest.skip("a dropped connection is made with pg_terminate_backend: PostgreSQL only")
    statements = (
        "CREATE SEQUENCE drop_once",
        "CREATE FUNCTION drop_own_connection_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF nextval('drop_once') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$",
        "CREATE TRIGGER drop_own_connection_once BEFORE UPDATE OF status ON outbox_message FOR EACH ROW "
        "WHEN (NEW.status = 'sent') EXECUTE FUNCTION drop_own_connection_once()",
    )
    with get_engine().begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    yield
    with get_engine().begin() as conn:
        conn.execute(text("DROP TRIGGER drop_own_connection_once ON outbox_message"))
        conn.execute(text("DROP FUNCTION drop_own_connection_once()"))
        conn.execute(text("DROP SEQUENCE drop_once"))


@pytest.mark.dialect
def test_an_answer_recorded_during_a_database_blip_is_recorded_again_not_sent_again(
    settings, connection_dropped_once_while_recording
):
    message_id = enqueue_committed(channel="sms", recipient="090-1234-5678", subject="")

    assert run(message_id, settings).outcome == "sent"

    assert [line["outcome"] for line in read_sandbox_log(settings, "sms")] == ["sent"]
    assert (read(message_id).status, outcomes(message_id)) == ("sent", ["sent"])
