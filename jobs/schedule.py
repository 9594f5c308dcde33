"""The one beat schedule. Periodic work reads the database for what is due; nothing waits in a countdown."""

from datetime import timedelta

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    "platform.dispatch_outbox": {"task": "platform.dispatch_outbox", "schedule": timedelta(seconds=10)},
    "platform.send_pending_tasks": {"task": "platform.send_pending_tasks", "schedule": timedelta(seconds=30)},
    "platform.purge_revoked_tokens": {"task": "platform.purge_revoked_tokens", "schedule": timedelta(hours=1)},
    "platform.purge_login_throttles": {"task": "platform.purge_login_throttles", "schedule": timedelta(hours=1)},
    "platform.backup": {"task": "platform.backup", "schedule": crontab(hour=2, minute=30)},
    "platform.publish_audit_head": {"task": "platform.publish_audit_head", "schedule": timedelta(minutes=15)},
    "platform.purge_documents": {"task": "platform.purge_documents", "schedule": timedelta(hours=1)},
    "entry_logs.archive_old_logs": {"task": "entry_logs.archive_old_logs", "schedule": timedelta(days=1)},
    "entry_logs.prune_station_sessions": {"task": "entry_logs.prune_station_sessions", "schedule": timedelta(days=1)},
    "entry_logs.notify_closing_time": {"task": "entry_logs.notify_closing_time", "schedule": timedelta(minutes=5)},
    "fleet.mark_offline_terminals": {"task": "fleet.mark_offline_terminals", "schedule": timedelta(minutes=1)},
    "fleet.send_alert_digest": {"task": "fleet.send_alert_digest", "schedule": timedelta(seconds=10)},
    "fleet.escalate_overdue": {"task": "fleet.escalate_overdue", "schedule": timedelta(minutes=1)},
    "fleet.advance_rollouts": {"task": "fleet.advance_rollouts", "schedule": timedelta(seconds=30)},
    "fleet.rollup_metrics": {"task": "fleet.rollup_metrics", "schedule": timedelta(minutes=10)},
    "fleet.prune_history": {"task": "fleet.prune_history", "schedule": timedelta(hours=6)},
    "fleet.make_partitions": {"task": "fleet.make_partitions", "schedule": timedelta(hours=1)},
    "reservations.sweep_deadlines": {"task": "reservations.sweep_deadlines", "schedule": timedelta(seconds=15)},
    "reservations.check_operations": {"task": "reservations.check_operations", "schedule": timedelta(minutes=1)},
    "reservations.purge_request_keys": {"task": "reservations.purge_request_keys", "schedule": timedelta(hours=1)},
    "reservations.summarize_months": {"task": "reservations.summarize_months", "schedule": crontab(hour=3, minute=0)},
    # The 1st (beat's timezone, Asia/Tokyo) from 06:00, hourly: a failed run is retried; the first that queues wins.
    "reservations.send_monthly_report": {
        "task": "reservations.send_monthly_report",
        "schedule": crontab(minute=0, hour="6-23", day_of_month=1),
    },
    # Monday (Asia/Tokyo) from 08:00, hourly: last week's report; the first run that queues it wins.
    "reservations.send_weekly_report": {
        "task": "reservations.send_weekly_report",
        "schedule": crontab(minute=0, hour="8-23", day_of_week="mon"),
    },
    "loaners.rotate_submissions": {"task": "loaners.rotate_submissions", "schedule": timedelta(days=1)},
    # Hourly in the day (Asia/Tokyo): the week's first run from Monday 08:00 sends each location's digest once.
    "loaners.send_return_digest": {
        "task": "loaners.send_return_digest",
        "schedule": crontab(minute=0, hour="8-20"),
    },
    "crm.sweep_orphan_files": {"task": "crm.sweep_orphan_files", "schedule": timedelta(hours=6)},
    "crm.resume_reading": {"task": "crm.resume_reading", "schedule": timedelta(minutes=1)},
}
