"""Reading what the outbox sent as the readers' programs do: an e-mail parsed with `email.policy.strict` (a defect
fails the test) into its text/plain and text/html parts, the HTML's links and tables read by the standard library's
HTML parser, a Slack post's bare addresses found."""

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser

from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox.delivery import deliver
from service.outbox.models import OutboxMessage
from service.outbox.providers import Outgoing
from service.outbox.providers.email import SmtpEmailProvider
from tests.support.smtp import SmtpSink

# An address Slack would link by itself: one not written in its link syntax (`<url>` or `<url|label>`).
BARE_URL = re.compile(r"(?<!<)https?://")


@dataclass
class Mail:
    message: EmailMessage
    text: str
    html: str
    links: list[tuple[str, str]]  # (href, the words linked)
    tables: list[list[list[str]]]  # each table's rows (its header first), each row's cells' text


@dataclass
class _HtmlReader(HTMLParser):
    links: list[tuple[str, str]] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    _href: str | None = None
    _words: str = ""
    _in_cell: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._words = dict(attrs).get("href") or "", ""
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
            self._in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._words))
            self._href = None
        elif tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._words += data
        if self._in_cell:
            self.tables[-1][-1][-1] += data


def read_mail(raw: bytes) -> Mail:
    """The message parsed strictly; it must be multipart/alternative (inside multipart/mixed with attachments) with a
    text/plain and a text/html part, both UTF-8."""
    message = message_from_bytes(raw, policy=policy.strict)
    assert isinstance(message, EmailMessage)
    alternative = message if message.get_content_type() == "multipart/alternative" else next(message.iter_parts())
    assert isinstance(alternative, EmailMessage)
    assert alternative.get_content_type() == "multipart/alternative", message.get_content_type()
    plain, html = alternative.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    reader = _HtmlReader()
    reader.feed(html.get_content())
    return Mail(message, plain.get_content(), html.get_content(), reader.links, reader.tables)


def received(sink: SmtpSink) -> list[Mail]:
    """Every message the sink received, oldest first, read strictly."""
    return [read_mail(raw) for raw in sink.raw]


def bare_urls(post: str) -> list[str]:
    """The addresses in a Slack post's text that are not in Slack's link syntax, with what follows them."""
    return [post[match.start() : match.start() + 60] for match in BARE_URL.finditer(post)]


def sent_by_smtp(sink_and_port: tuple[SmtpSink, int], *message_ids: int) -> list[Mail]:
    """Deliver these committed outbox e-mails to the sink over SMTP, in order; what it received of them, read
    strictly."""
    sink, port = sink_and_port
    settings = get_settings().model_copy(update={"email_provider": "smtp", "smtp_port": port})
    before = len(sink.raw)
    for message_id in message_ids:
        assert deliver(session_scope, message_id, now=utcnow(), settings=settings).outcome == "sent"
    return [read_mail(raw) for raw in sink.raw[before:]]


def copies_by_smtp(sink_and_port: tuple[SmtpSink, int], *rows: OutboxMessage) -> list[Mail]:
    """These outbox e-mails (the sandbox sent them already) sent again to the sink by the SMTP provider, as their rows
    say them; read strictly."""
    sink, port = sink_and_port
    provider = SmtpEmailProvider(get_settings().model_copy(update={"smtp_port": port}))
    before = len(sink.raw)
    for row in rows:
        fields = ("id", "channel", "recipient", "subject", "body", "payload")
        provider.send(Outgoing(attempt=1, **{name: getattr(row, name) for name in fields}))
    return [read_mail(raw) for raw in sink.raw[before:]]
