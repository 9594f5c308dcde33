"""SMS through Twilio's client. A message with a time limit carries it as the ValidityPeriod: Twilio drops it rather
than deliver it late."""

from requests import RequestException
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from service.config import Settings
from service.database import utcnow
from service.links import api_page
from service.outbox.providers.base import (
    InvalidRecipientError,
    Outgoing,
    SendResult,
    TransientDeliveryError,
    classify_http_status,
    validity_seconds,
)

TWILIO_CALLBACK_PATH = "/api/webhooks/twilio"
INVALID_NUMBER_CODES = frozenset({21211, 21614})  # invalid 'To' number, not a mobile number: the requester's input


class TwilioSmsProvider:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self.client = client or Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TwilioHttpClient(timeout=settings.outbox_send_timeout_seconds),
        )

    def send(self, message: Outgoing) -> SendResult:
        validity = validity_seconds(message, utcnow())
        try:
            sent = self.client.messages.create(
                to=message.recipient,
                from_=self.settings.twilio_from_number,
                body=message.body,
                status_callback=api_page(TWILIO_CALLBACK_PATH),
                validity_period=values.unset if validity is None else validity,
            )
        except TwilioRestException as exc:
            what = f"Twilio (error {exc.code}: {exc.msg})"
            if exc.code in INVALID_NUMBER_CODES:
                raise InvalidRecipientError(what) from exc
            raise classify_http_status(exc.status, what) from exc
        except RequestException as exc:
            raise TransientDeliveryError(f"Twilio unreachable: {exc.__class__.__name__}") from exc
        return SendResult(provider_message_id=sent.sid, delivery_status=sent.status)
