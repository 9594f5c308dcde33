"""What the outbox and the webhooks hand to this domain: one registration per event, each a thin adapter.

Imported by the router (API process: webhooks) and by jobs/reservations.py (worker: delivery outcomes).
"""

from sqlalchemy.orm import Session

from service.database import utcnow
from service.outbox.delivery import on_failed, on_sent
from service.outbox.inbound import register_inbound_handler
from service.outbox.models import InboundEvent, OutboxMessage
from service.reservations import holds, payments
from service.reservations.messages import DOMAIN
from service.reservations.operations import notices
from service.reservations.shops import calls


@on_sent(DOMAIN, "call")
def _call_sent(db: Session, message: OutboxMessage) -> None:
    calls.call_answered(db, message, utcnow())


@on_failed(DOMAIN, "call")
def _call_failed(db: Session, message: OutboxMessage) -> None:
    calls.call_failed(db, message, utcnow())


@register_inbound_handler("voice", "*")
def _voice_result(db: Session, event: InboundEvent) -> None:
    calls.voice_event(db, event, utcnow())


@on_sent(DOMAIN, "payment")
def _link_created(db: Session, message: OutboxMessage) -> None:
    payments.link_created(db, message, utcnow())


@on_failed(DOMAIN, "payment")
def _link_failed(db: Session, message: OutboxMessage) -> None:
    payments.link_failed(db, message, utcnow())


@on_sent(DOMAIN, "sms")
@on_sent(DOMAIN, "email")
def _message_delivered(db: Session, message: OutboxMessage) -> None:
    payments.link_delivered(db, message)


@on_sent(DOMAIN, "payment_expiry")
def _expiry_answered(db: Session, message: OutboxMessage) -> None:
    payments.expiry_answered(db, message, utcnow())


@on_failed(DOMAIN, "payment_expiry")
def _expiry_failed(db: Session, message: OutboxMessage) -> None:
    payments.expiry_failed(db, message, utcnow())


@on_sent(DOMAIN, "refund")
def _refund_done(db: Session, message: OutboxMessage) -> None:
    payments.refund_done(db, message, utcnow())


@on_failed(DOMAIN, "refund")
def _refund_failed(db: Session, message: OutboxMessage) -> None:
    payments.refund_failed(db, message, utcnow())


@register_inbound_handler("stripe", "checkout.session.completed")
@register_inbound_handler("stripe", "checkout.session.async_payment_succeeded")
def _checkout_completed(db: Session, event: InboundEvent) -> None:
    payments.session_completed(db, event, utcnow())


@on_failed(DOMAIN, "sms")
@on_failed(DOMAIN, "email")
def _message_failed(db: Session, message: OutboxMessage) -> None:
    """§2.2.2: a payment link that reached nobody (SMS or e-mail) puts the hold on the operator's clock
    (holds.link_reached_nobody); any other notice to the requester that reached nobody opens an operation
    (notices.undelivered: urgent while the reservation waits, low once it is over)."""
    if not holds.link_reached_nobody(db, message, utcnow()):
        notices.undelivered(db, message, utcnow())
