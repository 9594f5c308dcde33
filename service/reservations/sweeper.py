"""The periodic sweep: every deadline is read from the database (payment windows, unanswered calls, round 2's
calls whose wait is over, day-before reminders, reservations whose time has passed, incidents owed to the executives,
pages owed their next step); nothing waits in a countdown.
Each step is safe to run twice."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.reservations import labels, messages, payments
from service.reservations.incidents import incidents
from service.reservations.models import Reservation, ServiceType
from service.reservations.oncall import paging
from service.reservations.shops import calls
from service.reservations.state_machine import SYSTEM_ACTOR, locked, transition

BATCH = 200


def send_reminders(db: Session, *, now: datetime) -> int:
    """The day-before reminder SMS, once per confirmed reservation."""
    due = list(
        db.scalars(
            select(Reservation.id)
            .where(
                Reservation.status == "confirmed",
                Reservation.reminder_due_at <= now,
                Reservation.reminder_sent_at.is_(None),
                Reservation.desired_at > now,
            )
            .limit(BATCH)
        )
    )
    for reservation_id in due:
        reservation = locked(db, reservation_id)
        if reservation.status != "confirmed" or reservation.reminder_sent_at is not None:
            continue
        text = labels.SMS_REMINDER.format(
            when=messages.when_text(reservation.desired_at),
            shop=reservation.shop_name or "",
            code=reservation.code,
            cancel=messages.cancel_part(reservation, now),
        )
        sent_for = f"reminder:{messages.iso_local(reservation.desired_at)}"  # a new date gets its own reminder
        valid = {"reminder": True, "valid_until": reservation.desired_at.isoformat()}  # never after the reservation
        messages.sms_to_requester(db, reservation, sent_for, text, payload=valid)
        reservation.reminder_sent_at = now
    return len(due)


def complete_past(db: Session, *, now: datetime) -> int:
    """Confirmed reservations whose time (and duration) has passed are completed."""
    candidates = db.execute(
        select(Reservation.id, Reservation.desired_at, ServiceType.duration_minutes)
        .join(ServiceType, ServiceType.id == Reservation.service_type_id)
        .where(Reservation.status == "confirmed", Reservation.desired_at < now)
        .order_by(Reservation.desired_at)
        .limit(BATCH)
    ).all()
    done = 0
    for row in candidates:
        if row.desired_at + timedelta(minutes=row.duration_minutes) > now:
            continue
        reservation = locked(db, row.id)
        if reservation.status == "confirmed":
            transition(db, reservation, "completed", actor=SYSTEM_ACTOR, now=now, reason=labels.REASONS["completed"])
            done += 1
    return done


STEPS = {
    "expired_payments": payments.expire_due,
    "timed_out_calls": calls.time_out_calls,
    "round_two_calls": calls.place_due_calls,
    "reminders": send_reminders,
    "completed": complete_past,
    "escalated_incidents": incidents.escalate_due,
    "paged_on_call": paging.sweep,
}
