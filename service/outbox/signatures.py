"""Webhook signatures, checked (tests/support/signatures.py produces them). Stripe and Twilio use their SDK helpers,
imported where they are used (stripe's import, with requests, is a tenth of a second an app would pay at its start);
the voice API signs the raw body with HMAC-SHA256."""

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

VOICE_SIGNATURE_HEADER = "X-Voice-Signature"


def voice_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def voice_signature_valid(body: bytes, signature: str | None, secret: str) -> bool:
    """Constant-time."""
    if not signature:
        return False
    return hmac.compare_digest(voice_signature(body, secret), signature.strip().lower())


def stripe_event_verified(body: bytes, signature: str | None, secret: str) -> bool:
    """Stripe's own check, with its 5-minute tolerance; what the body holds is checked by the caller."""
    import stripe

    try:
        stripe.WebhookSignature.verify_header(body, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
    except (stripe.SignatureVerificationError, ValueError):
        return False
    return True


def twilio_request_valid(url: str, params: Mapping[str, Any], signature: str | None, auth_token: str) -> bool:
    from twilio.request_validator import RequestValidator

    return bool(signature) and RequestValidator(auth_token).validate(url, params, signature)
