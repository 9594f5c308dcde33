"""A partner shop's automated calls across requests: at most APP_RESERVATIONS_SHOP_CALLS_PER_HOUR in any 60 minutes and
…_PER_DAY per day (Japan time), only while the shop is open (its 営業時間 and 定休日), never while it is 自動電話停止
(a shop that declined a request's date is no candidate for it at all: calls.candidates). `hold` says why a shop
cannot be called now and from when it can; each decision is written as a CallDecision with its reason (`record`),
once: a request checked again while nothing changed (a shop still over its budget, the request still waiting) adds
no row."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.figures import day_start
from service.reservations import messages
from service.reservations.models import CallAttempt, CallDecision, Reservation, Shop
from service.reservations.shops import hours

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Hold:
    """`until` None: not before a person acts (or never, for this request)."""

    reason: str
    until: datetime | None


@dataclass(frozen=True)
class Budget:
    """A shop's automated calls allowed per hour and per Japan day, and what is left of the day's after `used_today`:
    the one definition `hold` decides by and 提携店舗・サービス管理 shows."""

    per_hour: int
    per_day: int
    used_today: int

    @property
    def left_today(self) -> int:
        return max(0, self.per_day - self.used_today)


def budget(used_today: int) -> Budget:
    settings = get_settings()
    return Budget(settings.reservations_shop_calls_per_hour, settings.reservations_shop_calls_per_day, used_today)


def lock(db: Session, shop: Shop) -> None:
    """Serialises two requests' decisions about one shop (SQLite serialises writers anyway)."""
    db.execute(select(Shop.id).where(Shop.id == shop.id).with_for_update())


def calls_since(db: Session, shop: Shop, since: datetime) -> list[datetime]:
    """Placed after `since`."""
    return list(
        db.scalars(
            select(CallAttempt.created_at)
            .where(CallAttempt.shop_id == shop.id, CallAttempt.created_at > since)
            .order_by(CallAttempt.created_at)
        )
    )


def next_day(now: datetime) -> datetime:
    return day_start(messages.local(now).date() + timedelta(days=1))


def hold(db: Session, shop: Shop, *, now: datetime) -> Hold | None:
    """None: it may be called now. Lock the shop (`lock`) before calling it on this answer."""
    if shop.auto_calls_stopped_at is not None:
        return Hold("auto_calls_stopped", None)
    if not hours.open_now(shop, now):
        return Hold("closed", hours.next_opening(shop, now))
    today = calls_since(db, shop, day_start(messages.local(now).date()) - timedelta(microseconds=1))
    allowed = budget(len(today))
    if allowed.left_today == 0:
        return Hold("day_budget", hours.next_opening(shop, next_day(now)))
    last_hour = calls_since(db, shop, now - HOUR)
    over = len(last_hour) - allowed.per_hour
    if over >= 0:
        return Hold("hour_budget", hours.next_opening(shop, last_hour[over] + HOUR))
    return None


def record(
    db: Session, reservation: Reservation, decision: str, reason: str, *, shop: Shop | None = None, now: datetime
) -> None:
    if decision != "called" and last_decision(db, reservation, shop) == (decision, reason):
        return  # the same hold seen again
    db.add(
        CallDecision(
            reservation_id=reservation.id,
            shop_id=shop.id if shop else None,
            decision=decision,
            reason=reason,
            created_at=now,
        )
    )


def last_decision(db: Session, reservation: Reservation, shop: Shop | None) -> tuple[str, str] | None:
    about = CallDecision.shop_id.is_(None) if shop is None else CallDecision.shop_id == shop.id
    last = db.execute(
        select(CallDecision.decision, CallDecision.reason)
        .where(CallDecision.reservation_id == reservation.id, about)
        .order_by(CallDecision.id.desc())
        .limit(1)
    ).first()
    return None if last is None else (last.decision, last.reason)
