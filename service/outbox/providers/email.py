"""Email over SMTP with the standard library: text/plain and text/html parts (content.py), attachments as MIME parts."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from service.config import Settings
from service.outbox import content
from service.outbox.providers.base import Outgoing, PermanentDeliveryError, SendResult, TransientDeliveryError


def message_id_for(outbox_id: int, sender: str) -> str:
    """So a receiver can recognise a resend of one message."""
    domain = sender.rpartition("@")[2] or "daicho.local"
    return f"<outbox-{outbox_id}@{domain}>"


def build_email(message: Outgoing, sender: str) -> EmailMessage:
    email = EmailMessage()
    try:
        email["From"] = sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
    except ValueError as exc:
        raise PermanentDeliveryError(f"invalid header: {exc}") from exc
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id_for(message.id, sender)
    document = message.document()
    email.set_content(content.text(document))
    email.add_alternative(content.html(document, title=message.subject), subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return email


def _smtp_error(exc: smtplib.SMTPException) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        code = min(codes) if codes else 550
        text = "recipient refused"
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, text = (
            exc.smtp_code,
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error),
        )
    else:
        return TransientDeliveryError(f"SMTP error: {exc.__class__.__name__}")
    error = PermanentDeliveryError if 500 <= code < 600 else TransientDeliveryError
    return error(f"SMTP {code}: {text}")


class SmtpEmailProvider:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> SendResult:
        s = self.settings
        email = build_email(message, s.email_from)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.outbox_send_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(email)
        except smtplib.SMTPException as exc:
            raise _smtp_error(exc) from exc
        except OSError as exc:
            raise TransientDeliveryError(f"SMTP connection failed: {exc.__class__.__name__}: {exc}") from exc
        return SendResult(provider_message_id=email["Message-ID"])
