"""The one beat schedule. Periodic work reads the database for what is due; nothing waits in a countdown."""

from datetime import timedelta

BEAT_SCHEDULE: dict[str, dict] = {
    "platform.dispatch_outbox": {"task": "platform.dispatch_outbox", "schedule": timedelta(seconds=10)},
    "platform.purge_revoked_tokens": {"task": "platform.purge_revoked_tokens", "schedule": timedelta(hours=1)},
    "entry_logs.archive_old_logs": {"task": "entry_logs.archive_old_logs", "schedule": timedelta(days=1)},
}
