"""Writing outgoing messages in the caller's transaction, and the operator's view of them."""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, selectinload

from service.audit.service import Actor, diff, record, snapshot
from service.broker import send_after_commit
from service.errors import Conflict, NotFound, ValidationFailed
from service.outbox import attachments as files
from service.outbox import content as contents
from service.outbox.kinds import Channel
from service.outbox.models import OutboxMessage
from service.outbox.providers import Attachment

DELIVER_TASK = "platform.deliver_message"
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
    attachments: Sequence[Attachment] = (),
    content: contents.Document | None = None,
) -> OutboxMessage:
    """Sent only if the surrounding transaction commits. With a dedupe_key, enqueuing the same logical message twice
    returns the first row. An e-mail's or Slack post's `content` is kept as payload["content"], its text form as the
    body."""
    if channel not in Channel.words():
        raise ValidationFailed(
            "未対応の送信チャネルです", details={"field": "channel", "allowed": list(Channel.words())}
        )
    if attachments:
        files.check(channel, attachments)
    if dedupe_key:
        existing = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    if content is not None:
        body = contents.text(content)
        payload = {**(payload or {}), "content": contents.dump(content)}
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        payload={**(payload or {}), "attachments": files.store(db, attachments)} if attachments else payload or {},
        domain=domain,
        ref_type=ref_type,
        ref_id=None if ref_id is None else str(ref_id),
        dedupe_key=dedupe_key,
    )
    db.add(message)
    db.flush()
    send_after_commit(db, DELIVER_TASK, message.id)  # dispatch_outbox covers a lost send
    return message


def withdraw(db: Session, message_ids: Iterable[int | None]) -> list[int]:
    """Pending ones become withdrawn, never sent (one being sent is past taking back). In the caller's transaction."""
    wanted = sorted({message_id for message_id in message_ids if message_id is not None})
    if not wanted:
        return []
    taken = update(OutboxMessage).where(OutboxMessage.id.in_(wanted), OutboxMessage.status == "pending")
    return list(db.scalars(taken.values(status="withdrawn").returning(OutboxMessage.id)))


@dataclass(frozen=True)
class OutboxFilter:
    status: str | None = None
    channel: str | None = None
    domain: str | None = None


def _filtered(stmt: Select, flt: OutboxFilter) -> Select:
    return stmt.filter_by(**{name: value for name, value in asdict(flt).items() if value})


LIST_ORDER = (OutboxMessage.id.desc(),)


def message_query(flt: OutboxFilter) -> Select:
    return _filtered(select(OutboxMessage), flt)


def list_messages(db: Session, *, flt: OutboxFilter, offset: int, limit: int) -> tuple[list[OutboxMessage], int]:
    total = db.scalar(_filtered(select(func.count()).select_from(OutboxMessage), flt)) or 0
    rows = db.scalars(message_query(flt).order_by(*LIST_ORDER).offset(offset).limit(limit))
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
    send_after_commit(db, DELIVER_TASK, message.id)  # dispatch_outbox covers a lost send
    return message
