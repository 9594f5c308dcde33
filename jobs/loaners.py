"""代替機 tasks: the 4-weekly rotation of old submissions, the import of Google Forms response sheets and the weekly
返却待ち digest."""

from jobs.celery_app import app
from jobs.single_flight import periodic
from service.audit.service import SYSTEM
from service.config import get_settings
from service.database import session_scope, utcnow
from service.job_failures import run_in_batches
from service.loaners.archives import rotation
from service.loaners.imports import imports
from service.loaners.returns import return_digest


@periodic("loaners.rotate_submissions", acks_late=True)
def rotate_submissions(run_id: int | None = None) -> dict:
    """Run a rotation started from the API (run_id), or start one when the last is 4 weeks old (the daily beat)."""
    if run_id is None:
        with session_scope() as db:
            now = utcnow()
            run = rotation.start(db, now=now, actor=SYSTEM) if rotation.is_due(db, now=now) else None
            if run is None:
                return {"run_id": None, "archived": 0}
            run_id = run.id
    return {"run_id": run_id, "archived": run_rotation(run_id)}


def run_rotation(run_id: int) -> int:
    """Archive batch by batch (one short transaction each, run again after a transient database fault), then close
    the run; returns how many were archived."""
    batch = get_settings().loaners_rotation_batch
    run_in_batches(
        lambda db: rotation.archive_batch(db, run_id=run_id, limit=batch) == batch,
        lambda db, error: rotation.finish(db, run_id=run_id, now=utcnow(), error=error),
        f"loaners.rotate_submissions run_id={run_id}",
    )
    with session_scope() as db:
        return rotation.finish(db, run_id=run_id, now=utcnow()).archived_rows


@app.task(name="loaners.import_submissions", acks_late=True)
def import_submissions(import_id: int) -> None:
    """Read the response sheet, then work through its rows chunk by chunk, committing progress after each step so the
    page can poll it."""
    run_in_batches(
        lambda db: imports.process_chunk(db, import_id=import_id, now=utcnow()),
        lambda db, error: imports.mark_failed(db, import_id=import_id, now=utcnow(), error=error),
        f"loaners.import_submissions import_id={import_id}",
    )


@periodic("loaners.send_return_digest")
def send_return_digest() -> int:
    """This week's 返却待ち digest to each location with devices past the threshold (once a week per location)."""
    with session_scope() as db:
        return return_digest.send_digests(db, now=utcnow())
