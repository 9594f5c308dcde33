"""Slack through an incoming webhook with the official slack_sdk client.

Every post is plain text that Slack shows as it was written: `slack_text` escapes `&`, `<` and `>` as Slack's
formatting rules ask ("Escaping text"), so a name, a title or a note cannot mention everyone (`<!channel>`) or put a
link under a label (`<url|label>`). The domains' templates build no mention or link markup on purpose: a URL in them
is plain text, which Slack links itself. slack_sdk has no helper for this.
"""

from slack_sdk.webhook import WebhookClient

from service.config import Settings
from service.outbox.providers.base import Outgoing, SendResult, TransientDeliveryError, classify_http_status

SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def slack_text(text: str) -> str:
    """`text` as Slack shows it literally: its control characters `&`, `<` and `>` escaped."""
    return text.translate(SLACK_ESCAPES)


class WebhookSlackProvider:
    def __init__(self, settings: Settings) -> None:
        self.client = WebhookClient(settings.slack_webhook_url, timeout=settings.outbox_send_timeout_seconds)

    def send(self, message: Outgoing) -> SendResult:
        try:
            response = self.client.send(text=slack_text(message.body or message.subject))
        except OSError as exc:
            raise TransientDeliveryError(f"Slack webhook unreachable: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 200:
            raise classify_http_status(response.status_code, f"Slack webhook ({response.body})")
        request_id = response.headers.get("x-slack-req-id") or f"outbox-{message.id}"
        return SendResult(provider_message_id=f"slack-{request_id}")
