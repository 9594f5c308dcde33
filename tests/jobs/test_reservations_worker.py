"""The reservations workflow through a real Celery worker: a booking committed by the API side is called, accepted,
sent a payment link and, when nobody pays, expired by the sweeper task; the nightly summary and the alerts run too."""

import pytest
from sqlalchemy import func, select

from jobs.reservations import check_operations, summarize_months, sweep_deadlines
from service.database import session_scope, utcnow
from service.reservations.models import MonthlyStat, Payment, Reservation
from tests.service.reservations.conftest import book, make_service, make_shop, messages
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow
WORKER_ENV = {"APP_SANDBOX_VOICE_ODDS": "accept=1", "APP_RESERVATIONS_PAYMENT_WINDOW_SECONDS": "1"}


def status_of(code: str) -> str:
    with session_scope() as db:
        return db.scalar(select(Reservation.status).where(Reservation.code == code))


def reaches(code: str, wanted: str):
    return lambda: status_of(code) == wanted


def window_passed(code: str) -> bool:
    with session_scope() as db:
        expires = db.scalar(
            select(Payment.expires_at).join(Reservation).where(Reservation.code == code, Payment.status == "open")
        )
    return expires is not None and expires < utcnow()


def test_a_booking_is_called_linked_and_expired_by_the_worker(db, start_worker):
    service = make_service(db)
    make_shop(db, "提携店1", [service], order=1)
    db.commit()
    start_worker(**WORKER_ENV)
    code = book(service.id)  # the commit queues the confirmation SMS and the first call

    wait_until(reaches(code, "awaiting_payment"), timeout=60, message="the shop's yes and the payment link")
    assert len(messages("sms", code)) == 2
    wait_until(lambda: window_passed(code), timeout=10, message="the payment window to pass")
    sweep_deadlines.delay()
    wait_until(reaches(code, "payment_timeout"), timeout=60, message="the sweeper to expire the payment")
    wait_until(lambda: len(messages("sms", code)) == 3, timeout=30, message="the timeout SMS")
    bodies = [m.body for m in messages("sms", code)]
    assert len(set(bodies)) == 3 and "決済期限が切れました" in bodies[-1]

    summarize_months.delay()
    check_operations.delay()

    def summarized() -> int:
        with session_scope() as session:
            return session.scalar(select(func.count()).select_from(MonthlyStat).where(MonthlyStat.dimension == "total"))

    wait_until(summarized, timeout=30, message="the nightly summary")
