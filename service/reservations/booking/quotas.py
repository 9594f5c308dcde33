"""Booking quotas of the MCP clients, against SMS pumping: a stolen key booking for arbitrary numbers would send each
SMS and payment links at our cost.

Per clock minute and per day (Japan time); one more is refused with 429 `booking_quota_exceeded` and #qrv-alerts is told
once per client and window. Counted under a lock of the client's row, so two at once never both take the last one. A
repeat of a booking (retries.py) is answered, never counted."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import figures
from service.config import get_settings
from service.errors import TooManyRequests
from service.outbox.models import OutboxMessage
from service.reservations import labels, messages
from service.reservations.models import McpClient, Reservation


@dataclass(frozen=True)
class Window:
    name: str
    words: str
    limit: int
    start: datetime
    end: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.end - now).total_seconds()))


def windows(now: datetime) -> tuple[Window, Window]:
    settings = get_settings()
    minute = now.replace(second=0, microsecond=0)
    day = figures.day_start(figures.local(now).date())
    return (
        Window(
            "minute", "1分", settings.reservations_client_bookings_per_minute, minute, minute + timedelta(minutes=1)
        ),
        Window("day", "1日", settings.reservations_client_bookings_per_day, day, day + timedelta(days=1)),
    )


def _made_since(db: Session, client_id: int, start: datetime) -> int:
    made = select(func.count()).where(Reservation.mcp_client_id == client_id, Reservation.created_at >= start)
    return db.scalar(made) or 0


def _alert_once(db: Session, client: McpClient, window: Window, now: datetime) -> None:
    """The post's outbox key names the window."""
    key = f"qrv:slack:quota:{client.id}:{window.name}:{window.start.isoformat()}"
    if db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return
    text = labels.SLACK_CLIENT_QUOTA.format(client=client.name, window=window.words, limit=window.limit)
    messages.notify_slack(db, kind="client_quota", message=text, reservation=None, now=now, dedupe_key=key)


def require_room(db: Session, client: McpClient, now: datetime) -> None:
    """The lock leaves references to the client free (FOR NO KEY UPDATE): every booking's rows reference the client, and
    a plain FOR UPDATE waiting on another booking's reference deadlocked."""
    db.execute(select(McpClient.id).where(McpClient.id == client.id).with_for_update(key_share=True))
    for window in windows(now):
        if _made_since(db, client.id, window.start) < window.limit:
            continue
        _alert_once(db, client, window, now)
        wait = window.seconds_left(now)
        raise TooManyRequests(
            labels.CLIENT_QUOTA.format(window=window.words, limit=window.limit, seconds=wait),
            code="booking_quota_exceeded",
            details={"retry_after_seconds": wait, "window": window.name, "limit": window.limit},
            keep_changes=True,
        )
