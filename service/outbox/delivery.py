"""Delivering outbox rows exactly once: an atomic claim, the provider call outside any transaction, then the outcome.

One conditional UPDATE claims a due row and commits it with an OutboxAttempt before anything is sent; a concurrent
claimer updates no row and stops. The outcome is recorded in a new transaction guarded by the claim token, retried on a
transient database fault (a lost answer would mean sending again); on_sent/on_failed hooks run in it."""

import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from service import dialect, figures
from service.config import Settings, get_settings
from service.database import affected_rows
from service.job_failures import retrying
from service.outbox import attachments as files
from service.outbox import labels
from service.outbox.models import OutboxAttempt, OutboxMessage
from service.outbox.providers import (
    Attachment,
    DeliveryError,
    InvalidRecipientError,
    Outgoing,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
    provider_for,
)

log = logging.getLogger("daicho.outbox")

Hook = Callable[[Session, OutboxMessage], None]
DbFactory = Callable[[], AbstractContextManager[Session]]
JITTER_SHARE = 0.1
UNKNOWN_OUTCOME = "outcome unknown, provider may have accepted"  # the worker stopped between the call and its record
PROVIDER_ID_MAX, DELIVERY_STATUS_MAX = 200, 40  # an overlong answer must not fail the outcome's commit

_sent_hooks: dict[tuple[str, str | None], list[Hook]] = defaultdict(list)
_failed_hooks: dict[tuple[str, str | None], list[Hook]] = defaultdict(list)


def _registrar(
    table: dict[tuple[str, str | None], list[Hook]], domain: str, ref_type: str | None
) -> Callable[[Hook], Hook]:
    def register(fn: Hook) -> Hook:
        if fn not in table[(domain, ref_type)]:
            table[(domain, ref_type)].append(fn)
        return fn

    return register


def on_sent(domain: str, ref_type: str | None = None) -> Callable[[Hook], Hook]:
    """ref_type None: any."""
    return _registrar(_sent_hooks, domain, ref_type)


def on_failed(domain: str, ref_type: str | None = None) -> Callable[[Hook], Hook]:
    return _registrar(_failed_hooks, domain, ref_type)


def _hooks_for(table: dict[tuple[str, str | None], list[Hook]], message: OutboxMessage) -> Iterator[Hook]:
    yield from table.get((message.domain, message.ref_type), ())
    if message.ref_type is not None:
        yield from table.get((message.domain, None), ())


def _run_hooks(table: dict[tuple[str, str | None], list[Hook]], db: Session, message: OutboxMessage) -> None:
    """A failing hook is logged on the row but never undoes the delivery outcome."""
    for hook in _hooks_for(table, message):
        try:
            with db.begin_nested():
                hook(db, message)
        except Exception as exc:
            log.exception("outbox hook %s failed for message %s", hook.__qualname__, message.id)
            note = f"hook {hook.__qualname__} failed: {exc.__class__.__name__}: {exc}"
            message.last_error = f"{message.last_error}; {note}" if message.last_error else note


@dataclass(frozen=True)
class DeliveryOutcome:
    message_id: int
    outcome: str
    attempt: int | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class Claim:
    outgoing: Outgoing
    token: str
    number: int


def backoff_seconds(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """base * 2^(attempt-1) stretched by up to 10% (jitter in [0, 1]), never above cap."""
    return min(cap, base * 2 ** (attempt - 1) * (1 + JITTER_SHARE * jitter))


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_expires_at < now),
    )


def dispatch_due(db: Session, *, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    )
    return list(db.scalars(stmt))


def _snapshot(message: OutboxMessage, attachments: tuple[Attachment, ...]) -> Outgoing:
    return Outgoing(
        id=message.id,
        channel=message.channel,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        payload=dict(message.payload or {}),
        attempt=message.attempts,
        domain=message.domain,
        ref_type=message.ref_type,
        ref_id=message.ref_id,
        attachments=attachments,
    )


