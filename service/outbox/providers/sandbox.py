"""Sandbox providers: record every message under APP_DATA_DIR/sandbox/<channel>.jsonl and simulate the outcome offline.

Outcomes are deterministic by recipient:
- Twilio's magic test numbers (+15005550001, ...02, ...03, ...04, ...09) on the channels that reach a phone, and any
  recipient containing "invalid", fail permanently;
- "flakyN" in a recipient (flaky2@example.jp) or +1500555080N fails transiently on its first N attempts;
- a voice call's answer is payload["sandbox_outcome"], else drawn from APP_SANDBOX_VOICE_ODDS seeded by the outbox
  id; "machine" answers with a greeting that reads as a yes ("お待ちしております") to a reader of the words alone; a
  call asking for a key is answered by a person, its TwiML logged for a test to press the key.

Like the real providers, the email, payment and voice sandboxes dedupe by idempotency key: a resend gets the first
answer back, logged as "replayed", so one payment never has two checkout sessions. SMS and Slack take no key.
"""

import hashlib
import json
import os
import random
import re
import threading
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from service.config import VOICE_OUTCOMES, Settings, parse_odds
from service.database import utcnow
from service.links import api_page
from service.outbox import content
from service.outbox.kinds import Channel
from service.outbox.providers.base import (
    InvalidRecipientError,
    Outgoing,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
    idempotency_key,
    validity_seconds,
)
from service.outbox.providers.terms import payment_terms
from service.outbox.providers.voice import GATHER_ACTION, gather_twiml

MAGIC_NUMBERS = {
    "+15005550001": "invalid number",
    "+15005550002": "cannot route to this number",
    "+15005550003": "no international permission",
    "+15005550004": "number is blocked",
    "+15005550009": "number is not SMS-capable",
}
INVALID_NUMBERS = frozenset({"+15005550001", "+15005550009"})  # the recipient's number, as Twilio's 21211 and 21614
SANDBOX_CHECKOUT_PATH = "/api/reservations/sandbox/checkout"  # QRV's router
FLAKY_PHONE_PREFIX = "+1500555080"
FLAKY_MARKER = re.compile(r"flaky(\d+)")
DEDUPING_CHANNELS = frozenset({"email", "payment_link", "voice"})  # Message-ID, Stripe's and the voice API's keys
_write_lock = threading.Lock()
MACHINE_GREETING = (
    "お電話ありがとうございます。ただいま電話に出ることができません。発信音のあとにご用件をお話しください。"
    "またのお電話をお待ちしております。"
)


def sandbox_dir(settings: Settings) -> Path:
    return settings.data_dir / "sandbox"


def flaky_failures(recipient: str) -> int:
    if recipient.startswith(FLAKY_PHONE_PREFIX) and len(recipient) == len(FLAKY_PHONE_PREFIX) + 1:
        return int(recipient[-1])
    match = FLAKY_MARKER.search(recipient)
    return int(match.group(1)) if match else 0


def simulated_failure(message: Outgoing) -> Exception | None:
    if message.recipient in MAGIC_NUMBERS and Channel.of(message.channel).phone:
        refused = InvalidRecipientError if message.recipient in INVALID_NUMBERS else PermanentDeliveryError
        return refused(f"sandbox: {MAGIC_NUMBERS[message.recipient]}")
    if "invalid" in message.recipient:
        return InvalidRecipientError("sandbox: recipient marked invalid")
    if message.attempt <= flaky_failures(message.recipient):
        return TransientDeliveryError(f"sandbox: simulated transient failure on attempt {message.attempt}")
    return None


def request_fingerprint(message: Outgoing) -> str:
    """As a provider compares a reused idempotency key's parameters."""
    request = [message.channel, message.recipient, message.subject, message.body, message.payload]
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def stored_answer(path: Path, message: Outgoing) -> SendResult | None:
    kept = json.loads(path.read_text(encoding="utf-8"))
    return SendResult(**kept["answer"]) if kept["request"] == request_fingerprint(message) else None


def voice_outcome(message: Outgoing, odds: dict[str, int]) -> str:
    forced = message.payload.get("sandbox_outcome")
    if forced in VOICE_OUTCOMES:
        return forced
    names = list(odds)
    return random.Random(message.id).choices(names, weights=[odds[n] for n in names])[0]


def _gathering(message: Outgoing) -> str | None:
    """None for any other message."""
    if message.channel != "voice" or GATHER_ACTION not in message.payload:
        return None
    return gather_twiml(message.body, message.payload[GATHER_ACTION])


