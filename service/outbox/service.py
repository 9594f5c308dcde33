"""Writing outgoing messages in the caller's transaction and the operator's view of them; sending is in delivery.py."""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, func, select
from sqlalchemy.orm import Session, selectinload

from service.audit.service import Actor, diff, record, snapshot
from service.errors import Conflict, NotFound, ValidationFailed
from service.outbox.models import CHANNELS, OutboxMessage

log = logging.getLogger("daicho.outbox")

DELIVER_TASK = "platform.deliver_message"
KICK_KEY = "outbox_deliver_after_commit"
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
RETRY_AUDIT_FIELDS = ("status", "attempts", "next_attempt_at", "last_error")


def enqueue(
    db: Session,
    *,
    channel: str,
    recipient: str,
    subject: str = "",
    body: str = "",
    payload: dict[str, Any] | None = None,
    domain: str = "platform",
    ref_type: str | None = None,
    ref_id: Any = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits.

    With a dedupe_key, enqueuing the same logical message twice returns the first row.
    """
    if channel not in CHANNELS:
        raise ValidationFailed("未対応の送信チャネルです", details={"field": "channel", "allowed": list(CHANNELS)})
    if dedupe_key:
        existing = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        payload=payload or {},
        domain=domain,
        ref_type=ref_type,
        ref_id=None if ref_id is None else str(ref_id),
        dedupe_key=dedupe_key,
    )
    db.add(message)
    db.flush()
    deliver_after_commit(db, message.id)
    return message


def deliver_after_commit(db: Session, message_id: int) -> None:
    """Queue a delivery task once this session commits; the dispatch job covers it if the broker is down."""
    db.info.setdefault(KICK_KEY, set()).add(message_id)


def _queue_deliveries(message_ids: list[int]) -> None:
    """Best effort and fast: one quick connection attempt, so a down broker never holds up the request."""
    try:
        from jobs.celery_app import app

        with app.connection_for_write(transport_options=FAIL_FAST) as connection:
            for message_id in message_ids:
                app.send_task(DELIVER_TASK, args=[message_id], retry=False, connection=connection)
    except Exception as exc:
        log.warning(
            "could not queue outbox delivery for %s (%s); platform.dispatch_outbox will",
            message_ids,
            exc.__class__.__name__,
        )


@event.listens_for(Session, "after_commit")
def _kick_after_commit(session: Session) -> None:
    message_ids = session.info.pop(KICK_KEY, None)
    if message_ids:
        _queue_deliveries(sorted(message_ids))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(KICK_KEY, None)


@dataclass(frozen=True)
class OutboxFilter:
    status: str | None = None
    channel: str | None = None
    domain: str | None = None


def _filtered(stmt: Select, flt: OutboxFilter) -> Select:
    return stmt.filter_by(**{name: value for name, value in asdict(flt).items() if value})


def list_messages(db: Session, *, flt: OutboxFilter, offset: int, limit: int) -> tuple[list[OutboxMessage], int]:
    """Newest first."""
    total = db.scalar(_filtered(select(func.count()).select_from(OutboxMessage), flt)) or 0
    rows = db.scalars(
        _filtered(select(OutboxMessage), flt).order_by(OutboxMessage.id.desc()).offset(offset).limit(limit)
    )
    return list(rows), total


def get_message(db: Session, message_id: int) -> OutboxMessage:
    message = db.scalar(
        select(OutboxMessage).where(OutboxMessage.id == message_id).options(selectinload(OutboxMessage.attempt_log))
    )
    if message is None:
        raise NotFound(
            "指定された送信メッセージは見つかりません", details={"resource": "outbox_message", "id": message_id}
        )
    return message


def retry_failed(db: Session, *, message_id: int, actor: Actor, now: datetime) -> OutboxMessage:
    """Put a failed message back to pending, due now, with a fresh series of attempts; audited."""
    message = get_message(db, message_id)
    if message.status != "failed":
        raise Conflict(
            "再送できるのは送信失敗のメッセージだけです",
            code="outbox_not_failed",
            details={"id": message_id, "status": message.status},
        )
    before = snapshot(message, RETRY_AUDIT_FIELDS)
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = now
    message.last_error = None
    record(
        db,
        actor=actor,
        action="outbox_retry",
        domain="platform",
        target_type="outbox_message",
        target_id=message.id,
        changes=diff(before, snapshot(message, RETRY_AUDIT_FIELDS)),
        at=now,
    )
    db.flush()
    deliver_after_commit(db, message.id)
    return message
