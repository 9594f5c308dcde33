"""Statement images take turns to be read, across tenants: an image waiting for its read is database state
(`crm_image.ocr_queued_at`), not a message of its own, and at most APP_OCR_READERS readers (`crm.read_image`, one per
slot, its argument) travel on the bulk queue at once. Another job queued behind an agency's backlog (a nursery's roster
import) waits for that many reads, not for the backlog.

A reader claims the next image: of the agency whose last read started longest ago (one never read first), its oldest;
with FOR UPDATE SKIP LOCKED on PostgreSQL. The claim is a lease: a reader killed mid-read leaves it to run out, and the
image is claimed again (after MAX_ATTEMPTS interrupted reads it fails in words, service/crm/ocr/reading.py). A result is
recorded only while the claim holds (`ocr_started_at` names it), so a read that outlived its lease records nothing and
the one that retook it records once. A reader ends by handing its slot over: its pending-task row (service/broker.py)
deleted and the free slots filled in one transaction, under the lock every upload fills them under, so an image
committed as the last reader stops is never left waiting; `crm.resume_reading` fills them on the beat (a lease run out
with no reader left)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from service import broker, dialect
from service.config import get_settings
from service.crm.models import Image

TASK = "crm.read_image"
LEASE = timedelta(minutes=5)  # a reader's hold on an image: a PDF's four pages take well under a minute
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Claim:
    image_id: int
    started_at: datetime
    attempt: int


def wait(db: Session, images: list[Image], *, now: datetime) -> None:
    """The images wait for readers, queued in the free slots."""
    for image in images:
        image.ocr_queued_at, image.ocr_lease_until, image.ocr_attempts = now, None, 0
    db.flush()
    fill_slots(db, now=now)


def leave(image: Image) -> None:
    """Read, or given up: out of the turns."""
    image.ocr_queued_at = image.ocr_lease_until = None


def waiting(db: Session) -> int:
    """Images waiting for their read or being read, every agency's."""
    return db.scalar(select(func.count()).where(Image.ocr_queued_at.is_not(None))) or 0


def _claimable(now: datetime) -> ColumnElement[bool]:
    return Image.ocr_queued_at.is_not(None) & or_(Image.ocr_lease_until.is_(None), Image.ocr_lease_until <= now)


def claim_next(db: Session, *, now: datetime) -> Claim | None:
    """The next image by turns, held for LEASE; None when none waits unclaimed."""
    same_agency = aliased(Image)
    last_read = (
        select(func.max(same_agency.ocr_started_at)).where(same_agency.agency_id == Image.agency_id).scalar_subquery()
    )
    turns = last_read.asc().nulls_first(), Image.ocr_queued_at, Image.id
    image = db.scalars(dialect.claimable(db, select(Image).where(_claimable(now)).order_by(*turns).limit(1))).first()
    if image is None:
        return None
    image.ocr_started_at, image.ocr_lease_until = now, now + LEASE
    image.ocr_attempts += 1
    return Claim(image.id, now, image.ocr_attempts)


def held(db: Session, claim: Claim) -> Image | None:
    """The claimed image, locked, while the claim holds; None once another read retook it or the image was removed."""
    image = db.get(Image, claim.image_id, with_for_update=True, populate_existing=True)
    if image is None or image.ocr_started_at != claim.started_at or image.ocr_queued_at is None:
        return None
    return image


def hand_over(db: Session, *, pending_id: int | None, now: datetime) -> None:
    """A reader ends: its pending-task row (None: it was sent otherwise) deleted and the free slots filled, together."""
    _lock(db)
    if pending_id is not None:
        broker.finish_pending(db, pending_id)
    fill_slots(db, now=now)


def fill_slots(db: Session, *, now: datetime) -> int:
    """A reader queued in each free slot while images wait unclaimed for them; how many."""
    _lock(db)
    slots = get_settings().ocr_readers
    readers = [row.args for row in db.scalars(select(broker.PendingTask).where(broker.PendingTask.task == TASK))]
    taken = {args[0] for args in readers if args}
    waiting = select(Image.id).where(_claimable(now)).limit(slots).subquery()
    wanted = min(slots - len(readers), db.scalar(select(func.count()).select_from(waiting)) or 0)
    free = [slot for slot in range(slots) if slot not in taken][: max(wanted, 0)]
    for slot in free:
        broker.queue_task(db, TASK, slot)
    return len(free)


def _lock(db: Session) -> None:
    """Whoever fills the slots, alone: an upload's transaction or a reader's last."""
    dialect.of(db).lock(db, dialect.advisory_key(TASK))
