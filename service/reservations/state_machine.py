"""The reservation state machine. Every change writes a ReservationEvent; an illegal one is refused with 409 and nothing
is written."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict
from service.reservations.models import Reservation, ReservationEvent

TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"received"}),
    "received": frozenset({"calling", "all_declined", "cancelled"}),
    "calling": frozenset({"calling_success", "pending_shop_response", "change_requested", "all_declined", "cancelled"}),
    "pending_shop_response": frozenset({"calling_success", "calling", "all_declined", "cancelled"}),
    "change_requested": frozenset({"calling_success", "calling", "all_declined", "cancelled"}),
    "all_declined": frozenset({"calling_success", "calling", "cancelled"}),
    "calling_success": frozenset({"awaiting_payment", "cancelled"}),
    "awaiting_payment": frozenset({"confirmed", "payment_timeout", "cancelled"}),
    "payment_timeout": frozenset({"confirmed"}),  # only a payment completed while expiring
    "confirmed": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
# Where a reservation's automated path ends: final states, and states that wait for a person.
FINAL = frozenset({"confirmed", "completed", "cancelled", "payment_timeout"})
MANUAL = frozenset({"pending_shop_response", "change_requested", "all_declined"})
ACTOR_TYPES = ("system", "ai", "operator", "webhook", "requester")


@dataclass(frozen=True)
class EventActor:
    type: str
    label: str = ""


SYSTEM_ACTOR = EventActor("system")  # its kind says it all: システム


def can_transition(current: str | None, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def require_transition(reservation: Reservation, target: str) -> None:
    if not can_transition(reservation.status, target):
        raise Conflict(
            "この操作は現在の予約状態では行えません",
            code="illegal_transition",
            details={"reservation": reservation.code, "from": reservation.status, "to": target},
        )


def record_event(
    db: Session,
    reservation: Reservation,
    from_status: str | None,
    *,
    actor: EventActor,
    reason: str,
    provider_ids: dict[str, Any] | None,
    now: datetime,
) -> ReservationEvent:
    event = ReservationEvent(
        reservation_id=reservation.id,
        from_status=from_status,
        to_status=reservation.status,
        actor_type=actor.type,
        actor_label=actor.label[:100],
        reason=reason[:500],
        provider_ids={k: v for k, v in (provider_ids or {}).items() if v is not None},
        occurred_at=now,
    )
    db.add(event)
    return event


def transition(
    db: Session,
    reservation: Reservation,
    target: str,
    *,
    actor: EventActor,
    now: datetime,
    reason: str = "",
    provider_ids: dict[str, Any] | None = None,
) -> ReservationEvent:
    require_transition(reservation, target)
    before = reservation.status
    reservation.status = target
    reservation.status_changed_at = now
    event = record_event(db, reservation, before, actor=actor, reason=reason, provider_ids=provider_ids, now=now)
    db.flush()
    return event


def locked(db: Session, reservation_id: int) -> Reservation:
    """Reservations are never deleted. SQLite serialises writers anyway."""
    return db.scalars(
        select(Reservation)
        .where(Reservation.id == reservation_id)
        .with_for_update(of=Reservation)
        .execution_options(populate_existing=True)
    ).one()
