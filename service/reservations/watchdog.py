"""The in-app watchdog (§4.3): what the service sees itself when the background side stops, posted to #qrv-alerts.

It runs in the API process (a daemon thread per process, outside tests), not as a Celery task: a task would stop
with the worker or the beat it is meant to watch. For the same reason its Slack post is delivered at once from here,
not left to the worker. It looks for
- no Celery worker of the critical queue answering (brokers that broadcast: Redis; the embedded one starts the
  workers and the API together),
- payment windows closed BACKLOG_MINUTES ago and never expired: the periodic sweep (beat) is not running,
- outbox messages due BACKLOG_MINUTES ago and still unsent: nothing dispatches or delivers them.
- the storage running out (service/storage.py): the data folder's or the SQLite database's file system below
  APP_STORAGE_MIN_FREE_MB, where writes stall.
Each kind is posted at most once per APP_RESERVATIONS_ALERT_REPEAT_MINUTES, like the other §4.3 alerts.
"""

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
from service.reservations import labels, monitoring
from service.reservations.models import Payment
from service.task_queues import CRITICAL

log = logging.getLogger("daicho.reservations.watchdog")

BACKLOG_MINUTES = 10
INTERVAL_SECONDS = 60
PING_TIMEOUT = 2
LOCK_KEY = 0x5152_5657  # "QRVW": one API process at a time runs a check (PostgreSQL)


def outbox_backlog(db: Session, *, now: datetime) -> int:
    """Messages due for more than BACKLOG_MINUTES and still waiting to be sent."""
    cutoff = now - timedelta(minutes=BACKLOG_MINUTES)
    return db.scalars(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= cutoff)
    ).one()


def unswept_payments(db: Session, *, now: datetime) -> int:
    """Open payment links whose window closed more than BACKLOG_MINUTES ago (the sweep runs every 15 seconds)."""
    cutoff = now - timedelta(minutes=BACKLOG_MINUTES)
    return db.scalars(
        select(func.count()).select_from(Payment).where(Payment.status == "open", Payment.expires_at <= cutoff)
    ).one()


def answering_workers() -> dict[str, list[dict]]:
    """The workers that answer a broadcast within PING_TIMEOUT, by node name, with the queues each takes."""
    return broker.sender().control.inspect(timeout=PING_TIMEOUT).active_queues() or {}


def workers_answering() -> bool | None:
    """Whether a Celery worker taking the critical queue (where deliveries travel) answers; None where the broker
    cannot broadcast (the embedded one). A bulk worker alone does not count: it never takes a delivery."""
    if not get_settings().redis_url:
        return None
    try:
        return any(queue["name"] == CRITICAL for queues in answering_workers().values() for queue in queues)
    except Exception:  # an unreachable broker: no worker can be reached either
        log.warning("worker ping failed", exc_info=True)
        return False


def findings(db: Session, *, now: datetime, workers: bool | None) -> list[tuple[str, str]]:
    """(kind, message) for each condition that holds now."""
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
    """Hold the transaction's lock so two API processes never post the same alert twice (SQLite: writers take turns)."""
    return dialect.of(db).try_lock(db, LOCK_KEY)


def run_once(*, now: datetime, workers: bool | None) -> list[str]:
    """Record the alerts due (not repeated within the window), commit, then deliver them here; returns their kinds."""
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
    """Start the watchdog thread of this API process (not under tests); set the returned event to stop it."""
    if get_settings().env == "test":
        return None
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="qrv-watchdog", daemon=True).start()
    return stop
