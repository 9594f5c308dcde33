"""Webhooks signed as each provider signs them, with the SDKs' own helpers (Stripe, Twilio) and the voice API's
HMAC (service/outbox/signatures.py checks them)."""

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from service.outbox.signatures import VOICE_SIGNATURE_HEADER, voice_signature


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
