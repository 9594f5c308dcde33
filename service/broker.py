"""The service's one door to the Celery broker; the service never imports jobs/, it sends tasks by name.

`queue_task` records a PendingTask row in the caller's transaction and sends the task once that commits; the row is the
task's ledger until it has run (jobs/pending_tasks.py). platform.send_pending_tasks resends a row never sent, one sent
but not started after APP_PENDING_TASK_GRACE_SECONDS whose message waits in no queue (a Redis flush or restart), or one
whose lease ran out (the worker died). Tasks sent this way must tolerate running twice. `send_after_commit` is for
callers whose own rows already record the work and have their own sweep (the outbox)."""

import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, delete, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.config import Settings, get_settings
from service.database import Base, utcnow
from service.task_queues import QUEUES, celery_routing

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("daicho.broker")

AFTER_COMMIT_KEY = "broker_send_after_commit"
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
SWEEP_BATCH = 500
PROBE_TIMEOUT = 2


TASK_ID_PREFIX = "pending-"


class PendingTask(Base):
    __tablename__ = "platform_pending_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]  # its send failed, or it was not confirmed
    lease_until: Mapped[datetime | None]  # past this, the worker is taken for lost


def task_id_of(pending_id: int) -> str:
    """The row's id and a part unique to this send."""
    return f"{TASK_ID_PREFIX}{pending_id}-{uuid.uuid4().hex[:12]}"


