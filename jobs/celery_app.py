"""The one Celery app: Redis in production, kombu's filesystem transport in the embedded default; each task travels
on its class's queue (service/task_queues.py), served by workers of its own."""

from collections.abc import Iterable
from typing import Any

from celery import Celery
from celery.signals import celeryd_init

from jobs.schedule import BEAT_SCHEDULE
from service.broker import broker_options
from service.config import Settings, get_settings
from service.task_queues import CHILD_MEMORY_KIB, QUEUES, celery_routing

TASK_MODULES = [
    "jobs.pending_tasks",  # the pending-task ledger's signal handlers
    "jobs.worker_metrics",  # the worker's /metrics, served once it is ready
    "jobs.niceness",  # bulk work below the requests' priority
    "jobs.platform",
    "jobs.entry_logs",
    "jobs.fleet",
    "jobs.reservations",
    "jobs.loaners",
    "jobs.crm",
]


def make_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    celery = Celery("daicho", include=TASK_MODULES)
    celery.conf.update(
        **broker_options(settings),
        **celery_routing(),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        timezone="Asia/Tokyo",
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


def child_memory_kib(queues: Iterable[str] | None) -> int:
    """The largest of the classes a worker takes (all of them without -Q)."""
    return max(CHILD_MEMORY_KIB.get(queue, min(CHILD_MEMORY_KIB.values())) for queue in queues or QUEUES)


@celeryd_init.connect
def limit_child_memory(conf: Any, options: dict[str, Any], **_: Any) -> None:
    """Before the worker reads its settings: its pool processes' limit by the queues it was told to take."""
    conf.worker_max_memory_per_child = child_memory_kib(options.get("queues"))


app = make_celery()
