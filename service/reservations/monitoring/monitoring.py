"""§4.3 alerts to #qrv-alerts: the Celery queue longer than 100, and an error rate above 5%.

The error rate here is what the worker can measure: failed delivery attempts of this domain in the last few minutes,
once enough were made to mean something. Prometheus's QrvErrorRate adds the API's 5xx. An alert is repeated at most
every APP_RESERVATIONS_ALERT_REPEAT_MINUTES."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.outbox.metrics import delivery_attempts
from service.reservations import labels
from service.reservations.messages import DOMAIN, notify_slack
from service.reservations.models import Notification


def error_rate(db: Session, *, now: datetime) -> tuple[int, int]:
    since = now - timedelta(minutes=get_settings().reservations_error_rate_window_minutes)
    return delivery_attempts(db, since=since, domain=DOMAIN)


def _recently_alerted(db: Session, kind: str, now: datetime) -> bool:
    since = now - timedelta(minutes=get_settings().reservations_alert_repeat_minutes)
    return (
        db.scalar(select(Notification.id).where(Notification.kind == kind, Notification.created_at > since).limit(1))
        is not None
    )


def alert(db: Session, kind: str, message: str, now: datetime) -> Notification | None:
    if _recently_alerted(db, kind, now):
        return None
    return notify_slack(db, kind=kind, message=message, reservation=None, now=now)


def check(db: Session, *, queue_length: int, now: datetime) -> list[str]:
    settings = get_settings()
    posted = []
    if queue_length > settings.reservations_queue_alert_threshold and alert(
        db, "queue_length", labels.SLACK_QUEUE.format(count=queue_length), now
    ):
        posted.append("queue_length")
    failed, total = error_rate(db, now=now)
    rate = 100 * failed / total if total else 0.0
    if total >= settings.reservations_error_rate_min_attempts and rate > settings.reservations_error_rate_alert_pct:
        message = labels.SLACK_ERROR_RATE.format(
            minutes=settings.reservations_error_rate_window_minutes, rate=rate, errors=failed, total=total
        )
        if alert(db, "error_rate", message, now):
            posted.append("error_rate")
    return posted
