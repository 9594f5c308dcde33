"""Inbound webhooks: signatures checked with the providers' SDK helpers on the raw bytes, each event processed once."""

from urllib.parse import urlencode

import pytest
import stripe
from sqlalchemy import func, select

from service.config import get_settings
from service.database import session_scope
from service.outbox.inbound import register_inbound_handler
from service.outbox.models import InboundEvent, OutboxMessage
from tests.service.outbox.helpers import enqueue_committed, read
from tests.support.signatures import signed_stripe_event, signed_twilio_callback, signed_voice_event

STRIPE_SECRET = "whsec_test_secret"
TWILIO_TOKEN = "twilio-auth-token-for-tests"
VOICE_SECRET = "voice-webhook-secret"
TWILIO_PATH = "/api/webhooks/twilio"
handled: list[tuple[str, str]] = []


@register_inbound_handler("voice", "call.completed")
def _record_call(db, event):
    handled.append((event.event_id, event.payload.get("outcome")))


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "stripe_webhook_secret", STRIPE_SECRET)
    monkeypatch.setattr(settings, "twilio_auth_token", TWILIO_TOKEN)
    monkeypatch.setattr(settings, "voice_webhook_secret", VOICE_SECRET)
    handled.clear()
    return settings


def stored_events() -> list[tuple[str, str, str]]:
    with session_scope() as db:
        return [
            (e.provider, e.event_id, e.event_type) for e in db.scalars(select(InboundEvent).order_by(InboundEvent.id))
        ]


def mark_sent(message_id: int, provider_message_id: str) -> None:
    with session_scope() as db:
        message = db.get(OutboxMessage, message_id)
        message.status, message.provider_message_id = "sent", provider_message_id


def assert_rejected(response) -> None:
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert stored_events() == []


def post_twilio(client, params, signing_params=None, token=TWILIO_TOKEN):
    url = get_settings().public_base_url + TWILIO_PATH
    headers = signed_twilio_callback(url, signing_params or params, auth_token=token)
    return client.post(TWILIO_PATH, content=urlencode(params), headers=headers)


class TestStripe:
    def test_a_signed_checkout_completion_updates_the_payment_link_once(self, client):
        message_id = enqueue_committed(channel="payment_link", recipient="guest@example.jp", payload={"amount": 5000})
        mark_sent(message_id, "cs_test_1")
        session = {"id": "cs_test_1", "object": "checkout.session", "payment_status": "paid"}
        body, headers = signed_stripe_event(
            "checkout.session.completed", session, secret=STRIPE_SECRET, event_id="evt_1"
        )

        first = client.post("/api/webhooks/stripe", content=body, headers=headers)
        again = client.post("/api/webhooks/stripe", content=body, headers=headers)

        assert first.status_code == 200 and first.json()["duplicate"] is False
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert stored_events() == [("stripe", "evt_1", "checkout.session.completed")]
        assert read(message_id).delivery_status == "paid"

    def test_a_signature_made_with_another_secret_is_rejected(self, client):
        body, headers = signed_stripe_event("checkout.session.completed", {"id": "cs_x"}, secret="whsec_someone_else")
        assert_rejected(client.post("/api/webhooks/stripe", content=body, headers=headers))

    def test_a_body_changed_after_signing_is_rejected(self, client):
        body, headers = signed_stripe_event("checkout.session.expired", {"id": "cs_x"}, secret=STRIPE_SECRET)
        assert_rejected(client.post("/api/webhooks/stripe", content=body.replace(b"cs_x", b"cs_y"), headers=headers))

    def test_a_missing_signature_is_rejected(self, client):
        body, _ = signed_stripe_event("checkout.session.expired", {"id": "cs_x"}, secret=STRIPE_SECRET)
        assert_rejected(client.post("/api/webhooks/stripe", content=body, headers={"Content-Type": "application/json"}))

    @pytest.mark.parametrize(
        "body",
        [
            b"[1, 2]",
            b'"checkout.session.completed"',
            b"12",
            b"null",
            b"not json",
            b'{"id": "evt_x"}',
            b'{"id": "evt_x", "type": "checkout.session.completed", "data": [1]}',
            b'{"id": "evt_x", "type": "checkout.session.completed", "data": {"object": "cs_x"}}',
        ],
    )
    def test_a_signed_body_that_is_not_an_event_object_is_a_400(self, client, body):
        header = stripe.WebhookSignature.generate_signature_header(body.decode(), STRIPE_SECRET)
        response = client.post("/api/webhooks/stripe", content=body, headers={"Stripe-Signature": header})
        assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_event")
        assert stored_events() == []

    def test_without_a_configured_secret_nothing_is_accepted(self, client, secrets, monkeypatch):
        monkeypatch.setattr(secrets, "stripe_webhook_secret", "")
        body, headers = signed_stripe_event("checkout.session.expired", {"id": "cs_x"}, secret="")
        response = client.post("/api/webhooks/stripe", content=body, headers=headers)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "webhook_not_configured"
        assert stored_events() == []


