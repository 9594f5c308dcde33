"""The service's one door to the Celery broker: tasks sent by name after a commit, the queue's length, reachability.

The service never imports jobs/: it sends tasks by name through a bare Celery client configured as the worker is.
`queue_task` records the work as a PendingTask row in the caller's transaction and sends the task once that commits;
the row goes once the broker took the task, and platform.send_pending_tasks sends whatever is left (the broker was
down at the moment of the commit, or the process died in between). Tasks sent this way must tolerate running twice.
`send_after_commit` is for callers whose own rows already record the work and have their own sweep (the outbox).
"""

import logging
from datetime import datetime
from functools import lru_cache
from typing import Any

from celery import Celery
from sqlalchemy import String, delete, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.config import Settings, get_settings
from service.database import Base, utcnow
from service.task_queues import QUEUES, celery_routing

log = logging.getLogger("daicho.broker")

AFTER_COMMIT_KEY = "broker_send_after_commit"
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
SWEEP_BATCH = 500
PROBE_TIMEOUT = 2


class PendingTask(Base):
    """A task a committed transaction asked for whose sending the broker has not confirmed yet."""

    __tablename__ = "platform_pending_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# How often a worker looks into the queue folder: kombu's 1 s made every task of a chain wait up to a second
FILESYSTEM_POLLING_SECONDS = 0.1


def broker_options(settings: Settings) -> dict:
    """Redis when configured, else the filesystem transport under the data dir (shared with jobs/celery_app)."""
    if settings.redis_url:
        return {"broker_url": settings.redis_url, "broker_transport_options": {"visibility_timeout": 3600}}
    folder = settings.broker_dir
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://localhost//",  # with a host name: kombu warns of every connection without one
        "broker_transport": "service.filesystem_broker:Transport",  # messages appear whole (see that module)
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": FILESYSTEM_POLLING_SECONDS,
        },
    }


def make_sender(settings: Settings) -> Celery:
    """A Celery client that only sends tasks by name, each to its class's queue (service/task_queues.py)."""
    sender = Celery("daicho-sender", set_as_current=False)
    sender.conf.update(**broker_options(settings), **celery_routing(), task_serializer="json", accept_content=["json"])
    return sender


@lru_cache
def sender() -> Celery:
    return make_sender(get_settings())


def send_tasks(tasks: list[tuple[str, list[Any]]]) -> None:
    """Send each (task, args) over one fail-fast connection; raises when the broker does not take them."""
    client = sender()
    with client.connection_for_write(transport_options=FAIL_FAST) as connection:
        for task, args in tasks:
            client.send_task(task, args=args, retry=False, connection=connection)


def send_after_commit(db: Session, task: str, *args: Any) -> None:
    """Send the task once this session commits (best effort: the caller's own rows and sweep cover a lost send)."""
    db.info.setdefault(AFTER_COMMIT_KEY, {})[(task, args)] = None


def queue_task(db: Session, task: str, *args: Any) -> PendingTask:
    """Record the task in this transaction and send it once the transaction commits; a sweep resends a lost send."""
    pending = PendingTask(task=task, args=list(args))
    db.add(pending)
    db.flush()
    db.info.setdefault(AFTER_COMMIT_KEY, {})[(task, args)] = pending.id
    return pending


def _forget(bind: Any, pending_ids: list[int]) -> None:
    with Session(bind=getattr(bind, "engine", bind)) as db, db.begin():
        db.execute(delete(PendingTask).where(PendingTask.id.in_(pending_ids)))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    wanted = session.info.pop(AFTER_COMMIT_KEY, None)
    if not wanted:
        return
    try:
        send_tasks([(task, list(args)) for task, args in wanted])
    except Exception as exc:
        log.warning("could not send %s (%s); the sweep will", sorted(wanted), exc.__class__.__name__)
        return
    pending_ids = [pending_id for pending_id in wanted.values() if pending_id is not None]
    if pending_ids:
        _forget(session.get_bind(), pending_ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(AFTER_COMMIT_KEY, None)


def send_pending(db: Session) -> int:
    """Send the tasks whose after-commit send was lost and drop their rows; returns how many were sent."""
    rows = db.scalars(select(PendingTask).order_by(PendingTask.id).limit(SWEEP_BATCH).with_for_update()).all()
    if rows:
        send_tasks([(row.task, row.args) for row in rows])
        db.execute(delete(PendingTask).where(PendingTask.id.in_([row.id for row in rows])))
    return len(rows)


def queue_length(queue: str | None = None) -> int:
    """Messages waiting in one queue (service/task_queues.py), or in all of them."""
    names = QUEUES if queue is None else (queue,)
    settings = get_settings()
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
        )
        try:
            return sum(int(client.llen(name)) for name in names)
        finally:
            client.close()
    folder = settings.broker_dir / "queue"
    return sum(1 for name in names for _ in folder.glob(f"*.{name}.msg")) if folder.exists() else 0


def broker_reachable() -> bool:
    """Whether the broker answers (Redis replies to a ping; the filesystem transport's folder exists)."""
    settings = get_settings()
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
        )
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()
    folder = settings.broker_dir / "queue"
    folder.mkdir(parents=True, exist_ok=True)
    return folder.is_dir()
