"""Payment links as Stripe Checkout Sessions, created once per outbox row thanks to Stripe's idempotency key."""

from datetime import UTC, datetime
from typing import Any

import stripe

from service.config import Settings
from service.outbox.providers.base import Outgoing, SendResult, TransientDeliveryError, classify_http_status
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
        terms = payment_terms(message, self.settings.public_base_url)
        params: dict[str, Any] = {
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
        try:
            session = self.client.v1.checkout.sessions.create(params, {"idempotency_key": f"outbox-{message.id}"})
        except stripe.APIConnectionError as exc:
            raise TransientDeliveryError(f"Stripe unreachable: {exc.user_message or exc.__class__.__name__}") from exc
        except stripe.StripeError as exc:
            raise classify_http_status(exc.http_status or 500, f"Stripe ({exc.code}: {exc.user_message})") from exc
        expires_at = datetime.fromtimestamp(session.expires_at, UTC).isoformat()
        return SendResult(
            provider_message_id=session.id,
            data={"url": session.url, "session_id": session.id, "expires_at": expires_at},
            delivery_status=session.status,
        )