class TestTwilio:
    def test_a_signed_status_callback_sets_the_sms_delivery_status_and_a_repeat_is_ignored(self, client):
        message_id = enqueue_committed(channel="sms", recipient="+819012345678")
        mark_sent(message_id, "SM123")
        params = {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": "AC1", "To": "+819012345678"}

        assert post_twilio(client, params).json()["duplicate"] is False
        assert post_twilio(client, params).json()["duplicate"] is True
        assert stored_events() == [("twilio", "SM123:delivered", "message.delivered")]
        assert read(message_id).delivery_status == "delivered"

    def test_an_incoming_sms_is_stored_as_message_received(self, client):
        params = {"MessageSid": "SM999", "From": "+819012345678", "To": "+815000000000", "Body": "はい"}
        assert post_twilio(client, params).status_code == 200
        assert stored_events() == [("twilio", "SM999:received", "message.received")]

    def test_a_tampered_parameter_is_rejected(self, client):
        signed = {"MessageSid": "SM123", "MessageStatus": "failed"}
        assert_rejected(post_twilio(client, {**signed, "MessageStatus": "delivered"}, signing_params=signed))

    def test_a_signature_with_the_wrong_token_is_rejected(self, client):
        assert_rejected(post_twilio(client, {"MessageSid": "SM1", "MessageStatus": "sent"}, token="not-our-token"))


class TestVoice:
    def test_a_signed_call_result_runs_the_domain_handler_once(self, client):
        message_id = enqueue_committed(channel="voice", recipient="+819011112222", body="ご予約の確認です")
        mark_sent(message_id, "call-1")
        event = {
            "id": "evt-call-1",
            "type": "call.completed",
            "call_id": "call-1",
            "status": "completed",
            "outcome": "accept",
        }
        body, headers = signed_voice_event(event, secret=VOICE_SECRET)

        assert client.post("/api/webhooks/voice", content=body, headers=headers).json()["duplicate"] is False
        assert client.post("/api/webhooks/voice", content=body, headers=headers).json()["duplicate"] is True
        assert handled == [("evt-call-1", "accept")]
        assert read(message_id).delivery_status == "completed"

    def test_a_wrong_hmac_is_rejected(self, client):
        body, _ = signed_voice_event({"id": "e1", "type": "call.completed"}, secret=VOICE_SECRET)
        _, forged = signed_voice_event({"id": "e1", "type": "call.completed"}, secret="guess")
        assert_rejected(client.post("/api/webhooks/voice", content=body, headers=forged))

    def test_a_signed_event_without_an_id_is_a_clear_400(self, client):
        body, headers = signed_voice_event({"type": "call.completed"}, secret=VOICE_SECRET)
        response = client.post("/api/webhooks/voice", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "malformed_event"
        with session_scope() as db:
            assert db.scalar(select(func.count()).select_from(InboundEvent)) == 0

    def test_an_overlong_event_id_is_a_clear_400_on_every_backend(self, client):
        body, headers = signed_voice_event({"id": "e" * 201, "type": "call.completed"}, secret=VOICE_SECRET)
        response = client.post("/api/webhooks/voice", content=body, headers=headers)
        assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_event"
        assert stored_events() == []
