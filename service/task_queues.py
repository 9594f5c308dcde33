"""Which queue each Celery task travels on: the one routing table.

Two queues with workers of their own, so bulk work can never occupy what time-critical work needs: `critical` (what
someone waits for by the minute: deliveries, alerting, deadline sweeps) and `bulk` (what may take minutes). Every task
the worker registers has a class here (tests/jobs/test_task_queues.py); an unknown name goes to bulk, never ahead of an
alert."""

CRITICAL = "critical"
BULK = "bulk"
QUEUES = (CRITICAL, BULK)
# Each class's work runs at this niceness (jobs/niceness.py): bulk work yields the CPU to requests and to the critical
# queue, so a backlog of readings, imports and documents never slows a sign-in or a page on a shared host. A worker
# taking several classes runs at the most urgent one's.
NICENESS = {CRITICAL: 0, BULK: 10}
# A pool process that peaked past its classes' limit (KiB) is replaced after its task, giving the memory back; a worker
# taking several classes has the largest. Bulk's reads bills: PP-OCRv6 holds 430-770 MB over 50 bills, peaking near
# 950 MB, and a reader replaced after every bill would load the engine again for each (6 s a bill instead of 2.5).
CHILD_MEMORY_KIB = {CRITICAL: 400_000, BULK: 1_200_000}

TASK_CLASSES: dict[str, str] = {
    "platform.deliver_message": CRITICAL,
    "platform.dispatch_outbox": CRITICAL,
    "platform.send_pending_tasks": CRITICAL,
    "fleet.send_alert_digest": CRITICAL,
    "fleet.escalate_overdue": CRITICAL,
    "fleet.mark_offline_terminals": CRITICAL,
    "fleet.advance_rollouts": CRITICAL,
    "reservations.sweep_deadlines": CRITICAL,
    "reservations.page_on_call": CRITICAL,
    "reservations.check_operations": CRITICAL,
    "entry_logs.notify_closing_time": CRITICAL,
    "loaners.send_return_digest": CRITICAL,
    "crm.resume_reading": CRITICAL,  # a sweep: it only queues readers (service/crm/ocr/turns.py)
    "entry_logs.render_cards": BULK,
    "entry_logs.import_roster": BULK,
    "entry_logs.archive_old_logs": BULK,
    "entry_logs.prune_station_sessions": BULK,
    "fleet.import_terminals": BULK,
    "fleet.rollup_metrics": BULK,
    "fleet.prune_history": BULK,
    "fleet.make_partitions": BULK,
    "loaners.import_submissions": BULK,
    "loaners.rotate_submissions": BULK,
    "reservations.purge_request_keys": BULK,
    "reservations.summarize_months": BULK,
    "reservations.send_monthly_report": BULK,
    "reservations.send_weekly_report": BULK,
    "platform.backup": BULK,
    "platform.publish_audit_head": BULK,
    "platform.purge_documents": BULK,
    "platform.purge_revoked_tokens": BULK,
    "platform.purge_login_throttles": BULK,
    "crm.sweep_orphan_files": BULK,
    "crm.read_image": BULK,
}


def celery_routing() -> dict:
    """A worker without -Q takes both queues. kombu is Celery's: imported with it, not with the app."""
    from kombu import Exchange, Queue

    return {
        "task_queues": [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
        "task_default_queue": BULK,
        "task_default_exchange": BULK,
        "task_default_routing_key": BULK,
        "task_routes": {task: {"queue": queue} for task, queue in TASK_CLASSES.items()},
    }
