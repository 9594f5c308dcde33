"""A worker's pool processes run at its classes' niceness (service/task_queues.py NICENESS): a bulk worker's below the
requests' priority. Its main process, which consumes the broker and answers health checks, keeps its own."""

import os
from collections.abc import Iterable
from typing import Any

from celery import current_app
from celery.signals import worker_process_init

from service.task_queues import NICENESS


def niceness_of(queues: Iterable[str]) -> int:
    """The most urgent class's; a queue of no class is not lowered."""
    return min((NICENESS.get(queue, 0) for queue in queues), default=0)


@worker_process_init.connect
def lower_pool_priority(**_: Any) -> None:
    """Only ever lowered: a process started nicer stays so."""
    wanted = niceness_of(current_app.amqp.queues.consume_from)
    os.setpriority(os.PRIO_PROCESS, 0, max(wanted, os.getpriority(os.PRIO_PROCESS, 0)))