def _abandon_unfinished(db: Session, message_id: int, now: datetime) -> None:
    db.execute(
        update(OutboxAttempt)
        .where(OutboxAttempt.message_id == message_id, OutboxAttempt.outcome == "started")
        .values(
            outcome="abandoned",
            finished_at=now,
            error=f"{UNKNOWN_OUTCOME}: the worker stopped before recording an answer; lease expired",
        )
    )


def _claim(db: Session, message_id: int, now: datetime, settings: Settings) -> Claim | DeliveryOutcome:
    token = uuid.uuid4().hex
    claimed = db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now))
        .values(
            status="sending",
            claim_token=token,
            attempts=OutboxMessage.attempts + 1,
            lease_expires_at=now + timedelta(seconds=settings.outbox_lease_seconds),
        )
        .execution_options(synchronize_session=False)
    )
    if affected_rows(claimed) != 1:
        return DeliveryOutcome(message_id, "skipped")
    message = db.get_one(OutboxMessage, message_id, populate_existing=True)
    _abandon_unfinished(db, message_id, now)
    if message.attempts > settings.outbox_max_attempts:
        lost = f"{UNKNOWN_OUTCOME} on the last attempt (lease expired); not sent again"
        _give_up(db, message, lost, "unknown_outcome")
        return DeliveryOutcome(message_id, "failed", message.attempts - 1)
    if _over_daily_cap(db, message, now, settings):
        cap = f"not sent: {settings.sms_per_phone_per_day} SMS to this number today already (APP_SMS_PER_PHONE_PER_DAY)"
        _give_up(db, message, cap, "daily_cap")
        return DeliveryOutcome(message_id, "failed", message.attempts - 1)
    attachments = files.load(db, message.payload or {})
    if attachments is None:
        _give_up(db, message, "an attachment's file is missing from outbox_file; not sent", "attachment_missing")
        return DeliveryOutcome(message_id, "failed", message.attempts - 1)
    number = (db.scalar(select(func.max(OutboxAttempt.number)).where(OutboxAttempt.message_id == message_id)) or 0) + 1
    db.add(OutboxAttempt(message_id=message_id, number=number, started_at=now, outcome="started"))
    return Claim(_snapshot(message, attachments), token, number)


def _phone_lock_key(recipient: str) -> int:
    return dialect.advisory_key(f"sms-cap:{recipient}")


def _over_daily_cap(db: Session, message: OutboxMessage, now: datetime, settings: Settings) -> bool:
    """Against SMS pumping: a number past its day's share (APP_SMS_PER_PHONE_PER_DAY, Japan time) is not sent. Counted
    under the number's lock, taken after the claim: two workers sending to one number count each other's claim."""
    if message.channel != "sms":
        return False
    dialect.of(db).lock(db, _phone_lock_key(message.recipient))
    today = figures.day_start(figures.local(now).date())
    earlier = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient == message.recipient,
            OutboxMessage.channel == "sms",
            OutboxMessage.id != message.id,
            or_(OutboxMessage.sent_at >= today, OutboxMessage.status == "sending"),
        )
    )
    return (db.scalar(earlier) or 0) >= settings.sms_per_phone_per_day


def _call_provider(outgoing: Outgoing, settings: Settings) -> SendResult | DeliveryError:
    try:
        return provider_for(outgoing.channel, settings).send(outgoing)
    except DeliveryError as exc:
        return exc
    except Exception as exc:
        log.exception("provider raised an unclassified error for outbox message %s", outgoing.id)
        return TransientDeliveryError(f"unexpected {exc.__class__.__name__}: {exc}")


def _release(message: OutboxMessage) -> None:
    message.claim_token = None
    message.lease_expires_at = None


def _give_up(db: Session, message: OutboxMessage, error: str, failure: str) -> None:
    """error is the provider's own text, failure the kind (labels.FAILURES) people read."""
    message.status = "failed"
    message.last_error = error
    message.payload = {**(message.payload or {}), "failure": failure}
    _release(message)
    db.flush()
    _run_hooks(_failed_hooks, db, message)


