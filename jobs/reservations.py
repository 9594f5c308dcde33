"""Reservations tasks: the deadline sweeper, paging the person on duty for a new operation or incident at once, the
§4.3 monitoring alerts, the hourly purge of expired MCP request keys, the nightly executive summary, the monthly PDF
report e-mailed to executives and the weekly one to operators and executives.

The workflow itself (confirmation SMS, shop calls, payment links, emails) runs in the outbox delivery tasks; the
domain's reactions to their outcomes are the hooks registered by service.reservations.hooks, imported here so that
the worker has them.
"""

from jobs.celery_app import app
from jobs.single_flight import periodic
from service.broker import queue_length
from service.database import session_scope, utcnow
from service.reservations import (
    hooks,  # noqa: F401  (registers the outbox hooks in the worker)
    page_state,
    sweeper,
)
from service.reservations.booking import retries
from service.reservations.monitoring import monitoring
from service.reservations.oncall import paging
from service.reservations.reports import executive, weekly
from service.task_queues import CRITICAL


@periodic("reservations.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """Payment windows, unanswered calls, day-before reminders, past reservations: one transaction per step."""
    done = {}
    for name, step in sweeper.STEPS.items():
        with session_scope() as db:
            done[name] = step(db, now=utcnow())
    return done


@app.task(name=page_state.TASK, acks_late=True)
def page_on_call(subject: str, subject_id: int) -> int:
    """A new 緊急/高 operation or Critical/High incident pages the person on duty now, not at the next sweep; the
    sweep pages what this leaves, and the two page nobody twice (paging.py)."""
    with session_scope() as db:
        return paging.page_subject(db, subject=subject, subject_id=subject_id, now=utcnow())


@periodic("reservations.check_operations")
def check_operations() -> list[str]:
    """§4.3: queue length (the critical queue, where the workflow's messages travel) over 100 or error rate over 5%
    → #qrv-alerts (not repeated while it lasts)."""
    length = queue_length(CRITICAL)
    with session_scope() as db:
        return monitoring.check(db, queue_length=length, now=utcnow())


@periodic("reservations.purge_request_keys")
def purge_request_keys() -> int:
    """The MCP request keys that expired (a retry after them books anew)."""
    with session_scope() as db:
        return retries.purge(db, now=utcnow())


@periodic("reservations.summarize_months")
def summarize_months() -> int:
    """The nightly batch behind the executive page."""
    with session_scope() as db:
        return executive.recompute(db, now=utcnow())


@periodic("reservations.send_monthly_report")
def send_monthly_report() -> int:
    """§4.2.2 PDFレポート送信: the previous month's report to every executive, once per month."""
    with session_scope() as db:
        return executive.send_monthly_report(db, now=utcnow())


@periodic("reservations.send_weekly_report")
def send_weekly_report() -> int:
    """§6.2 週次レポート: last week's report to every operator and executive, once per week."""
    with session_scope() as db:
        return weekly.send_weekly_report(db, now=utcnow())
