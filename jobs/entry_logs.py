"""入退管理 tasks: archiving entry/exit logs older than the retention (one year), forgetting ended station sessions,
telling the nurseries' admins of parents still inside after the closing time, drawing barcode card PDFs chunk by
chunk, importing roster CSVs batch by batch."""

from datetime import timedelta
from itertools import count
from pathlib import Path

from jobs.celery_app import app
from jobs.single_flight import periodic
from service import documents
from service.config import get_settings
from service.database import session_scope, utcnow
from service.entry_logs import cards, labels
from service.entry_logs.attendance import closing
from service.entry_logs.logs import service as logs
from service.entry_logs.roster import roster_import
from service.entry_logs.roster import service as roster
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


@app.task(name=cards.TASK, acks_late=True)
def render_cards(job_id: int, chunk: int = 0) -> int:
    """One step of a card PDF job: draw its chunk `chunk` (at most APP_DOCUMENT_CHUNK_PAGES pages) into a part file
    committed with the job's progress, which queues the next step; once every card is drawn, merge the parts and mark
    the job ready. Each transaction runs again after a transient database fault; any other fault marks the job failed
    with a message for staff. Returns the pages drawn."""
    job = f"{cards.TASK} job_id={job_id} chunk={chunk}"
    try:
        return _render_chunk(job_id, chunk, job)
    except Exception as exc:
        message = job_failed(exc, job)
        with session_scope() as db:
            documents.fail(db, job_id, error=message, now=utcnow())
        return 0


def _render_chunk(job_id: int, chunk: int, job: str) -> int:
    plan = retrying(lambda: _started(job_id, chunk), job)
    if plan is None:
        return 0
    sheet = None if plan.all_drawn else retrying(lambda: _drawn(plan), job)
    if sheet is None or not sheet.cards:  # every card drawn (or the rest of the parents gone): the parts are it
        _merge(plan, job)
        return 0
    part = documents.write_part(job_id, chunk, sheet.output())

    def commit() -> None:
        with session_scope() as db:
            documents.commit_chunk(
                db, cards.TASK, job_id, chunk=chunk, part=part, pages=sheet.pages, drawn_through=sheet.last_parent_id
            )

    retrying(commit, job)
    return sheet.pages


def _started(job_id: int, chunk: int) -> cards.CardPlan | None:
    with session_scope() as db:
        return cards.start_chunk(db, job_id=job_id, chunk=chunk, now=utcnow())


def _drawn(plan: cards.CardPlan) -> cards.CardSheet:
    """The chunk's cards: the parents after the last one drawn, read a batch per short transaction and drawn outside
    any, up to APP_DOCUMENT_CHUNK_PAGES pages."""
    settings = get_settings()
    sheet, limit = cards.CardSheet(plan), settings.document_chunk_pages * cards.PER_PAGE
    while sheet.cards < limit:
        with session_scope() as db:
            faces = cards.card_faces(
                db, plan, after_id=sheet.last_parent_id, limit=min(settings.entry_logs_cards_batch, limit - sheet.cards)
            )
        if not faces:
            break
        sheet.draw(faces)
    return sheet


def _merge(plan: cards.CardPlan, job: str) -> None:
    """The parts merged into the job's file, the job ready, the parts removed (a job without parts fails)."""
    if not plan.parts:
        with session_scope() as db:
            documents.fail(db, plan.job_id, error=labels.NO_PARENTS_FOR_CARDS, now=utcnow())
        return
    stored_name = documents.merge_parts(plan.parts)

    def finish() -> bool:
        with session_scope() as db:
            return documents.finish(db, plan.job_id, stored_name=stored_name, now=utcnow())

    documents.remove_files(plan.parts if retrying(finish, job) else [stored_name])
