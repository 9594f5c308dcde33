"""Payment links as Stripe Checkout Sessions, created once per outbox row thanks to Stripe's idempotency key.
payload["action"]: "create" (default), "expire" (a session no longer open answers its status), or "refund"."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import stripe
from stripe.params import RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from service.config import Settings
from service.outbox.providers.base import (
    Outgoing,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
    classify_http_status,
    idempotency_key,
)
from service.outbox.providers.terms import payment_terms


def _metadata(message: Outgoing) -> dict[str, str]:
    """Lets the checkout.session.* webhooks find the outbox row and the domain object behind it."""
    return {
        "outbox_id": str(message.id),
        "domain": message.domain,
        "ref_type": message.ref_type or "",
        "ref_id": message.ref_id or "",
    }


class StripePaymentLinkProvider:
    def __init__(self, settings: Settings, client: stripe.StripeClient | None = None) -> None:
        self.settings = settings
        self.client = client or stripe.StripeClient(
            settings.stripe_api_key,
            http_client=stripe.RequestsClient(timeout=settings.outbox_send_timeout_seconds),
        )

    def send(self, message: Outgoing) -> SendResult:
        actions = {"create": self._create, "expire": self._expire, "refund": self._refund}
        action = actions.get(message.payload.get("action", "create"))
        if action is None:
            raise PermanentDeliveryError(f"unknown payment action {message.payload.get('action')!r}")
        with _stripe_errors():
            return action(message)

    def _create(self, message: Outgoing) -> SendResult:
        terms = payment_terms(message)
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": terms["currency"],
                        "unit_amount": terms["amount"],
                        "product_data": {"name": message.subject or "お支払い"},
                    },
                }
            ],
            "success_url": terms["success_url"],
            "cancel_url": terms["cancel_url"],
            "expires_at": int(terms["expires_at"].timestamp()),
            "metadata": _metadata(message),
        }
        if "@" in message.recipient:
            params["customer_email"] = message.recipient
        session = self.client.v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key(message)})
        expires_at = datetime.fromtimestamp(session.expires_at, UTC).isoformat()
        return SendResult(
            provider_message_id=session.id,
            data={"url": session.url, "session_id": session.id, "expires_at": expires_at},
            delivery_status=session.status,
        )

    def _expire(self, message: Outgoing) -> SendResult:
        session_id = _required(message, "session_id")
        try:
            session = self.client.v1.checkout.sessions.expire(
                session_id, options={"idempotency_key": idempotency_key(message)}
            )
        except stripe.InvalidRequestError:  # no longer open: completed (paid) or already expired
            session = self.client.v1.checkout.sessions.retrieve(session_id)
        data = {"session_id": session.id, "status": session.status, "payment_intent": session.payment_intent}
        return SendResult(provider_message_id=f"expire-{session.id}", data=data, delivery_status=session.status)

    def _refund(self, message: Outgoing) -> SendResult:
        params: RefundCreateParams = {"payment_intent": _required(message, "payment_intent")}
        if message.payload.get("amount"):
            params["amount"] = message.payload["amount"]
        refund = self.client.v1.refunds.create(params, {"idempotency_key": idempotency_key(message)})
        data = {"refund_id": refund.id, "status": refund.status}
        return SendResult(provider_message_id=refund.id, data=data, delivery_status=refund.status)


def _required(message: Outgoing, name: str) -> str:
    value = message.payload.get(name)
    if not value:
        raise PermanentDeliveryError(f"payment action {message.payload.get('action')!r} needs payload.{name}")
    return str(value)


@contextmanager
def _stripe_errors() -> Iterator[None]:
    try:
        yield
    except stripe.APIConnectionError as exc:
        raise TransientDeliveryError(f"Stripe unreachable: {exc.user_message or exc.__class__.__name__}") from exc
    except stripe.StripeError as exc:
        raise classify_http_status(exc.http_status or 500, f"Stripe ({exc.code}: {exc.user_message})") from exc
