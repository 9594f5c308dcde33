"""代理店CRM tasks: reading an uploaded statement image (OCR), removing statement image files that no row names (a
crash between writing and committing)."""

from datetime import timedelta

from jobs.celery_app import app
from jobs.single_flight import periodic
from service.crm import storage
from service.crm.ocr import reading
from service.database import session_scope, utcnow
from service.job_failures import job_failed, retrying

ORPHAN_AGE = timedelta(hours=6)


@periodic("crm.sweep_orphan_files")
def sweep_orphan_files() -> int:
    """Idempotent: a second run (or two at once) finds nothing more to remove."""
    with session_scope() as db:
        return storage.sweep_orphans(db, older_than=utcnow() - ORPHAN_AGE)


@app.task(name=reading.TASK, acks_late=True)
def read_image(image_id: int) -> None:
    """Read one image: its file in a short transaction, the engine outside any, the result in another (each run
    again after a transient database fault). Any other fault marks the image's OCR failed with a message for people;
    a second run of an image already read does nothing."""
    job = f"{reading.TASK} image_id={image_id}"

    def source() -> reading.Source | None:
        with session_scope() as db:
            return reading.source_of(db, image_id)

    def record(result: reading.Result) -> None:
        with session_scope() as db:
            reading.record(db, image_id, result)

    try:
        found = retrying(source, job)
        if found is not None:
            result = reading.read(found, now=utcnow())
            retrying(lambda: record(result), job)
    except Exception as exc:
        message = job_failed(exc, job)
        with session_scope() as db:
            reading.mark_failed(db, image_id, message=message, now=utcnow())
