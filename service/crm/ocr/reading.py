"""Reading an uploaded statement image (each page of a PDF) on the bulk queue (`crm.read_image`, by turns across
tenants: turns.py), never on the request: the file is read in one short transaction, the engine runs outside any, and
the result is recorded in another. The page read (a PDF's pages stacked into one) is stored beside the image so the
operator is shown where each value stands."""

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.crm import masters, storage
from service.crm.labels import OCR_LABEL_KINDS
from service.crm.models import Choice, Image
from service.crm.ocr import engine, extraction, turns
from service.crm.ocr.companies import OTHER
from service.crm.ocr.proposals import Proposal
from service.errors import ServiceUnavailable

QUEUED, DONE, FAILED = "pending", "done", "failed"
OTHER_COMPANY = OTHER  # その他: proposed for a supplier that is none of the area companies


def queue(db: Session, images: list[Image], *, now: datetime) -> bool:
    """False (and nothing queued) with no image, or with OCR off."""
    if not images or not engine.state().available:
        return False
    for image in images:
        image.ocr_result = {"status": QUEUED, "queued_at": now.isoformat()}
    turns.wait(db, images, now=now)
    return True


@dataclass(frozen=True)
class Source:
    """`companies`: the area companies' names as the 電力会社 master has them; `labels`: each field's label words."""

    data: bytes
    content_type: str
    companies: dict[str, str]
    labels: dict[str, tuple[str, ...]]


def source_of(db: Session, claim: turns.Claim) -> Source | None:
    """None when the image is gone or another read retook it."""
    image = turns.held(db, claim)
    if image is None:
        return None
    rows = db.scalars(select(Choice).where(Choice.kind == "power_company", Choice.is_active))
    companies = {row.code: row.label for row in rows if row.code != OTHER_COMPANY}
    return Source(storage.path_of(image.stored_path).read_bytes(), image.content_type, companies, label_words(db))


def label_words(db: Session) -> dict[str, tuple[str, ...]]:
    """Each field's label words as the choice master keeps them (an admin's additions on the マスタ page too)."""
    words = db.execute(select(Choice.kind, Choice.label, Choice.is_active).where(Choice.kind.in_(OCR_LABEL_KINDS)))
    return masters.ocr_labels(row._asdict() for row in words)


@dataclass(frozen=True)
class Result:
    page: bytes
    result: dict[str, Any]


def read(source: Source, *, now: datetime) -> Result:
    """CPU work: no transaction is open. The page's image work (Pillow, pypdfium2) is imported here, on the worker."""
    from service.crm.ocr import pages

    started = time.process_time()
    ocr, state = engine.configured(), engine.state()
    if state.version is None:
        raise ServiceUnavailable(state.message, code="ocr_unavailable")
    read = [pages.normalised(picture, ocr.orientation) for picture in pages.pictures(source.data, source.content_type)]
    page, tops = pages.stacked(read)
    lines = [engine.shifted(line, top) for one, top in zip(read, tops, strict=True) for line in ocr.read(one)]
    found = extraction.extract(lines, companies=source.companies, labels=source.labels, sure_name=ocr.sure_name)
    result = {
        "status": DONE,
        "engine": ocr.name,
        "version": state.version,
        "read_at": now.isoformat(),
        "page_size": list(page.size),
        "text": "\n".join(line.text for line in lines),
        "fields": {name: _proposal(proposal) for name, proposal in found.proposals.items()},
        "withheld": [asdict(withheld) for withheld in found.withheld],
        "issuer": found.issuer,
        "process_seconds": round(time.process_time() - started, 3),  # this process's part; the engine's runs apart
    }
    return Result(pages.jpeg(page), result)


def _proposal(proposal: Proposal) -> dict[str, Any]:
    return {
        "value": proposal.value,
        "confidence": proposal.confidence,
        "box": list(proposal.box),
        "chars": [[char, round(confidence, 3)] for char, confidence in proposal.chars],
    }


def record(db: Session, image: Image, result: Result) -> None:
    turns.leave(image)
    previous = image.ocr_page_path
    image.ocr_page_path = storage.store_page(db, image, result.page)
    if previous and previous != image.ocr_page_path:
        storage.remove_after_commit(db, previous)
    image.ocr_result = result.result


def record_claimed(db: Session, claim: turns.Claim, result: Result) -> None:
    """Nothing when the image was removed meanwhile or another read retook it."""
    image = turns.held(db, claim)
    if image is not None:
        record(db, image, result)


def mark_failed(db: Session, claim: turns.Claim, *, message: str, now: datetime) -> None:
    image = turns.held(db, claim)
    if image is not None:
        turns.leave(image)
        image.ocr_result = {"status": FAILED, "message": message, "read_at": now.isoformat()}
