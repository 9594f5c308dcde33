"""Writing outgoing messages in the caller's transaction; delivery lives in service.outbox.delivery."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import ValidationFailed
from service.outbox.models import CHANNELS, OutboxMessage


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
        channel=channel, recipient=recipient, subject=subject, body=body, payload=payload or {},
        domain=domain, ref_type=ref_type, ref_id=None if ref_id is None else str(ref_id), dedupe_key=dedupe_key,
    )
    db.add(message)
    db.flush()
    return message
