"""Shared steps for the outbox tests: committed messages and fresh reads of their rows."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.database import session_scope
from service.outbox.models import OutboxMessage
from service.outbox.service import enqueue


def enqueue_committed(**fields: Any) -> int:
    """Enqueue in its own committed transaction, as a request would; returns the id."""
    values = {"channel": "email", "recipient": "parent@example.jp", "subject": "件名", "body": "本文", **fields}
    with session_scope() as db:
        return enqueue(db, **values).id


def read(message_id: int) -> OutboxMessage:
    with session_scope() as db:
        stmt = (
            select(OutboxMessage).where(OutboxMessage.id == message_id).options(selectinload(OutboxMessage.attempt_log))
        )
        return db.scalar(stmt)


def outcomes(message_id: int) -> list[str]:
    return [attempt.outcome for attempt in read(message_id).attempt_log]
