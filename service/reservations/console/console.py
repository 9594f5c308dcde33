"""The operator console's reads (§4.2.1), each one or two SQL aggregates."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from service.config import get_settings
from service.reservations import business_hours, handover, labels, messages
from service.reservations.models import (
    CallAttempt,
    ManualOperation,
    Note,
    Notification,
    Payment,
    Reservation,
    ReservationEvent,
    Shop,
    as_dict,
)
from service.reservations.operations import operations
from service.reservations.phones import PhoneFormatError, normalise_phone
from service.search import starts_with

WEEK_DAYS = 7
REACHED = ("calling_success", "awaiting_payment", "confirmed", "cancelled")
CONFIRMED = ("confirmed", "completed")  # 確定件数: confirmed, and done since


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def console_today(db: Session, *, now: datetime) -> dict:
    day = business_hours.today(now)
    start, end = day_start(day), day_start(day + timedelta(days=1))
    by_status = dict(
        db.execute(
            select(Reservation.status, func.count())
            .where(Reservation.created_at >= start, Reservation.created_at < end)
            .group_by(Reservation.status)
        ).all()
    )
    created_today = and_(ManualOperation.created_at >= start, ManualOperation.created_at < end)
    by_type = dict(
        db.execute(
            select(ManualOperation.op_type, func.count()).where(created_today).group_by(ManualOperation.op_type)
        ).all()
    )
    is_open = ManualOperation.status.in_(handover.OPEN_STATUSES)
    open_count, overdue = db.execute(
        select(func.count(), func.coalesce(func.sum(case((ManualOperation.due_at < now, 1), else_=0)), 0)).where(
            is_open
        )
    ).one()
    return {
        "day": day,
        "reservations_total": sum(by_status.values()),
        "reservations_by_status": [
            {"status": s, "label": label, "count": by_status.get(s, 0)} for s, label in labels.STATUSES.items()
        ],
        "operations_created": sum(by_type.values()),
        "operations_open": open_count,
        "operations_overdue": overdue,
        "operations_by_type": [
            {"op_type": t, "label": label, "count": by_type.get(t, 0)} for t, label in labels.OPERATION_TYPES.items()
        ],
    }


def weekly_kpis(db: Session, *, now: datetime) -> dict:
    """Per day of this calendar week (APP_TIMEZONE, by the day each request arrived), from the event log in two index
    range scans joined by id."""
    monday = business_hours.today(now) - timedelta(days=business_hours.today(now).weekday())
    days = [monday + timedelta(days=offset) for offset in range(WEEK_DAYS)]
    last = days[-1]
    bounds = [day_start(d) for d in days] + [day_start(last + timedelta(days=1))]
    bucket = case(*((ReservationEvent.occurred_at < bound, index) for index, bound in enumerate(bounds[1:])))
    in_week = (ReservationEvent.occurred_at >= bounds[0], ReservationEvent.occurred_at < bounds[-1])
    cohort = (
        select(ReservationEvent.reservation_id.label("rid"), bucket.label("day"))
        .where(ReservationEvent.to_status == "received", *in_week)
        .subquery()
    )
    later = aliased(ReservationEvent)
    reached = (
        select(later.reservation_id.label("rid"), later.to_status.label("status"))
        .where(later.to_status.in_(REACHED), later.occurred_at >= bounds[0])
        .subquery()
    )

    def reaching(status: str):
        return func.count(distinct(case((reached.c.status == status, reached.c.rid))))

    rows = {
        row.day: row
        for row in db.execute(
            select(
                cohort.c.day,
                func.count(distinct(cohort.c.rid)).label("requests"),
                reaching("calling_success").label("booked"),
                reaching("awaiting_payment").label("links"),
                reaching("confirmed").label("paid"),
                reaching("cancelled").label("cancelled"),
            )
            .select_from(cohort.outerjoin(reached, reached.c.rid == cohort.c.rid))
            .group_by(cohort.c.day)
        )
    }
    series: list[dict[str, Any]] = []
    for index, day in enumerate(days):
        row = rows.get(index)
        requests, booked, links, paid, cancelled = (
            (row.requests, row.booked, row.links, row.paid, row.cancelled) if row else (0, 0, 0, 0, 0)
        )
        series.append(
            {
                "day": day,
                "requests": requests,
                "booked": booked,
                "booking_success_pct": _pct(booked, requests),
                "payment_links": links,
                "paid": paid,
                "payment_success_pct": _pct(paid, links),
                "cancelled": cancelled,
                "cancel_pct": _pct(cancelled, requests),
            }
        )
    keys = ("requests", "booked", "payment_links", "paid", "cancelled")
    total = {key: sum(day[key] for day in series) for key in keys}
    return {
        "start": days[0],
        "end": days[-1],
        "days": series,
        "booking_success_pct": _pct(total["booked"], total["requests"]),
        "payment_success_pct": _pct(total["paid"], total["payment_links"]),
        "cancel_pct": _pct(total["cancelled"], total["requests"]),
    }


def latest_notifications(db: Session, *, limit: int) -> list[dict]:
    rows = db.execute(
        select(Notification, Reservation.code)
        .outerjoin(Reservation, Reservation.id == Notification.reservation_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "kind_label": labels.NOTIFICATION_KINDS.get(n.kind, n.kind),
            "reservation_code": code,
            "message": n.message,
            "created_at": n.created_at,
        }
        for n, code in rows
    ]


# --- reservation lists and detail ------------------------------------------------------------------


@dataclass(frozen=True)
class ReservationFilter:
    status: str | None = None
    service_type_id: int | None = None
    shop_id: int | None = None
    q: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    desired_from: date | None = None
    desired_to: date | None = None
    confirmed_only: bool = False  # 確定 or 完了 (CONFIRMED)
    paid_from: date | None = None  # paid (a payment paid) on or after this day
    paid_to: date | None = None


def _search(q: str):
    """A reservation id (QRV-…), a phone number in any accepted format, or the start of the requester's name."""
    text = q.strip()
    if text.upper().startswith("QRV-"):
        return Reservation.code == text.upper()
    try:
        return Reservation.requester_phone == normalise_phone(text)
    except PhoneFormatError:
        return starts_with(text, Reservation.requester_name)


