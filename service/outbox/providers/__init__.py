from importlib import import_module

from service.config import Settings
from service.outbox.kinds import Channel
from service.outbox.providers.base import (
    Attachment,
    DeliveryError,
    InvalidRecipientError,
    Outgoing,
    PermanentDeliveryError,
    Provider,
    SendResult,
    TransientDeliveryError,
)
from service.outbox.providers.sandbox import SandboxProvider

__all__ = [
    "Attachment",
    "DeliveryError",
    "InvalidRecipientError",
    "Outgoing",
    "PermanentDeliveryError",
    "Provider",
    "SendResult",
    "TransientDeliveryError",
    "provider_for",
]

REAL_PROVIDERS = {
    ("email", "smtp"): "service.outbox.providers.email:SmtpEmailProvider",
    ("sms", "twilio"): "service.outbox.providers.sms:TwilioSmsProvider",
    ("slack", "webhook"): "service.outbox.providers.slack:WebhookSlackProvider",
    ("payment_link", "stripe"): "service.outbox.providers.payment:StripePaymentLinkProvider",
    ("voice", "http"): "service.outbox.providers.voice:HttpVoiceProvider",
}


def provider_for(channel: str, settings: Settings) -> Provider:
    """An SDK is imported only when its provider is chosen."""
    choice = getattr(settings, Channel.of(channel).provider_setting)
    if choice == "sandbox":
        return SandboxProvider(channel, settings)
    module, _, name = REAL_PROVIDERS[(channel, choice)].partition(":")
    return getattr(import_module(module), name)(settings)
