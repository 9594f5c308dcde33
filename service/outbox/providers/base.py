from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from typing import Any, Protocol

from service.outbox import content

VALIDITY_SECONDS = (1, 36_000)  # Twilio's ValidityPeriod: at least a second, at most 10 hours


class DeliveryError(Exception):
    """The message says why, without secrets."""


class TransientDeliveryError(DeliveryError):
    """Timeouts, rate limits, 5xx answers, a refused connection."""


class PermanentDeliveryError(DeliveryError):
    """An invalid recipient, a rejected request, bad credentials."""


class InvalidRecipientError(PermanentDeliveryError):
    """What the requester gave, not a failure of ours."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """Handed to a provider outside any transaction."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    payload: dict[str, Any]
    attempt: int
    domain: str = "platform"
    ref_type: str | None = None
    ref_id: str | None = None
    attachments: tuple[Attachment, ...] = ()

    def document(self) -> content.Document:
        return content.of_message(self.body or self.subject, self.payload)


def idempotency_key(message: Outgoing) -> str:
    """So a provider that dedupes recognises a resend."""
    return f"outbox-{message.id}"


def validity_seconds(message: Outgoing, now: datetime) -> int | None:
    """Payload "valid_until" (what is left of it now) or "valid_for_seconds", within VALIDITY_SECONDS; None for no
    limit."""
    if "valid_until" in message.payload:
        left = ceil((datetime.fromisoformat(message.payload["valid_until"]) - now).total_seconds())
    elif "valid_for_seconds" in message.payload:
        left = int(message.payload["valid_for_seconds"])
    else:
        return None
    return min(max(left, VALIDITY_SECONDS[0]), VALIDITY_SECONDS[1])


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    data: dict[str, Any] = field(default_factory=dict)
    delivery_status: str | None = None


class Provider(Protocol):
    def send(self, message: Outgoing) -> SendResult: ...


def classify_http_status(status: int, what: str) -> DeliveryError:
    if status == 429 or status >= 500:
        return TransientDeliveryError(f"{what} answered HTTP {status}")
    return PermanentDeliveryError(f"{what} refused the message with HTTP {status}")
