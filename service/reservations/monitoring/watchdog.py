"""The in-app watchdog (§4.3): what the service sees itself when the background side stops, posted to #qrv-alerts.

It runs as a daemon thread in the API process, not as a Celery task, which would stop with the worker or beat it
watches; for the same reason its Slack post is delivered from here. It looks for no critical-queue worker answering,
payment windows never expired (the beat is down), outbox messages still unsent, and storage running out. Each kind is
posted at most once per APP_RESERVATIONS_ALERT_REPEAT_MINUTES."""

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import broker, dialect, storage
from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox import delivery
from service.outbox.models import OutboxMessage
from service.reservations import labels
from service.reservations.models import Payment
from service.reservations.monitoring import monitoring
from service.task_queues import CRITICAL

log = logging.getLogger("daicho.reservations.watchdog")

BACKLOG_MINUTES = 10
INTERVAL_SECONDS = 60
PING_TIMEOUT = 2
LOCK_KEY = 0x5152_5657  # "QRVW": one API process at a time runs a check (PostgreSQL)


def outbox_backlog(db: Session, *, now: datetime) -> int:
    cutoff = now - timedelta(minutes=BACKLOG_MINUTES)
    return db.scalars(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= cutoff)
    ).one()


def unswept_payments(db: Session, *, now: datetime) -> int:
    """The sweep runs every 15 seconds."""
    cutoff = now - timedelta(minutes=BACKLOG_MINUTES)
    return db.scalars(
        select(func.count()).select_from(Payment).where(Payment.status == "open", Payment.expires_at <= cutoff)
    ).one()


def answering_workers() -> dict[str, list[dict]]:
    return broker.sender().control.inspect(timeout=PING_TIMEOUT).active_queues() or {}


def workers_answering() -> bool | None:
    """None where the broker cannot broadcast (the embedded one). A bulk worker alone does not count: it never takes a
    delivery."""
    if not get_settings().redis_url:
        return None
    try:
        return any(queue["name"] == CRITICAL for queues in answering_workers().values() for queue in queues)
    except Exception:  # an unreachable broker: no worker can be reached either
        log.warning("worker ping failed", exc_info=True)
        return False


def findings(db: Session, *, now: datetime, workers: bool | None) -> list[tuple[str, str]]:
    found = []
    if workers is False:
        found.append(("worker_down", labels.SLACK_WORKER_DOWN))
    if unswept := unswept_payments(db, now=now):
        found.append(("beat_down", labels.SLACK_BEAT_DOWN.format(count=unswept, minutes=BACKLOG_MINUTES)))
    if backlog := outbox_backlog(db, now=now):
        found.append(("outbox_backlog", labels.SLACK_OUTBOX_BACKLOG.format(count=backlog, minutes=BACKLOG_MINUTES)))
    if low := storage.low_volumes():
        found.append(("storage_low", storage.full_message(low)))
    return found


def _exclusive(db: Session) -> bool:
    """So two API processes never post the same alert twice (SQLite: writers take turns)."""
    return dialect.of(db).try_lock(db, LOCK_KEY)


def run_once(*, now: datetime, workers: bool | None) -> list[str]:
    with session_scope() as db:
        if not _exclusive(db):
            return []
        posted = [
            notification
            for kind, message in findings(db, now=now, workers=workers)
            if (notification := monitoring.alert(db, kind, message, now))
        ]
        sent = [(n.kind, n.outbox_message_id) for n in posted if n.outbox_message_id is not None]
    for _, message_id in sent:
        delivery.deliver(session_scope, message_id, now=utcnow())
    return [kind for kind, _ in sent]


def _loop(stop: threading.Event) -> None:
    while not stop.wait(INTERVAL_SECONDS):
        try:
            run_once(now=utcnow(), workers=workers_answering())
        except Exception:  # the watchdog outlives a failed check (the database restarting, say)
            log.exception("watchdog check failed")


def start() -> threading.Event | None:
    """Not under tests; set the returned event to stop it."""
    if get_settings().env == "test":
        return None
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="qrv-watchdog", daemon=True).start()
    return stop
