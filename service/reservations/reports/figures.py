"""The QRV's named figures (service/figures.py): a month's reservation counts and revenue, each defined once by the
reservation list's filter that shows its rows (the support KPIs: support/figures.py)."""

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import fields
from service.figures import Figure, FigureRead, serve
from service.reservations import business_hours
from service.reservations.console import console
from service.reservations.console.console import ReservationFilter
from service.reservations.models import Reservation

ROUTE = "/reservations/reservations"
AMOUNT_COLUMN = fields.facts(Reservation.amount).label

RESERVATIONS = Figure("reservations.reservations", "予約件数", "受付日時がその月の予約の件数", "month", route=ROUTE)
CONFIRMED = Figure(
    "reservations.confirmed",
    "確定件数",
    "受付日時がその月の予約のうち、確定または完了したものの件数",
    "month",
    route=ROUTE,
)
CANCELLED = Figure(
    "reservations.cancelled",
    "キャンセル件数",
    "受付日時がその月の予約のうち、キャンセルされたものの件数",
    "month",
    route=ROUTE,
)
REVENUE = Figure(
    "reservations.revenue",
    "売上",
    "その月に支払いが済んだ予約の金額の合計",
    "month",
    route=ROUTE,
    unit="yen",
    sum_of=AMOUNT_COLUMN,
)
MONTH = (RESERVATIONS, CONFIRMED, CANCELLED, REVENUE)


def filter_of(figure: Figure, first: date, last: date) -> ReservationFilter:
    if figure is REVENUE:
        return ReservationFilter(paid_from=first, paid_to=last)
    made = ReservationFilter(created_from=first, created_to=last)
    if figure is CONFIRMED:
        return replace(made, confirmed_only=True)
    if figure is CANCELLED:
        return replace(made, status="cancelled")
    return made


def value_of(db: Session, figure: Figure, flt: ReservationFilter) -> int:
    rows = console.reservation_query(flt).subquery()
    measure = func.coalesce(func.sum(rows.c.amount), 0) if figure.unit == "yen" else func.count()
    return db.scalar(select(measure).select_from(rows)) or 0


def values(db: Session, first: date, last: date) -> dict[str, int]:
    return {figure.key: value_of(db, figure, filter_of(figure, first, last)) for figure in MONTH}


def last_day(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def month_figures(db: Session, *, month: date, now: datetime) -> list[FigureRead]:
    """A month still running is partial and says so."""
    last = min(last_day(month), business_hours.today(now))
    return [
        serve(figure, value_of(db, figure, flt), now=now, flt=flt, month=month)
        for figure in MONTH
        for flt in (filter_of(figure, month, last),)
    ]


def days_figures(db: Session, *, first: date, last: date, now: datetime) -> list[FigureRead]:
    return [
        serve(replace(figure, period="days"), value_of(db, figure, flt), now=now, flt=flt, days=(first, last))
        for figure in MONTH
        for flt in (filter_of(figure, first, last),)
    ]


def cancel_pct(cancelled: float, reservations: float) -> float | None:
    """§4.1.2."""
    return round(100 * cancelled / reservations, 1) if reservations else None
