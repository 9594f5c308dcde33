"""An image's OCR as the 地点入力 page reads it: the proposals in the form's order with their field's words, what was
withheld, and the page read with one proposal's box drawn on it (where the value stands on the statement)."""

import io
from datetime import datetime

from service.crm import labels, storage
from service.crm.models import Image
from service.crm.ocr import extraction
from service.crm.ocr.schemas import OcrProposal, OcrRead, OcrWithheld
from service.errors import NotFound

LOW_CONFIDENCE = 0.8  # a character read with less is highlighted for the operator to look at
BOX_COLOUR, BOX_WIDTH, BOX_MARGIN = "#d1242f", 4, 6


def ocr_read(image: Image) -> OcrRead:
    result = image.ocr_result or {}
    status = result.get("status")
    message = result.get("message", "") if status else labels.OCR_NOT_READ
    fields = result.get("fields", {})
    read_at = result.get("read_at") if status != "pending" else None
    return OcrRead(
        image_id=image.id,
        status=status,
        status_label=labels.OCR_STATUS_LABELS[status or ""],
        message=message,
        engine=result.get("engine"),
        version=result.get("version"),
        read_at=datetime.fromisoformat(read_at) if read_at else None,
        text=result.get("text", ""),
        page_size=result.get("page_size", []),
        proposals=[
            OcrProposal(field=name, label=labels.SITE_AUDIT_FIELD_LABELS[name], **fields[name])
            for name in extraction.FIELDS
            if name in fields
        ],
        withheld=[
            OcrWithheld(label=labels.SITE_AUDIT_FIELD_LABELS.get(item["field"], item["field"]), **item)
            for item in result.get("withheld", [])
        ],
        issuer=result.get("issuer"),
        low_confidence=LOW_CONFIDENCE,
    )


def page_with_box(image: Image, field: str | None) -> bytes:
    """The page the image was read on (a JPEG), with the box of `field`'s proposal drawn when it has one."""
    if not image.ocr_page_path:
        raise NotFound(labels.OCR_NO_PAGE, code="ocr_page_missing")
    data = storage.path_of(image.ocr_page_path).read_bytes()
    proposal = ((image.ocr_result or {}).get("fields") or {}).get(field or "")
    if proposal is None:
        return data
    from PIL import Image as PilImage
    from PIL import ImageDraw

    with PilImage.open(io.BytesIO(data)) as opened:
        page = opened.convert("RGB")
    left, top, right, bottom = proposal["box"]
    ImageDraw.Draw(page).rectangle(
        (left - BOX_MARGIN, top - BOX_MARGIN, right + BOX_MARGIN, bottom + BOX_MARGIN),
        outline=BOX_COLOUR,
        width=BOX_WIDTH,
    )
    out = io.BytesIO()
    page.save(out, "JPEG", quality=80)
    return out.getvalue()
