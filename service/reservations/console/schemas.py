"""Response bodies of the console: a reservation as listed and as its page shows it, today's counts, the week's
KPIs, notifications."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from service.reservations.operations.schemas import OperationRead, ReservationNoteRead
from service.reservations.schemas import Read


class ReservationRead(Read):
    code: str
    status: str
    status_label: str
    requester_name: str
    requester_phone: str
    requester_email: str
    service_type_id: int
    service_name: str
    shop_id: int | None
    shop_name: str | None
    one_off_shop_name: str | None
    one_off_shop_phone: str | None
    one_off_shop_notes: str | None
    desired_at: datetime
    amount: int
    cancel_deadline_at: datetime
    status_changed_at: datetime
    created_at: datetime


class EventRead(Read):
    from_status: str | None
    to_status: str
    to_label: str
    actor_type: str
    actor_label: str
    reason: str
    provider_ids: dict[str, Any]
    occurred_at: datetime


class CallRead(Read):
    id: int
    shop_id: int
    shop_name: str
    round: int
    status: str
    status_label: str
    outcome: str | None
    outcome_label: str | None
    answered_by: str | None
    answered_by_label: str | None
    summary: str
    transcript: str
    created_at: datetime
    answered_at: datetime | None


class PaymentRead(Read):
    id: int
    amount: int
    status: str
    status_label: str
    checkout_session_id: str | None
    checkout_url: str
    expires_at: datetime | None
    paid_at: datetime | None
    refunded_at: datetime | None
    created_at: datetime


class ReservationDetail(ReservationRead):
    details: str
    cancel_url: str
    next_call_at: datetime | None  # while calling: round 2's next call, once its wait is over
    events: list[EventRead]
    calls: list[CallRead]
    payments: list[PaymentRead]
    operations: list[OperationRead]
    notes: list[ReservationNoteRead]


class StatusCount(BaseModel):
    status: str
    label: str
    count: int


class OperationCount(BaseModel):
    op_type: str
    label: str
    count: int


class ConsoleToday(BaseModel):
    day: date
    reservations_total: int
    reservations_by_status: list[StatusCount]
    operations_created: int
    operations_open: int
    operations_overdue: int
    operations_by_type: list[OperationCount]


class DailyRate(BaseModel):
    day: date
    requests: int
    booked: int
    booking_success_pct: float | None
    payment_links: int
    paid: int
    payment_success_pct: float | None
    cancelled: int
    cancel_pct: float | None


class WeeklyKpis(BaseModel):
    """This calendar week, Monday to Sunday (APP_TIMEZONE)."""

    start: date
    end: date
    days: list[DailyRate]
    booking_success_pct: float | None
    payment_success_pct: float | None
    cancel_pct: float | None


class NotificationRead(Read):
    id: int
    kind: str
    kind_label: str
    reservation_code: str | None
    message: str
    created_at: datetime
