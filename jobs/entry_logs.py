"""入退管理 tasks: archiving entry/exit logs older than the retention (one year), forgetting ended station sessions,
telling the nurseries' admins of parents still inside after the closing time."""

from datetime import timedelta
from pathlib import Path

from jobs.single_flight import periodic
from service.config import get_settings
from service.database import session_scope, utcnow
from service.entry_logs import closing, logs, roster

ENDED_SESSIONS_KEPT = timedelta(days=30)


def archive_folder() -> Path:
    return get_settings().data_dir / "archive" / "entry_logs"


@periodic("entry_logs.archive_old_logs", acks_late=True)
def archive_old_logs() -> int:
    """Write logs past the retention to gzip JSON-lines files and delete them, one committed batch at a time."""
    settings = get_settings()
    now, total = utcnow(), 0
    while True:
        with session_scope() as db:
            batch = logs.archive_batch(
                db,
                now=now,
                retention_days=settings.entry_logs_retention_days,
                folder=archive_folder(),
                limit=settings.entry_logs_archive_batch,
            )
        total += batch.rows
        if batch.rows < settings.entry_logs_archive_batch:
            return total


@periodic("entry_logs.prune_station_sessions")
def prune_station_sessions() -> int:
    """Forget station sessions that ended (signed out, or expired unseen) over 30 days ago."""
    with session_scope() as db:
        return roster.prune_station_sessions(db, before=utcnow() - ENDED_SESSIONS_KEPT)


@periodic("entry_logs.notify_closing_time")
def notify_closing_time() -> int:
    """Once a day per nursery, after its closing time: e-mail its admins the parents still inside (退出記録なし)."""
    with session_scope() as db:
        return closing.send_closing_notices(db, now=utcnow())
