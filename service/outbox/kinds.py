"""The outbox's channels, declared once as a `StrEnum` whose members carry their Japanese words and facts (the setting
that picks the channel's provider, and whether its recipient is a phone number). The models, the API's types and
OpenAPI enums, the providers and the vocabulary read them; a message's statuses are the audit log's words
(audit/labels.py's OutboxStatus)."""

from typing import Self

from service.words import Kind, kind_member


class Channel(Kind):
    provider_setting: str  # Settings' field naming its provider (sandbox or a real one)
    phone: bool  # its recipient is a phone number (E.164)

    def __new__(cls, value: str, label: str, provider_setting: str, phone: bool = False) -> Self:
        return kind_member(cls, value, label, provider_setting=provider_setting, phone=phone)

    EMAIL = "email", "メール", "email_provider"
    SMS = "sms", "SMS", "sms_provider", True
    SLACK = "slack", "Slack", "slack_provider"
    VOICE = "voice", "音声電話", "voice_provider", True
    PAYMENT_LINK = "payment_link", "決済リンク", "payment_provider"
