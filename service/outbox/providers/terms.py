"""What a payment link asks for, read from the outbox payload; shared by Stripe and the sandbox."""

from datetime import UTC, datetime, timedelta
from typing import Any

from service.links import api_page
from service.outbox.providers.base import Outgoing, PermanentDeliveryError

DEFAULT_EXPIRY_MINUTES = 60
EXPIRY_RANGE_MINUTES = (30, 24 * 60)  # what Stripe accepts for a Checkout Session


def payment_terms(message: Outgoing) -> dict[str, Any]:
    """Amount, currency, expiry and return URLs from the message payload; a missing amount is permanent."""
    payload = message.payload
    amount = payload.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise PermanentDeliveryError(
            "payment link needs payload.amount, a positive integer in the currency's minor unit"
        )
    minutes = payload.get("expires_in_minutes", DEFAULT_EXPIRY_MINUTES)
    low, high = EXPIRY_RANGE_MINUTES
    if not isinstance(minutes, int) or not low <= minutes <= high:
        raise PermanentDeliveryError(f"payload.expires_in_minutes must be an integer from {low} to {high}")
    return {
        "amount": amount,
        "currency": str(payload.get("currency", "jpy")).lower(),
        "expires_at": datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes),
        "success_url": payload.get("success_url", api_page("/payments/success")),
        "cancel_url": payload.get("cancel_url", api_page("/payments/cancel")),
    }
