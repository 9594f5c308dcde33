"""When a silent terminal raises no alert yet: its customer's stores are closed (営業時間) or one of its recurring
maintenance windows is on. Both are read once per sweep (a few rows) and turned into one SQL condition."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.errors import ValidationFailed
from service.fleet import auditing
from service.fleet.models import Customer, MaintenanceWindow, Terminal

HOURS_FIELDS = fields.audited(Customer, "hours")  # opens_at, closes_at, closed_weekdays
LOCAL_MINUTE = "%Y-%m-%d %H:%M"  # how the support team reads a time


def local_now(now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(get_settings().timezone))


def is_open(opens_at: time | None, closes_at: time | None, closed_weekdays: list, local: datetime) -> bool:
    """Whether stores with these hours are open at this local time; closing before opening means past midnight."""
    if local.weekday() in closed_weekdays:
        return False
    if opens_at is None or closes_at is None:
        return True
    at = local.time()
    if opens_at < closes_at:
        return opens_at <= at < closes_at
    return at >= opens_at or at < closes_at


def set_business_hours(
    db: Session,
    *,
    customer: Customer,
    opens_at: time | None,
    closes_at: time | None,
    closed_weekdays: list[int],
    actor: Actor,
) -> Customer:
    """Change a customer's business hours (both times or neither; they may not be equal), audited."""
    if (opens_at is None) != (closes_at is None) or (opens_at is not None and opens_at == closes_at):
        raise ValidationFailed(
            "開店時刻と閉店時刻は両方を異なる時刻で指定してください（24時間営業は両方を空に）",
            details={"field": "closes_at", "rule": "business_hours"},
        )
    if len(set(closed_weekdays)) == 7:
        raise ValidationFailed(
            "すべての曜日を定休日にはできません", details={"field": "closed_weekdays", "rule": "business_hours"}
        )
    before = audit.snapshot(customer, HOURS_FIELDS)
    customer.opens_at, customer.closes_at = opens_at, closes_at
    customer.closed_weekdays = sorted(set(closed_weekdays))
    db.flush()
    changes = audit.diff(before, audit.snapshot(customer, HOURS_FIELDS))
    if changes:
        auditing.record(db, actor, "set_business_hours", "customer", customer.id, changes)
    return customer


def closed_customers(db: Session, local: datetime) -> list[int]:
    """The customers whose stores are closed now."""
    rows = db.execute(
        select(Customer.id, Customer.opens_at, Customer.closes_at, Customer.closed_weekdays).where(
            or_(Customer.opens_at.is_not(None), Customer.closed_weekdays != [])
        )
    ).all()
    return [r.id for r in rows if not is_open(r.opens_at, r.closes_at, r.closed_weekdays or [], local)]


@dataclass(frozen=True)
class Occurrence:
    window_id: int
    customer_id: int
    store_name: str
    starts_at: datetime
    ends_at: datetime


def occurrences(window: MaintenanceWindow, local_day: date, tz: tzinfo | None) -> list[Occurrence]:
    """The window's occurrence starting on this local day, if it has one (as datetimes in `tz`)."""
    if local_day > window.until or (window.recurrence == "weekly" and local_day.weekday() != window.weekday):
        return []
    starts = datetime.combine(local_day, window.start_time, tzinfo=tz)
    ends = starts + timedelta(minutes=window.duration_minutes)
    return [Occurrence(window.id, window.customer_id, window.store_name, starts, ends)]


def recent_occurrences(window: MaintenanceWindow, local: datetime) -> list[Occurrence]:
    """Occurrences that started yesterday or today (a window lasts at most a day), oldest first."""
    today = local.date()
    return [o for day in (today - timedelta(days=1), today) for o in occurrences(window, day, local.tzinfo)]


def active_occurrences(windows: Sequence[Any], local: datetime) -> list[Occurrence]:
    """The occurrences running at this local time, of MaintenanceWindow objects or rows of WINDOW_COLUMNS."""
    return [o for w in windows for o in recent_occurrences(w, local) if o.starts_at <= local < o.ends_at]


WINDOW_COLUMNS = (
    MaintenanceWindow.id,
    MaintenanceWindow.customer_id,
    MaintenanceWindow.store_name,
    MaintenanceWindow.recurrence,
    MaintenanceWindow.weekday,
    MaintenanceWindow.start_time,
    MaintenanceWindow.duration_minutes,
    MaintenanceWindow.until,
)


def live(local: datetime) -> ColumnElement[bool]:
    """Windows that may still have an occurrence running or to digest."""
    return MaintenanceWindow.until >= local.date() - timedelta(days=1)


def live_windows(db: Session, local: datetime) -> list[MaintenanceWindow]:
    return list(db.scalars(select(MaintenanceWindow).where(live(local))))


def held_condition(db: Session, *, now: datetime) -> ColumnElement[bool]:
    """Terminals whose offline alert waits now: their stores closed, or a maintenance window of theirs running."""
    local = local_now(now)
    conditions: list[ColumnElement[bool]] = []
    closed = closed_customers(db, local)
    if closed:
        conditions.append(Terminal.customer_id.in_(closed))
    for o in active_occurrences(db.execute(select(*WINDOW_COLUMNS).where(live(local))).all(), local):
        conditions.append(and_(Terminal.customer_id == o.customer_id, *window_place(o.store_name)))
    return or_(*conditions) if conditions else false()


def window_place(store_name: str) -> list[ColumnElement[bool]]:
    """The terminals a window names besides its customer: a store's tills, or the one terminal of that 設置店舗名;
    every one for a window of all the stores ("")."""
    return [or_(Terminal.store == store_name, Terminal.store_name == store_name)] if store_name else []


def local_minute(at: datetime | None) -> str:
    """A time as the support team reads it: local, to the minute ("-" for none)."""
    return local_now(at).strftime(LOCAL_MINUTE) if at else "-"