class SandboxProvider:
    """What a successful send returns mirrors the real provider's shape."""

    def __init__(self, channel: str, settings: Settings) -> None:
        self.channel = channel
        self.settings = settings

    def send(self, message: Outgoing) -> SendResult:
        answered = self._answered(message)
        if answered is not None:
            self._record(message, outcome="replayed", sandbox_id=answered.provider_message_id, data=answered.data)
            return answered
        failure = simulated_failure(message)
        if failure is not None:
            self._record(message, outcome=type(failure).__name__, error=str(failure))
            raise failure
        sandbox_id = f"sandbox-{uuid.uuid4().hex}"
        fresh = self._result(message, sandbox_id)
        kept = self._keep_first(message, fresh)
        outcome = "sent" if kept is fresh else "replayed"
        validity = validity_seconds(message, utcnow()) if self.channel == "sms" else None
        posted = content.slack(message.document()) if self.channel == "slack" else None
        self._record(
            message,
            outcome=outcome,
            sandbox_id=kept.provider_message_id,
            data=kept.data,
            validity_period=validity,
            posted=posted,
            twiml=_gathering(message),
        )
        return kept

    def _answer_path(self, message: Outgoing) -> Path | None:
        if self.channel not in DEDUPING_CHANNELS:
            return None
        return sandbox_dir(self.settings) / "idempotency" / self.channel / f"{idempotency_key(message)}.json"

    def _answered(self, message: Outgoing) -> SendResult | None:
        path = self._answer_path(message)
        return stored_answer(path, message) if path is not None and path.exists() else None

    def _keep_first(self, message: Outgoing, result: SendResult) -> SendResult:
        """When a concurrent send kept one first, that one stands; one kept for another request (an outbox id reused
        after a reset) is replaced."""
        path = self._answer_path(message)
        if path is None:
            return result
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")
        kept = {"request": request_fingerprint(message), "answer": asdict(result)}
        partial.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        try:
            os.link(partial, path)  # atomic, and refuses to replace an answer already kept
        except FileExistsError:
            earlier = stored_answer(path, message)
            if earlier is not None:
                return earlier
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        return result

    def _result(self, message: Outgoing, sandbox_id: str) -> SendResult:
        if self.channel == "payment_link" and message.payload.get("action") == "expire":
            status = message.payload.get("sandbox_outcome", "expired")
            return SendResult(
                f"expire-{sandbox_id}", {"session_id": message.payload.get("session_id"), "status": status}
            )
        if self.channel == "payment_link" and message.payload.get("action") == "refund":
            return SendResult(sandbox_id, {"refund_id": sandbox_id, "status": "succeeded"}, delivery_status="succeeded")
        if self.channel == "payment_link":
            terms = payment_terms(message)
            url = api_page(f"{SANDBOX_CHECKOUT_PATH}/{sandbox_id}")
            data = {"url": url, "session_id": sandbox_id, "expires_at": terms["expires_at"].isoformat()}
            return SendResult(sandbox_id, data, delivery_status="open")
        if self.channel == "voice":
            return SendResult(sandbox_id, self._call(message, sandbox_id), delivery_status="completed")
        if self.channel == "sms":
            return SendResult(sandbox_id, delivery_status="delivered")
        return SendResult(sandbox_id)

    def _call(self, message: Outgoing, sandbox_id: str) -> dict[str, Any]:
        if _gathering(message):
            return {"call_id": sandbox_id, "outcome": "completed", "answered_by": "human"}
        outcome = voice_outcome(message, parse_odds(self.settings.sandbox_voice_odds))
        if outcome == "machine":
            return {
                "call_id": sandbox_id,
                "outcome": "completed",
                "answered_by": "machine_end_beep",
                "transcript": MACHINE_GREETING,
            }
        answered_by = None if outcome == "no_answer" else "human"
        return {"call_id": sandbox_id, "outcome": outcome, "answered_by": answered_by}

    def _record(self, message: Outgoing, **fields: Any) -> None:
        line = {
            "at": utcnow().isoformat(),
            "outbox_id": message.id,
            "attempt": message.attempt,
            "channel": self.channel,
            "recipient": message.recipient,
            "subject": message.subject,
            "body": message.body,
            "payload": message.payload,
            **fields,
        }
        folder = sandbox_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        with _write_lock, (folder / f"{self.channel}.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
