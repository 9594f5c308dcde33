"""The reservations workflow through a real Celery worker: a booking committed by the API side is called, accepted,
sent a payment link and, when nobody pays, expired by the sweeper task; the nightly summary and the alerts run too;
nothing rescued is lost (a one-off shop's timed-out booking is phoned; no call connected is an incident)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from jobs.reservations import check_operations, summarize_months, sweep_deadlines
from service.database import session_scope, utcnow
from service.reservations import sweeper
from service.reservations.booking import booking
from service.reservations.booking.schemas import AcceptIn, OneOffShopIn
from service.reservations.models import Incident, ManualOperation, MonthlyStat, Payment, Reservation
from tests.service.reservations.conftest import TESTER, book, make_service, make_shop, messages
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


def operation_reasons(code: str, op_type: str) -> list[str]:
    with session_scope() as db:
        return list(
            db.scalars(
                select(ManualOperation.reason)
                .join(Reservation)
                .where(Reservation.code == code, ManualOperation.op_type == op_type)
            )
        )


def test_a_one_off_shop_booked_after_all_declined_is_phoned_when_the_worker_times_the_booking_out(db, start_worker):
    """The worker calls every shop (all decline), the operator books a shop found by phone, the worker sends its
    link and the sweeper task times it out: the one-off shop has no e-mail, so an operation asks for the call."""
    service = make_service(db)
    make_shop(db, "提携店1", [service], order=1)
    db.commit()
    start_worker(APP_SANDBOX_VOICE_ODDS="decline=1", APP_RESERVATIONS_PAYMENT_WINDOW_SECONDS="1")
    code = book(service.id)
    wait_for_job(reaches(code, "all_declined"), timeout=60, message="every shop's no")
    with session_scope() as session:
        reservation = session.scalar(select(Reservation).where(Reservation.code == code))
        found = AcceptIn(one_off_shop=OneOffShopIn(name="電話で見つけた店", phone="03-1234-5678"))
        booking.accept(session, reservation=reservation, choice=found, actor=TESTER, now=utcnow())
    wait_for_job(reaches(code, "awaiting_payment"), timeout=60, message="the one-off shop's payment link")
    wait_until(lambda: window_passed(code), timeout=10, message="the payment window to pass")
    sweep_deadlines.delay()
    wait_for_job(lambda: operation_reasons(code, "shop_cancel_call"), timeout=60, message="the call to the shop")
    assert status_of(code) == "payment_timeout"
    [reason] = operation_reasons(code, "shop_cancel_call")
    assert reason.startswith("電話で見つけた店（03-1234-5678）にはメールで連絡できません")


def test_no_call_connected_through_the_worker_is_told_apart_and_recorded_as_an_incident(db, start_worker):
    service = make_service(db)
    for order in (1, 2):
        make_shop(db, f"提携店{order}", [service], order=order)
    db.commit()
    start_worker(APP_SANDBOX_VOICE_ODDS="no_answer=1", APP_RESERVATIONS_ROUND_TWO_WAIT_MINUTES="0")
    code = book(service.id)
    wait_for_job(reaches(code, "all_declined"), timeout=90, message="both rounds without an answer")
    [reason] = operation_reasons(code, "all_shops_declined")
    assert "1件もつながりませんでした（応答なし4件）" in reason and "電話発信の障害の可能性があります" in reason
    with session_scope() as session:
        [incident] = session.scalars(select(Incident)).all()
    assert (incident.title, incident.level, incident.impact) == (
        "電話発信が全く動作しない",
        "high",
        f"全店NGになった予約: {code}",
    )