def _filtered(stmt: Select, flt: ReservationFilter) -> Select:
    conditions = []
    for column, value in (
        (Reservation.status, flt.status),
        (Reservation.service_type_id, flt.service_type_id),
        (Reservation.shop_id, flt.shop_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if flt.q:
        conditions.append(_search(flt.q))
    for moment, low, high in (
        (Reservation.created_at, flt.created_from, flt.created_to),
        (Reservation.desired_at, flt.desired_from, flt.desired_to),
    ):
        if low:
            conditions.append(moment >= day_start(low))
        if high:
            conditions.append(moment < day_start(high + timedelta(days=1)))
    if flt.confirmed_only:
        conditions.append(Reservation.status.in_(CONFIRMED))
    if flt.paid_from or flt.paid_to:
        conditions.append(_paid_between(flt.paid_from, flt.paid_to))
    return stmt.where(*conditions)


def _paid_between(low: date | None, high: date | None):
    """Days in Japan time; either end open."""
    paid = [Payment.reservation_id == Reservation.id, Payment.status == "paid"]
    if low:
        paid.append(Payment.paid_at >= day_start(low))
    if high:
        paid.append(Payment.paid_at < day_start(high + timedelta(days=1)))
    return select(Payment.id).where(*paid).exists()


LIST_ORDER = (Reservation.created_at.desc(), Reservation.id.desc())


def reservation_query(flt: ReservationFilter) -> Select:
    return _filtered(select(Reservation), flt)


def list_reservations(db: Session, *, flt: ReservationFilter, offset: int, limit: int) -> tuple[list[dict], int]:
    total = db.scalar(_filtered(select(func.count()).select_from(Reservation), flt)) or 0
    rows = db.scalars(reservation_query(flt).order_by(*LIST_ORDER).offset(offset).limit(limit))
    return [reservation_read(r) for r in rows], total


def reservation_read(reservation: Reservation) -> dict:
    return {
        **as_dict(reservation),
        "status_label": labels.STATUSES[reservation.status],
        "service_name": reservation.service_type.name,
        "shop_name": reservation.shop_name,
    }


def reservation_detail(db: Session, *, reservation: Reservation, now: datetime) -> dict:
    rid = reservation.id
    events = db.scalars(
        select(ReservationEvent)
        .where(ReservationEvent.reservation_id == rid)
        .order_by(ReservationEvent.occurred_at, ReservationEvent.id)
    )
    attempts = db.execute(
        select(CallAttempt, Shop.name)
        .join(Shop, Shop.id == CallAttempt.shop_id)
        .where(CallAttempt.reservation_id == rid)
        .order_by(CallAttempt.id)
    ).all()
    payments = db.scalars(select(Payment).where(Payment.reservation_id == rid).order_by(Payment.id))
    ops = db.execute(
        operations.operation_rows().where(ManualOperation.reservation_id == rid).order_by(ManualOperation.id)
    ).all()
    notes = db.scalars(select(Note).where(Note.reservation_id == rid).order_by(Note.id))
    return {
        **reservation_read(reservation),
        "cancel_url": messages.cancel_url(reservation.code),
        "events": [{**as_dict(e), "to_label": labels.STATUSES.get(e.to_status, e.to_status)} for e in events],
        "calls": [
            {
                **as_dict(a),
                "shop_name": shop_name,
                "status_label": labels.CALL_STATUSES.get(a.status, a.status),
                "outcome_label": labels.CALL_OUTCOMES.get(a.outcome) if a.outcome else None,
                "answered_by_label": labels.ANSWERED_BY.get(a.answered_by or "", a.answered_by),
            }
            for a, shop_name in attempts
        ],
        "payments": [{**as_dict(p), "status_label": labels.PAYMENT_STATUSES[p.status]} for p in payments],
        "operations": [operations.operation_read(row, now) for row in ops],
        "notes": list(notes),
    }
