"""The reservations workflow through a real Celery worker: a booking committed by the API side is called, accepted,
sent a payment link and, when nobody pays, expired by the sweeper task; the nightly summary and the alerts run too."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from jobs.reservations import check_operations, summarize_months, sweep_deadlines
from service.database import session_scope, utcnow
from service.reservations import sweeper
from service.reservations.models import ManualOperation, MonthlyStat, Payment, Reservation
from tests.service.reservations.conftest import book, make_service, make_shop, messages
from tests.support.waiting import wait_for_job, wait_until

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

    wait_for_job(
        reaches(code, "awaiting_payment"),
        timeout=60,
        message="the shop's yes and the payment link",
    )
    assert len(messages("sms", code)) == 2
    wait_until(lambda: window_passed(code), timeout=10, message="the payment window to pass")
    sweep_deadlines.delay()
    wait_for_job(
        reaches(code, "payment_timeout"),
        timeout=60,
        message="the sweeper to expire the payment",
    )
    wait_for_job(lambda: len(messages("sms", code)) == 3, timeout=30, message="the timeout SMS")
    bodies = [m.body for m in messages("sms", code)]
    assert len(set(bodies)) == 3 and "決済期限が切れました" in bodies[-1]

    summarize_months.delay()
    check_operations.delay()

    def summarized() -> int:
        with session_scope() as session:
            return session.scalar(select(func.count()).select_from(MonthlyStat).where(MonthlyStat.dimension == "total"))

    wait_for_job(summarized, timeout=30, message="the nightly summary")


def undelivered_deadline(code: str):
    """The open link's expiry once it reached nobody (holds.link_reached_nobody), else None."""
    with session_scope() as db:
        return db.scalar(
            select(Payment.expires_at).join(Reservation).where(Reservation.code == code, Payment.status == "open")
        )


def test_a_link_that_reached_nobody_is_put_on_the_operators_clock_by_the_worker_and_timed_out(db, start_worker):
    """The worker gives up on the link's SMS (a phone that takes no SMS, no e-mail): the hold expires at the urgent
    operation's target time instead of waiting for ever, and the sweep then times it out."""
    service = make_service(db)
    make_shop(db, "提携店1", [service], order=1)
    db.commit()
    start_worker(APP_SANDBOX_VOICE_ODDS="accept=1")
    code = book(service.id, phone="+15005550009", email="")

    wait_for_job(
        lambda: undelivered_deadline(code),
        timeout=60,
        message="the link's SMS to fail and the clock to start",
    )
    deadline = undelivered_deadline(code)
    with session_scope() as session:
        reason = session.scalar(select(ManualOperation.reason).join(Reservation).where(Reservation.code == code))
    assert reason.startswith("決済リンクを依頼者に届けられませんでした") and status_of(code) == "awaiting_payment"
    with session_scope() as session:  # the sweep as the beat runs it once that time has come
        for step in sweeper.STEPS.values():
            step(session, now=deadline + timedelta(seconds=1))
    wait_for_job(reaches(code, "payment_timeout"), timeout=60, message="the worker to expire the link")
