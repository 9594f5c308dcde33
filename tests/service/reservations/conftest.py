"""Reservations test helpers: the catalogue, people with reservations roles, bookings, and the outbox run in-process.

`deliver_due()` runs the real outbox delivery (claim, sandbox provider, hooks) for every message that is due, the way
the worker does, so the workflow is exercised end to end without a worker process.
"""

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import stripe
from sqlalchemy import func, select

from service.audit.service import Actor
from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox import delivery
from service.outbox.models import OutboxMessage
from service.reservations import hooks  # noqa: F401  (deliver_due reacts as the worker does: the outbox hooks)
from service.reservations.booking import booking, clients
from service.reservations.booking.schemas import ReservationCreate
from service.reservations.models import Payment, Reservation, ServiceType, Shop
from service.reservations.state_machine import EventActor
from tests.factories import auth_headers, make_user
from tests.service.outbox.fake_api import serve
from tests.support.live_server import live_api  # noqa: F401  (the fixture)

STRIPE_SECRET = "whsec_reservations_tests"
AI = EventActor("ai", "test-chat")
TESTER = Actor(type="user", id="0", label="tester")
ROLES = ("operator", "support", "executive")
VOICE_SECRET = "voice-secret-for-tests"
ROOMY_BUDGET = 1000  # calls per shop per hour and per day, for tests not about the budget (test_call_budget.py is)


@pytest.fixture(autouse=True)
def sandbox(monkeypatch) -> Iterator:
    """Every call is accepted and a shop's call budget is roomy (ROOMY_BUDGET) unless a test says otherwise; Stripe
    webhooks are signed with a test secret."""
    settings = get_settings()
    monkeypatch.setattr(settings, "sandbox_voice_odds", "accept=1")
    monkeypatch.setattr(settings, "reservations_shop_calls_per_hour", ROOMY_BUDGET)
    monkeypatch.setattr(settings, "reservations_shop_calls_per_day", ROOMY_BUDGET)
    monkeypatch.setattr(settings, "stripe_webhook_secret", STRIPE_SECRET)
    yield settings


@pytest.fixture
def http_voice_api(monkeypatch) -> Iterator:
    """The HTTP voice provider: a fake API that answers each call with a call id; outcomes come by the signed webhook
    (VOICE_SECRET)."""
    settings = get_settings()
    with serve() as api:
        api.answer(201, {"id": "call-1", "status": "queued"})
        for name, value in (
            ("voice_provider", "http"),
            ("voice_api_url", api.url),
            ("voice_api_key", "k"),
            ("voice_webhook_secret", VOICE_SECRET),
        ):
            monkeypatch.setattr(settings, name, value)
        yield api


def answer_calls(monkeypatch, outcome: str) -> None:
    monkeypatch.setattr(get_settings(), "sandbox_voice_odds", f"{outcome}=1")


def call_again_at_once(monkeypatch) -> None:
    """Round 2 calls a shop again without waiting (APP_RESERVATIONS_ROUND_TWO_WAIT_MINUTES=0): for tests of who is
    called, not when."""
    monkeypatch.setattr(get_settings(), "reservations_round_two_wait_minutes", 0)


def make_service(db, name="ハウスクリーニング", price=8000, duration=120) -> ServiceType:
    service = ServiceType(name=name, price=price, duration_minutes=duration, description="")
    db.add(service)
    db.flush()
    return service


def make_shop(db, name, services, *, order=100, phone=None, email=None, active=True) -> Shop:
    shop = Shop(
        name=name,
        phone=phone or f"+8130000{order:05d}",
        email=email if email is not None else f"shop{order}@example.jp",
        call_order=order,
        active=active,
        services=list(services),
    )
    db.add(shop)
    db.flush()
    return shop


@pytest.fixture
def catalog(db):
    """One service offered by three shops (call order 1, 2, 3); committed."""
    service = make_service(db)
    shops = [make_shop(db, f"提携店{n}", [service], order=n) for n in (1, 2, 3)]
    db.commit()
    return {"service_id": service.id, "shop_ids": [s.id for s in shops]}


