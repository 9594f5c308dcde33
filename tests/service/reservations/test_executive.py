"""The executive numbers: the month so far is compared with the same days of the previous month, not all of it."""

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from service.reservations import executive
from service.reservations.models import Payment, Reservation
from tests.service.reservations.conftest import make_service

TOKYO = ZoneInfo("Asia/Tokyo")
_codes = count(1)


def made_at(db, service, created_at: datetime, status: str = "received", *, paid: int = 0) -> Reservation:
    """A reservation created at that moment (and paid then, when `paid` is an amount)."""
    reservation = Reservation(
        code=f"QRV-T{next(_codes):05d}",
        requester_name="山田太郎",
        requester_phone="090-1234-5678",
        service_type_id=service.id,
        desired_at=created_at + timedelta(days=5),
        amount=8000,
        status=status,
        cancel_deadline_at=created_at + timedelta(days=4),
        created_at=created_at,
    )
    db.add(reservation)
    db.flush()
    if paid:
        db.add(Payment(reservation_id=reservation.id, amount=paid, status="paid", paid_at=created_at))
    return reservation


def test_the_month_so_far_is_compared_with_the_same_days_of_the_previous_month(db):
    service = make_service(db)
    made_at(db, service, datetime(2026, 3, 2, 10, tzinfo=TOKYO), "confirmed", paid=8000)
    made_at(db, service, datetime(2026, 3, 15, 11, tzinfo=TOKYO), "cancelled")
    made_at(db, service, datetime(2026, 3, 15, 13, tzinfo=TOKYO))  # after the moment compared
    for day in (1, 3):
        made_at(db, service, datetime(2026, 2, day, tzinfo=TOKYO), "cancelled")
    made_at(db, service, datetime(2026, 2, 15, 11, 59, tzinfo=TOKYO), "confirmed", paid=5000)
    made_at(db, service, datetime(2026, 2, 15, 12, tzinfo=TOKYO), "confirmed", paid=9000)  # not the same days
    made_at(db, service, datetime(2026, 2, 28, 23, tzinfo=TOKYO), "confirmed")
    db.flush()

    so_far = executive.month_to_date(db, through=datetime(2026, 3, 15, 12, tzinfo=TOKYO))

    assert (so_far["days"], so_far["previous_days"]) == (15, 15)
    assert so_far["current"] == {"reservations": 2, "confirmed": 1, "cancelled": 1, "cancel_pct": 50.0, "revenue": 8000}
    assert so_far["previous"] == {
        "reservations": 3,
        "confirmed": 1,
        "cancelled": 2,
        "cancel_pct": 66.7,
        "revenue": 5000,
    }


def test_a_longer_month_so_far_is_compared_with_the_whole_of_a_shorter_previous_month(db):
    service = make_service(db)
    made_at(db, service, datetime(2026, 2, 28, 23, tzinfo=TOKYO))
    made_at(db, service, datetime(2026, 3, 1, tzinfo=TOKYO))
    db.flush()

    so_far = executive.month_to_date(db, through=datetime(2026, 3, 31, 9, tzinfo=TOKYO))

    assert (so_far["days"], so_far["previous_days"]) == (31, 28)
    assert (so_far["current"]["reservations"], so_far["previous"]["reservations"]) == (1, 1)
