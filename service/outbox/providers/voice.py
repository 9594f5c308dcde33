"""Voice calls through a documented HTTP API (POST {voice_api_url}/calls with a bearer key); results come by webhook.

Every call asks for answering-machine detection (Twilio's MachineDetection); a call asking for a key (payload
`gather_action`) is sent as TwiML, its key posted as Twilio posts a <Gather>'s result (signed with X-Twilio-Signature).
"""

from twilio.twiml.voice_response import VoiceResponse

from service.config import Settings
from service.links import api_page
from service.outbox.providers.base import (
    Outgoing,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
    classify_http_status,
    idempotency_key,
)

VOICE_CALLBACK_PATH = "/api/webhooks/voice"
MACHINE_DETECTION = "DetectMessageEnd"
GATHER_ACTION = "gather_action"
LANGUAGE = "ja-JP"
GATHER_ROUNDS = 2  # the script is read this many times while the call waits for a key
GATHER_TIMEOUT_SECONDS = 5  # the wait for a key after each reading


def gather_twiml(script: str, action: str) -> str:
    response = VoiceResponse()
    for _ in range(GATHER_ROUNDS):
        gather = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT_SECONDS)
        gather.say(script, language=LANGUAGE)
    return str(response)


def say_twiml(words: str) -> str:
    response = VoiceResponse()
    response.say(words, language=LANGUAGE)
    return str(response)


class HttpVoiceProvider:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> SendResult:
        s = self.settings
        request = {
            "to": message.recipient,
            "script": message.body,
            "callback_url": api_page(VOICE_CALLBACK_PATH),
            "reference": idempotency_key(message),
            "machine_detection": MACHINE_DETECTION,
        }
        if GATHER_ACTION in message.payload:
            request["twiml"] = gather_twiml(message.body, message.payload[GATHER_ACTION])
        headers = {"Authorization": f"Bearer {s.voice_api_key}", "Idempotency-Key": idempotency_key(message)}
        import httpx  # the real provider's only: not with the app, which the sandbox serves by default

        try:
            response = httpx.post(
                s.voice_api_url.rstrip("/") + "/calls",
                json=request,
                headers=headers,
                timeout=s.outbox_send_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"voice API unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 300:
            raise classify_http_status(response.status_code, "voice API")
        try:
            call = response.json()
            call_id = str(call["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentDeliveryError("voice API answered without a call id") from exc
        return SendResult(provider_message_id=call_id, data={"call_id": call_id}, delivery_status=call.get("status"))