def headers_for(db, role: str, login: str | None = None) -> dict[str, str]:
    user = make_user(db, login or f"resv-{role}", grants={"reservations": role})
    db.commit()
    return auth_headers(user)


def book(service_id: int, *, days: float = 5, phone="090-1234-5678", email="guest@example.jp", **fields) -> str:
    """A reservation taken as the MCP tool takes it, committed; returns its QRV id."""
    data = ReservationCreate(
        service_type_id=service_id,
        requester_name=fields.pop("name", "山田太郎"),
        requester_phone=phone,
        requester_email=email,
        desired_at=utcnow() + timedelta(days=days),
        details=fields.pop("details", "3LDK 水回り"),
    )
    with session_scope() as db:
        return booking.create_reservation(db, data=data, client=None, actor=AI, now=utcnow()).code


def japan_day(days: int, hour: int = 14) -> datetime:
    """An hour (14:00) Japan time, some days ahead."""
    return datetime.combine(date.today() + timedelta(days=days), time(hour), tzinfo=ZoneInfo("Asia/Tokyo"))


def deliver_due(*, now: datetime | None = None, channel: str | None = None, rounds: int = 20) -> int:
    """Deliver due outbox messages (of one channel) until none is left; returns how many deliveries ran."""
    ran = 0
    for _ in range(rounds):
        at = now or utcnow()
        with session_scope() as db:
            due = delivery.dispatch_due(db, now=at, limit=500)
            if channel:
                due = [
                    m.id
                    for m in db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(due)))
                    if m.channel == channel
                ]
        if not due:
            return ran
        for message_id in due:
            delivery.deliver(session_scope, message_id, now=at)
            ran += 1
    return ran


def state(code: str) -> str:
    with session_scope() as db:
        return db.scalar(select(Reservation.status).where(Reservation.code == code))


def messages(channel: str, code: str | None = None) -> list[OutboxMessage]:
    """The outbox rows of a channel (about one reservation when given: its id appears in the body or payload)."""
    with session_scope() as db:
        rows = list(
            db.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id))
        )
    return [m for m in rows if code is None or code in (m.body or "") or (m.payload or {}).get("reservation") == code]


STATUS_LINK = re.compile(r"https?://\S+/api/reservations/status/(\S+)")


def sms_link(code: str) -> tuple[str, str]:
    """The path of the status link in the booking's SMS, and its token."""
    [confirmation] = [m for m in messages("sms", code) if "受け付けました" in m.body]
    found = STATUS_LINK.search(confirmation.body)
    assert found, confirmation.body
    return urlsplit(found.group(0)).path, found.group(1)


def count(model, *conditions) -> int:
    with session_scope() as db:
        return db.scalar(select(func.count()).select_from(model).where(*conditions))


def payment_of(code: str) -> Payment:
    with session_scope() as db:
        reservation_id = db.scalar(select(Reservation.id).where(Reservation.code == code))
        return db.scalar(select(Payment).where(Payment.reservation_id == reservation_id).order_by(Payment.id.desc()))


def pay(client, session_id: str, *, event_id: str | None = None, paid_at: datetime | None = None, intent="pi_test_1"):
    """POST a signed checkout.session.completed for the session to the Stripe webhook, as Stripe sends it."""
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int((paid_at or utcnow()).timestamp()),
        "data": {"object": {"id": session_id, "payment_status": "paid", "payment_intent": intent}},
    }
    body = json.dumps(event)
    headers = {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET)}
    return client.post("/api/webhooks/stripe", content=body.encode(), headers=headers)


def make_mcp_client(name="demo-chat") -> tuple[int, str]:
    with session_scope() as db:
        client, key = clients.create_client(db, name=name, actor=TESTER, now=utcnow())
        return client.id, key
