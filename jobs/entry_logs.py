"""入退管理 tasks: archiving entry/exit logs older than the retention (one year), forgetting ended station sessions,
telling the nurseries' admins of parents still inside after the closing time, drawing barcode card PDFs, importing
roster CSVs batch by batch."""

from datetime import timedelta
from itertools import count
from pathlib import Path

from jobs.celery_app import app
from jobs.single_flight import SingleFlightTask, periodic
from service import documents
from service.config import get_settings
from service.database import session_scope, utcnow
from service.entry_logs import cards, closing, logs, roster, roster_import
from service.job_failures import job_failed, retrying

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


@app.task(name=roster_import.TASK, acks_late=True)
def import_roster(import_id: int, start: int) -> None:
    """One batch of a roster import in its own short transaction, which queues the next, run again after a transient
    database fault; any other fault (or the last transient one) marks the import failed with a message for staff."""
    attempts, job = count(), f"{roster_import.TASK} import_id={import_id} start={start}"

    def batch() -> None:
        with session_scope() as db:
            roster_import.import_batch(db, import_id=import_id, start=start, now=utcnow(), retry=next(attempts) > 0)

    try:
        retrying(batch, job)
    except Exception as exc:
        message = job_failed(exc, job)
        with session_scope() as db:
            roster_import.mark_failed(db, import_id=import_id, now=utcnow(), error=message)


@app.task(name="entry_logs.render_cards", base=SingleFlightTask, acks_late=True)
def render_cards(job_id: int) -> int:
    """Make a card PDF job's file and mark it ready (a failure marks it failed); returns the pages drawn."""
    with session_scope() as db:
        plan = cards.start(db, job_id=job_id, now=utcnow())
    if plan is None:
        return 0
    try:
        sheet = _drawn(plan)
        stored_name = documents.write_file(sheet.output(), ".pdf")
        with session_scope() as db:
            documents.finish(db, job_id, stored_name=stored_name, pages=sheet.pages, now=utcnow())
    except Exception as exc:
        with session_scope() as db:
            documents.fail(db, job_id, error=f"{exc.__class__.__name__}: {exc}", now=utcnow())
        raise
    return sheet.pages


def _drawn(plan: cards.CardPlan) -> cards.CardSheet:
    """Every card of the plan, the parents read a batch per short transaction that also commits the pages drawn so
    far; the drawing happens outside any transaction."""
    batch, sheet, after_id = get_settings().entry_logs_cards_batch, cards.CardSheet(plan), 0
    while True:
        with session_scope() as db:
            documents.record_progress(db, plan.job_id, pages_done=sheet.pages)
            faces = cards.card_faces(db, plan, after_id=after_id, limit=batch)
        if not faces:
            return sheet
        sheet.draw(faces)
        after_id = faces[-1].parent_id