def _mark_sent(db: Session, message: OutboxMessage, result: SendResult, now: datetime) -> None:
    message.status = "sent"
    message.provider_message_id = result.provider_message_id[:PROVIDER_ID_MAX]
    message.delivery_status = (result.delivery_status or "")[:DELIVERY_STATUS_MAX] or None
    message.sent_at = now
    message.last_error = None
    if result.data:
        message.payload = {**(message.payload or {}), "result": result.data}
    _release(message)
    db.flush()
    _run_hooks(_sent_hooks, db, message)


def _schedule_retry(message: OutboxMessage, error: DeliveryError, now: datetime, settings: Settings) -> datetime:
    delay = backoff_seconds(
        message.attempts,
        base=settings.outbox_backoff_base_seconds,
        cap=settings.outbox_backoff_cap_seconds,
        jitter=random.random(),
    )
    message.status = "pending"
    message.last_error = str(error)
    message.next_attempt_at = now + timedelta(seconds=delay)
    _release(message)
    return message.next_attempt_at


def failure_text(message: OutboxMessage) -> str:
    """Never the provider's own text."""
    return labels.FAILURES.get(str((message.payload or {}).get("failure")), labels.FAILED)


def attempt_outcome(result: SendResult | DeliveryError) -> str:
    """An invalid recipient is told apart from our own failures (the error rate skips it)."""
    if isinstance(result, SendResult):
        return "sent"
    if isinstance(result, InvalidRecipientError):
        return "invalid_recipient"
    return "permanent_error" if isinstance(result, PermanentDeliveryError) else "transient_error"


def _finish_attempt(attempt: OutboxAttempt, result: SendResult | DeliveryError, now: datetime) -> None:
    attempt.finished_at = now
    attempt.outcome = attempt_outcome(result)
    sent = result if isinstance(result, SendResult) else None
    attempt.provider_message_id = sent.provider_message_id[:PROVIDER_ID_MAX] if sent else None
    attempt.error = None if sent else str(result)


def _record_outcome(
    db: Session, claim: Claim, result: SendResult | DeliveryError, now: datetime, settings: Settings
) -> DeliveryOutcome:
    message_id = claim.outgoing.id
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())
    attempt = db.scalar(
        select(OutboxAttempt).where(OutboxAttempt.message_id == message_id, OutboxAttempt.number == claim.number)
    )
    if attempt is not None:
        _finish_attempt(attempt, result, now)
    if message is None or message.claim_token != claim.token:
        log.warning("outbox message %s: claim lost before the outcome was recorded (lease too short?)", message_id)
        if attempt is not None:
            attempt.error = f"{attempt.error or ''} claim lost: the lease expired before the provider answered".strip()
        return DeliveryOutcome(message_id, "claim_lost", claim.number)
    if isinstance(result, SendResult):
        _mark_sent(db, message, result, now)
        return DeliveryOutcome(message_id, "sent", claim.number)
    if isinstance(result, PermanentDeliveryError) or message.attempts >= settings.outbox_max_attempts:
        _give_up(db, message, str(result), attempt_outcome(result))
        return DeliveryOutcome(message_id, "failed", claim.number)
    return DeliveryOutcome(message_id, "retry", claim.number, _schedule_retry(message, result, now, settings))


def deliver(
    db_factory: DbFactory, message_id: int, *, now: datetime, settings: Settings | None = None
) -> DeliveryOutcome:
    """Safe to call any number of times, concurrently, for the same id."""
    settings = settings or get_settings()
    with db_factory() as db:
        claim = _claim(db, message_id, now, settings)
    if isinstance(claim, DeliveryOutcome):
        return claim
    started = time.monotonic()
    result = _call_provider(claim.outgoing, settings)
    finished_at = now + timedelta(seconds=time.monotonic() - started)

    def record() -> DeliveryOutcome:
        with db_factory() as db:
            return _record_outcome(db, claim, result, finished_at, settings)

    # Losing the provider's answer to a database blip would send the message again once the lease expires (an SMS twice)
    return retrying(record, f"outbox.deliver message_id={message_id}")
