"""代理店CRM tasks: reading uploaded statement images (OCR) by turns across tenants (service/crm/ocr/turns.py),
removing statement image files that no row names (a crash between writing and committing)."""

from datetime import timedelta

from celery import Task

from jobs.celery_app import app
from jobs.single_flight import periodic
from service import broker
from service.crm import storage
from service.crm.labels import OCR_INTERRUPTED
from service.crm.ocr import reading, turns
from service.database import session_scope, utcnow
from service.job_failures import job_failed, retrying

ORPHAN_AGE = timedelta(hours=6)


@periodic("crm.sweep_orphan_files")
def sweep_orphan_files() -> int:
    """Idempotent: a second run (or two at once) finds nothing more to remove."""
    with session_scope() as db:
        return storage.sweep_orphans(db, older_than=utcnow() - ORPHAN_AGE)


@periodic("crm.resume_reading")
def resume_reading() -> int:
    """Readers for images left waiting with none (a claim whose reader died ran out); how many queued."""
    with session_scope() as db:
        return turns.fill_slots(db, now=utcnow())


@app.task(name=turns.TASK, bind=True, acks_late=True)
def read_image(task: Task, *_: int) -> None:
    """A reader's turn: the next image by turns read, then its slot handed over (the argument: its slot, or an image id
    sent before images took turns; neither matters to what it reads). Each database step runs again after a transient
    fault; any other fault marks the image's OCR failed with a message for people."""
    job = f"{turns.TASK} task_id={task.request.id}"

    def claim() -> turns.Claim | None:
        with session_scope() as db:
            return turns.claim_next(db, now=utcnow())

    def hand_over() -> None:
        with session_scope() as db:
            turns.hand_over(db, pending_id=broker.pending_id_of(task.request.id), now=utcnow())

    claimed = retrying(claim, job)
    if claimed is not None:
        read_claimed(claimed, f"{job} image_id={claimed.image_id}")
    retrying(hand_over, job)


def read_claimed(claim: turns.Claim, job: str) -> None:
    """Its file in a short transaction, the engine outside any, the result in another; an image whose reads were
    interrupted MAX_ATTEMPTS times (each killed its worker) is given up instead."""

    def source() -> reading.Source | None:
        with session_scope() as db:
            return reading.source_of(db, claim)

    def record(result: reading.Result) -> None:
        with session_scope() as db:
            reading.record_claimed(db, claim, result)

    def fail(message: str) -> None:
        with session_scope() as db:
            reading.mark_failed(db, claim, message=message, now=utcnow())

    if claim.attempt > turns.MAX_ATTEMPTS:
        retrying(lambda: fail(OCR_INTERRUPTED.format(attempts=turns.MAX_ATTEMPTS)), job)
        return
    try:
        found = retrying(source, job)
        if found is not None:
            result = reading.read(found, now=utcnow())
            retrying(lambda: record(result), job)
    except Exception as exc:
        fail(job_failed(exc, job))