def pending_id_of(task_id: str | None) -> int | None:
    """None: a task sent otherwise, by the beat or send_after_commit."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    number = task_id[len(TASK_ID_PREFIX) :].split("-", 1)[0]
    return int(number) if number.isdigit() else None


# kombu's 1 s made every task of a chain wait up to a second
FILESYSTEM_POLLING_SECONDS = 0.1


def broker_options(settings: Settings) -> dict:
    """Shared with jobs/celery_app."""
    if settings.redis_url:
        return {
            "broker_url": settings.redis_url,
            "broker_transport": "service.redis_broker:Transport",  # a worker survives a Redis restart (see there)
            "broker_transport_options": {"visibility_timeout": 3600},
        }
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


def make_sender(settings: Settings) -> "Celery":
    """Celery is imported by the first task sent, not with the app."""
    from celery import Celery

    sender = Celery("daicho-sender", set_as_current=False)
    sender.conf.update(**broker_options(settings), **celery_routing(), task_serializer="json", accept_content=["json"])
    return sender


def sender() -> "Celery":
    """For the broker the settings name now, the one queue_length() and the sweep read: settings changed after the first
    send (a data folder of a test's own) never leave tasks going to the broker before."""
    settings = get_settings()
    return _sender(settings.redis_url, settings.data_dir)


@lru_cache(maxsize=8)
def _sender(redis_url: str, data_dir: Path) -> "Celery":
    """By what broker_options() reads of the settings."""
    return make_sender(get_settings().model_copy(update={"redis_url": redis_url, "data_dir": data_dir}))


Send = tuple[str, list[Any], int | None]


def send_tasks(tasks: list[Send]) -> None:
    """Raises when the broker does not take them."""
    client = sender()
    with client.connection_for_write(transport_options=FAIL_FAST) as connection:
        for task, args, pending_id in tasks:
            task_id = None if pending_id is None else task_id_of(pending_id)
            client.send_task(task, args=args, task_id=task_id, retry=False, connection=connection)


def send_after_commit(db: Session, task: str, *args: Any) -> None:
    """Best effort: the caller's own rows and sweep cover a lost send."""
    db.info.setdefault(AFTER_COMMIT_KEY, {})[(task, args)] = None


def queue_task(db: Session, task: str, *args: Any) -> PendingTask:
    pending = PendingTask(task=task, args=list(args))
    db.add(pending)
    db.flush()
    db.info.setdefault(AFTER_COMMIT_KEY, {})[(task, args)] = pending.id
    return pending


def resend_after_commit(db: Session, task: str, *args: Any) -> None:
    """Its own transaction's send was lost: its COMMIT went through while its connection dropped."""
    for row in db.scalars(select(PendingTask).where(PendingTask.task == task)):
        if row.args == list(args):
            db.info.setdefault(AFTER_COMMIT_KEY, {})[(task, args)] = row.id


def _mark_sent(bind: Any, pending_ids: list[int]) -> None:
    with Session(bind=getattr(bind, "engine", bind)) as db, db.begin():
        db.execute(update(PendingTask).where(PendingTask.id.in_(pending_ids)).values(sent_at=utcnow()))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    wanted = session.info.pop(AFTER_COMMIT_KEY, None)
    if not wanted:
        return
    try:
        send_tasks([(task, list(args), pending_id) for (task, args), pending_id in wanted.items()])
    except Exception as exc:
        log.warning("could not send %s (%s); the sweep will", sorted(wanted), exc.__class__.__name__)
        return
    pending_ids = [pending_id for pending_id in wanted.values() if pending_id is not None]
    if pending_ids:
        _mark_sent(session.get_bind(), pending_ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(AFTER_COMMIT_KEY, None)


def send_pending(db: Session, *, now: datetime) -> int:
    grace = timedelta(seconds=get_settings().pending_task_grace_seconds)
    due = or_(
        PendingTask.sent_at.is_(None),
        (PendingTask.lease_until.is_(None)) & (PendingTask.sent_at <= now - grace),
        PendingTask.lease_until <= now,
    )
    stmt = select(PendingTask).where(due).order_by(PendingTask.id).limit(SWEEP_BATCH)
    rows = _lost(db.scalars(stmt.with_for_update(skip_locked=True)).all())
    if rows:
        send_tasks([(row.task, row.args, row.id) for row in rows])
        sent = update(PendingTask).where(PendingTask.id.in_([row.id for row in rows]))
        db.execute(sent.values(sent_at=now, lease_until=None))
    return len(rows)


def _lost(rows: Sequence[PendingTask]) -> list[PendingTask]:
    """A row sent but not started is lost only when its message waits in no queue: resending a long backlog would
    lengthen it."""
    unstarted = any(row.sent_at is not None and row.lease_until is None for row in rows)
    waiting = queued_pending_ids() if unstarted else set()
    return [row for row in rows if row.id not in waiting]


def queued_pending_ids() -> set[int]:
    return {pending_id for pending_id in map(pending_id_of, _queued_task_ids()) if pending_id is not None}


def _queued_task_ids() -> list[str | None]:
    settings = get_settings()
    if settings.redis_url:
        with _redis(settings) as client:
            payloads = [raw for name in QUEUES for raw in client.lrange(name, 0, -1)]
    else:
        folder = settings.broker_dir / "queue"
        payloads = [_read(path) for name in QUEUES for path in folder.glob(f"*.{name}.msg")]
    return [_task_id(payload) for payload in payloads if payload]


def _read(path: Path) -> bytes:
    """b"" when a worker took it meanwhile."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _task_id(payload: bytes | str) -> str | None:
    """Celery's message protocol 2."""
    try:
        return json.loads(payload).get("headers", {}).get("id")
    except (ValueError, AttributeError):
        return None


def start_pending(db: Session, pending_id: int, *, now: datetime) -> None:
    """A copy sent again later takes it over."""
    lease = timedelta(seconds=get_settings().pending_task_lease_seconds)
    db.execute(update(PendingTask).where(PendingTask.id == pending_id).values(lease_until=now + lease))


def finish_pending(db: Session, pending_id: int) -> None:
    db.execute(delete(PendingTask).where(PendingTask.id == pending_id))


def queue_length(queue: str | None = None) -> int:
    names = QUEUES if queue is None else (queue,)
    settings = get_settings()
    if settings.redis_url:
        with _redis(settings) as client:
            return sum(int(client.llen(name)) for name in names)
    folder = settings.broker_dir / "queue"
    return sum(1 for name in names for _ in folder.glob(f"*.{name}.msg")) if folder.exists() else 0


def broker_reachable() -> bool:
    settings = get_settings()
    if settings.redis_url:
        import redis

        try:
            with _redis(settings) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False
    folder = settings.broker_dir / "queue"
    folder.mkdir(parents=True, exist_ok=True)
    return folder.is_dir()


@contextmanager
def _redis(settings: Settings) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(
        settings.redis_url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
    )
    try:
        yield client
    finally:
        client.close()
