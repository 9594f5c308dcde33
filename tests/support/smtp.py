"""A real SMTP server (aiosmtpd) on a free local port that collects every message it fully receives.

`hold_next_data()` makes the next DATA command wait before answering 354, so a test can act while a client
is in the middle of sending; a connection dropped there never delivers its message. `raw` keeps each message's bytes
as received, for a parse with `email.policy.strict` (tests/support/mail.py).
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.ports import free_port

HOLD_LIMIT_SECONDS = 60


@dataclass
class DataGate:
    """Signals when a client reached DATA, and holds it there until released."""

    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.raw: list[bytes] = []
        self.received = threading.Condition()
        self.gate: DataGate | None = None
        self.gates: list[DataGate] = []
        self.refuse: dict[str, str] = {}

    def hold_next_data(self) -> DataGate:
        self.gate = DataGate()
        self.gates.append(self.gate)
        return self.gate

    def release_all(self) -> None:
        for gate in self.gates:
            gate.released.set()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.received:
            self.raw.append(envelope.original_content or b"")
            self.messages.append(message_from_bytes(self.raw[-1], policy=default))
            self.received.notify_all()
        return "250 Message accepted for delivery"


class HoldingSMTP(SMTP):
    async def smtp_DATA(self, arg: str) -> None:
        sink: SmtpSink = self.event_handler
        gate, sink.gate = sink.gate, None
        if gate is not None:
            gate.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, gate.released.wait, HOLD_LIMIT_SECONDS)
        await super().smtp_DATA(arg)


class SinkController(Controller):
    def factory(self) -> SMTP:
        return HoldingSMTP(self.handler, **self.SMTP_kwargs)


@contextmanager
def running_smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    """(sink, port): a started server; stopped, and any held client released, at the end."""
    sink = SmtpSink()
    port = free_port()
    controller = SinkController(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        sink.release_all()
        controller.stop()


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    """(sink, port) for the test."""
    with running_smtp_sink() as running:
        yield running
