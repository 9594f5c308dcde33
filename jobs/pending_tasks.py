"""The worker's side of the pending-task ledger (service/broker.py): a task sent for a PendingTask row marks the row
started with a lease when it begins, and deletes it when it ended: a success, or a failure the task recorded (every
job task records its failure on its own record before it raises). A retry keeps the row. Should the database be
unreachable here, the row stays and the sweep sends the task again once its grace or lease is over."""

import logging
from typing import Any

from celery import states
from celery.signals import task_postrun, task_prerun

from service import broker
from service.database import session_scope, utcnow

log = logging.getLogger(__name__)
ENDED = (states.SUCCESS, states.FAILURE)


@task_prerun.connect
def mark_started(task_id: str | None = None, **_: Any) -> None:
    pending_id = broker.pending_id_of(task_id)
    if pending_id is None:
        return
    try:
        with session_scope() as db:
            broker.start_pending(db, pending_id, now=utcnow())
    except Exception as exc:  # the task runs anyway; the sweep covers a row left unmarked
        log.warning("could not mark pending task %s started (%s)", pending_id, exc.__class__.__name__)


@task_postrun.connect
def mark_finished(task_id: str | None = None, state: str | None = None, **_: Any) -> None:
    pending_id = broker.pending_id_of(task_id)
    if pending_id is None or state not in ENDED:
        return
    try:
        with session_scope() as db:
            broker.finish_pending(db, pending_id)
    except Exception as exc:  # the row's lease runs out and the sweep sends a copy, which finds the work done
        log.warning("could not forget pending task %s (%s)", pending_id, exc.__class__.__name__)
