"""The payment provider's expire and refund actions: Stripe's documented API (a local server speaking it) and the
sandbox. The reservations domain expires Checkout Sessions itself and refunds through these outbox actions."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import stripe

from service.config import get_settings
from service.outbox.providers import Outgoing, PermanentDeliveryError
from service.outbox.providers.payment import StripePaymentLinkProvider
from service.outbox.providers.sandbox import SandboxProvider

SESSION = {"id": "cs_test_1", "object": "checkout.session", "status": "expired", "payment_intent": None}


class FakeStripe:
    """Answers (method, path) from a table and records what was asked."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, dict]] = {}
        self.requests: list[tuple[str, str, dict, dict]] = []
        self.url = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                path = self.path.split("?")[0]
                fake.requests.append(
                    (self.command, path, parse_qs(body), {k.lower(): v for k, v in self.headers.items()})
                )
                status, reply = fake.routes.get(
                    (self.command, path), (404, {"error": {"type": "invalid_request_error"}})
                )
                payload = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        return Handler


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake
    server.shutdown()
    server.server_close()


def provider(fake: FakeStripe) -> StripePaymentLinkProvider:
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url}, max_network_retries=0)
    return StripePaymentLinkProvider(get_settings(), client)


def action(payload: dict, message_id: int = 9) -> Outgoing:
    return Outgoing(
        id=message_id,
        channel="payment_link",
        recipient="guest@example.jp",
        subject="",
        body="",
        payload=payload,
        attempt=1,
        domain="reservations",
        ref_type="payment_expiry",
        ref_id="1",
    )


def test_expire_asks_stripe_to_expire_the_session_once(fake_stripe):
    fake_stripe.routes[("POST", "/v1/checkout/sessions/cs_test_1/expire")] = (200, SESSION)
    result = provider(fake_stripe).send(action({"action": "expire", "session_id": "cs_test_1"}))
    assert result.data["status"] == "expired" and result.provider_message_id == "expire-cs_test_1"
    method, path, _, headers = fake_stripe.requests[0]
    assert (method, path, headers["idempotency-key"]) == ("POST", "/v1/checkout/sessions/cs_test_1/expire", "outbox-9")


def test_a_session_paid_before_it_could_be_expired_answers_complete(fake_stripe):
    refusal = {"error": {"type": "invalid_request_error", "message": "Only Checkout Sessions with a status of open"}}
    fake_stripe.routes[("POST", "/v1/checkout/sessions/cs_test_1/expire")] = (400, refusal)
    paid = SESSION | {"status": "complete", "payment_intent": "pi_1"}
    fake_stripe.routes[("GET", "/v1/checkout/sessions/cs_test_1")] = (200, paid)
    result = provider(fake_stripe).send(action({"action": "expire", "session_id": "cs_test_1"}))
    assert result.data == {"session_id": "cs_test_1", "status": "complete", "payment_intent": "pi_1"}


def test_refund_refunds_the_payment_intent_with_an_idempotency_key(fake_stripe):
    fake_stripe.routes[("POST", "/v1/refunds")] = (200, {"id": "re_1", "object": "refund", "status": "succeeded"})
    result = provider(fake_stripe).send(action({"action": "refund", "payment_intent": "pi_1", "amount": 8000}))
    assert result.data == {"refund_id": "re_1", "status": "succeeded"}
    _, path, form, headers = fake_stripe.requests[0]
    assert path == "/v1/refunds" and form == {"payment_intent": ["pi_1"], "amount": ["8000"]}
    assert headers["idempotency-key"] == "outbox-9"


def test_a_refund_without_a_payment_or_an_unknown_action_is_permanent(fake_stripe):
    with pytest.raises(PermanentDeliveryError, match="payment_intent"):
        provider(fake_stripe).send(action({"action": "refund"}))
    with pytest.raises(PermanentDeliveryError, match="unknown payment action"):
        provider(fake_stripe).send(action({"action": "capture"}))
    assert fake_stripe.requests == []


def test_the_sandbox_expires_and_refunds(tmp_path):
    sandbox = SandboxProvider("payment_link", get_settings().model_copy(update={"data_dir": tmp_path}))
    assert sandbox.send(action({"action": "expire", "session_id": "s1"})).data["status"] == "expired"
    forced = sandbox.send(action({"action": "expire", "session_id": "s1", "sandbox_outcome": "complete"}))
    assert forced.data["status"] == "complete"
    assert sandbox.send(action({"action": "refund", "payment_intent": "pi"})).data["status"] == "succeeded"
