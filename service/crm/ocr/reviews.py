"""Confirm, never trust: OCR proposals reach a site only through the operator's save on 地点入力. Each field the form
filled is recorded as accepted or corrected in `crm_ocr_review` and the site's audit entry."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.crm.models import Image, OcrReview, Site
from service.crm.ocr import extraction
from service.errors import ValidationFailed

EMPTY = ("", None)
TEXT_MAX = 200


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def record_reviews(
    db: Session, *, site: Site, image_id: int, before: dict[str, Any], user_id: int | None, now: datetime
) -> dict[str, list[str]]:
    image = db.get(Image, image_id)
    if image is None or image.request_id != site.request_id:
        raise ValidationFailed(
            "地点と同じ依頼の明細画像を選んでください", details={"field": "ocr_image_id", "rule": "same_request"}
        )
    proposals = (image.ocr_result or {}).get("fields") or {}
    outcome: dict[str, list[str]] = {"accepted": [], "corrected": []}
    for field in (name for name in extraction.FIELDS if name in proposals):  # the form's order (JSONB keeps none)
        proposal = proposals[field]
        if before.get(field) not in EMPTY:
            continue
        proposed, saved = _text(proposal["value"]), _text(getattr(site, field))
        accepted = proposed == saved
        db.add(
            OcrReview(
                agency_id=site.agency_id,
                site_id=site.id,
                image_id=image.id,
                field=field,
                proposed=proposed[:TEXT_MAX],
                saved=saved[:TEXT_MAX],
                accepted=accepted,
                confidence=proposal["confidence"],
                reviewed_by=user_id,
                reviewed_at=now,
            )
        )
        outcome["accepted" if accepted else "corrected"].append(field)
    return outcome if any(outcome.values()) else {}
