"""Inbound webhook events: stored once per provider and event id, then handed to the handlers registered for them.

Handlers run in the transaction that stores the event, so an event is processed together with its record or not at all.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.database import utcnow
from service.errors import DomainError
from service.outbox.models import InboundEvent, OutboxMessage

InboundHandler = Callable[[Session, InboundEvent], None]
ANY_EVENT = "*"
MAX_EVENT_ID = 200
MAX_EVENT_TYPE = 100

_handlers: dict[tuple[str, str], list[InboundHandler]] = defaultdict(list)


def register_inbound_handler(provider: str, event_type: str) -> Callable[[InboundHandler], InboundHandler]:
    def register(fn: InboundHandler) -> InboundHandler:
        if fn not in _handlers[(provider, event_type)]:
            _handlers[(provider, event_type)].append(fn)
        return fn

    return register


def receive(db: Session, *, provider: str, event_id: str, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An event id seen before changes nothing and answers duplicate."""
    if not event_id or len(event_id) > MAX_EVENT_ID or len(event_type) > MAX_EVENT_TYPE:
        raise DomainError(
            "イベントIDまたは種別が不正です",
            code="malformed_event",
            details={"max_event_id": MAX_EVENT_ID, "max_event_type": MAX_EVENT_TYPE},
        )
    if db.scalar(select(InboundEvent.id).where(InboundEvent.provider == provider, InboundEvent.event_id == event_id)):
        return {"duplicate": True, "event_id": event_id}
    event = InboundEvent(
        provider=provider, event_id=event_id, event_type=event_type, payload=payload, received_at=utcnow()
    )
    try:
        with db.begin_nested():
            db.add(event)
    except IntegrityError:
        return {"duplicate": True, "event_id": event_id}
    for key in ((provider, event_type), (provider, ANY_EVENT)):
        for handler in _handlers.get(key, ()):
            handler(db, event)
    return {"duplicate": False, "event_id": event_id}


def _message_by_provider_id(db: Session, channel: str, provider_message_id: str | None) -> OutboxMessage | None:
    if not provider_message_id:
        return None
    return db.scalar(
        select(OutboxMessage).where(
            OutboxMessage.channel == channel, OutboxMessage.provider_message_id == provider_message_id
        )
    )


def _set_delivery_status(db: Session, channel: str, provider_message_id: str | None, status: str | None) -> None:
    message = _message_by_provider_id(db, channel, provider_message_id)
    if message is not None and status:
        message.delivery_status = status[:40]


@register_inbound_handler("twilio", ANY_EVENT)
def _twilio_status(db: Session, event: InboundEvent) -> None:
    """queued → sent → delivered / undelivered / failed."""
    status = event.payload.get("MessageStatus")
    if status:
        _set_delivery_status(db, "sms", event.payload.get("MessageSid"), status)


STRIPE_SESSION_STATUS = {
    "checkout.session.completed": "completed",
    "checkout.session.async_payment_succeeded": "paid",
    "checkout.session.async_payment_failed": "payment_failed",
    "checkout.session.expired": "expired",
}


@register_inbound_handler("stripe", ANY_EVENT)
def _stripe_session_status(db: Session, event: InboundEvent) -> None:
    status = STRIPE_SESSION_STATUS.get(event.event_type)
    session = (event.payload.get("data") or {}).get("object") or {}
    if status == "completed" and session.get("payment_status") == "paid":
        status = "paid"
    _set_delivery_status(db, "payment_link", session.get("id"), status)


@register_inbound_handler("voice", ANY_EVENT)
def _voice_status(db: Session, event: InboundEvent) -> None:
    _set_delivery_status(db, "voice", event.payload.get("call_id"), event.payload.get("status"))
