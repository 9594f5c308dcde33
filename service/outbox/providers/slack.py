"""Slack through an incoming webhook with slack_sdk. Posts are content.py's `slack` form: escaped, so a name or a note
cannot mention everyone (`<!channel>`) or put a link under a label (slack_sdk has no helper for either)."""

from slack_sdk.webhook import WebhookClient

from service.config import Settings
from service.outbox import content
from service.outbox.providers.base import Outgoing, SendResult, TransientDeliveryError, classify_http_status


class WebhookSlackProvider:
    def __init__(self, settings: Settings) -> None:
        self.client = WebhookClient(settings.slack_webhook_url, timeout=settings.outbox_send_timeout_seconds)

    def send(self, message: Outgoing) -> SendResult:
        try:
            response = self.client.send(text=content.slack(message.document()))
        except OSError as exc:
            raise TransientDeliveryError(f"Slack webhook unreachable: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 200:
            raise classify_http_status(response.status_code, f"Slack webhook ({response.body})")
        request_id = response.headers.get("x-slack-req-id") or f"outbox-{message.id}"
        return SendResult(provider_message_id=f"slack-{request_id}")
