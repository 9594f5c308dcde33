"""Webhook signatures, checked and produced (for the sandbox and tests). Stripe and Twilio use their SDK helpers,
imported where they are used (stripe's import, with requests, is a tenth of a second an app would pay at its start);
the voice API signs the raw body with HMAC-SHA256."""

import hashlib
import hmac
import json
import time
import uuid
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


def signed_stripe_event(
    event_type: str, data_object: dict[str, Any], *, secret: str, event_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    import stripe

    event = {
        "id": event_id or f"evt_sandbox_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": data_object},
    }
    body = json.dumps(event).encode()
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret)
    return body, {"Stripe-Signature": header, "Content-Type": "application/json"}


def signed_twilio_callback(url: str, params: Mapping[str, str], *, auth_token: str) -> dict[str, str]:
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(auth_token).compute_signature(url, dict(params))
    return {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}


def signed_voice_event(event: dict[str, Any], *, secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, ensure_ascii=False).encode()
    return body, {VOICE_SIGNATURE_HEADER: voice_signature(body, secret), "Content-Type": "application/json"}
