"""Confirm, never trust: OCR proposals reach a site only through the operator's save on 地点入力. Each field of the form
OCR reads that the save fills (it was empty) is recorded in `crm_ocr_review` and the site's audit entry: kept as
proposed (accepted), corrected, or typed where nothing was proposed; the last two count as not adopted in OCR採用率, and
a bill saved with neither is 手入力なし (acceptance.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.crm.models import Image, OcrReview, Site
from service.crm.ocr import extraction
from service.errors import ValidationFailed

EMPTY = ("", None)
TEXT_MAX = 200
READ = "done"
ACCEPTED, CORRECTED, TYPED = "accepted", "corrected", "typed"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def outcome(proposal: Any, saved: Any) -> str | None:
    """What a save did with a field the form filled from nothing: ACCEPTED, CORRECTED or TYPED; None when it stays
    empty with nothing proposed (not a field of this bill). bench/ocr.py counts its bills with it too."""
    if proposal is None:
        return None if saved in EMPTY else TYPED
    return ACCEPTED if _text(proposal) == _text(saved) else CORRECTED


def record_reviews(
    db: Session, *, site: Site, image_id: int, before: dict[str, Any], user_id: int | None, now: datetime
) -> dict[str, list[str]]:
    """Nothing when the image was never read (OCR off, still reading, failed)."""
    image = db.get(Image, image_id)
    if image is None or image.request_id != site.request_id:
        raise ValidationFailed(
            "地点と同じ依頼の明細画像を選んでください", details={"field": "ocr_image_id", "rule": "same_request"}
        )
    result = image.ocr_result or {}
    if result.get("status") != READ:
        return {}
    proposals = result.get("fields") or {}
    done: dict[str, list[str]] = {}
    for field in extraction.FIELDS:  # the form's order (JSONB keeps none)
        if before.get(field) not in EMPTY:
            continue
        proposal = proposals.get(field)
        saved = getattr(site, field)
        what = outcome(proposal and proposal["value"], saved)
        if what is None:
            continue
        db.add(
            OcrReview(
                agency_id=site.agency_id,
                site_id=site.id,
                image_id=image.id,
                field=field,
                proposed=_text(proposal["value"])[:TEXT_MAX] if proposal else None,
                saved=_text(saved)[:TEXT_MAX],
                accepted=what == ACCEPTED,
                confidence=proposal["confidence"] if proposal else None,
                reviewed_by=user_id,
                reviewed_at=now,
            )
        )
        done.setdefault(what, []).append(field)
    return done
