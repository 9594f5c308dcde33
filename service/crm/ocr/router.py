"""OCR of statement images (§2.6 `ocr_result`): whether the engine runs here, what it read on an image and the page it
read, and where OCR helps: OCR確認履歴 (each proposal saved as proposed or corrected, and its download) and OCR採用率
(figures.py)."""

from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import Response

from service import exports
from service.crm.dependencies import AgencyFilter, BackOffice, Scope, ScopedImage
from service.crm.ocr import acceptance as ocr_acceptance
from service.crm.ocr import engine as ocr_engine
from service.crm.ocr import figures as ocr_figures
from service.crm.ocr import view as ocr_view
from service.crm.ocr.extraction import OcrField
from service.crm.ocr.schemas import OcrAcceptanceRead, OcrBillItem, OcrEngineRead, OcrRead, OcrReviewItem
from service.crm.routing import Period, feature_router
from service.database import utcnow
from service.deps import DbSession
from service.openapi import media
from service.pagination import Page, Paging, page_of
from service.schemas import QueryText

router = feature_router()


@router.get("/ocr/engine", response_model=OcrEngineRead)
def ocr_engine_state(_: BackOffice) -> OcrEngineRead:
    """Whether uploaded statement images are read by OCR here (APP_OCR_ENGINE and the engine installed); if not, why."""
    return OcrEngineRead.model_validate(ocr_engine.state(), from_attributes=True)


@router.get("/images/{image_id}/ocr", response_model=OcrRead)
def image_ocr(_: BackOffice, image: ScopedImage) -> OcrRead:
    """What OCR read on the image: the proposals for the site's fields (value, confidence, box, each character's
    confidence), what was withheld for breaking its rule, the engine and when."""
    return ocr_view.ocr_read(image)


@router.get("/images/{image_id}/ocr/page", **media("image/jpeg"))
def image_ocr_page(_: BackOffice, image: ScopedImage, field: QueryText = None) -> Response:
    """The page as OCR read it, with the box of `field`'s proposal drawn (where the value stands on the statement)."""
    data = ocr_view.page_with_box(image, field)
    headers = {"Cache-Control": "private, max-age=300", "Content-Disposition": "inline"}
    return Response(data, media_type="image/jpeg", headers=headers)


def ocr_review_filter(
    agency_id: AgencyFilter,
    field: Annotated[OcrField | None, Query(description="a site field OCR proposes")] = None,
    since: Period = None,
    until: Period = None,
) -> ocr_acceptance.ReviewFilter:
    return ocr_acceptance.ReviewFilter(agency_id=agency_id, field=field, since=since, until=until)


OcrReviewQuery = Annotated[ocr_acceptance.ReviewFilter, Depends(ocr_review_filter)]


@router.get("/ocr/reviews", response_model=Page[OcrReviewItem])
def list_ocr_reviews(_: BackOffice, scope: Scope, db: DbSession, paging: Paging, flt: OcrReviewQuery) -> Page:
    """OCR確認履歴: what each save did with each field of the form OCR reads (saved as proposed, corrected, or typed
    where nothing was proposed), the newest first."""
    rows, total = ocr_acceptance.list_reviews(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/ocr/reviews/export", **exports.DOWNLOAD)
def export_ocr_reviews(_: BackOffice, scope: Scope, flt: OcrReviewQuery) -> exports.Download:
    """OCR確認履歴's rows as the download; OCR採用率 is the share of its 提案のまま採用 column reading はい."""
    return exports.download(ocr_acceptance.review_export(scope=scope, flt=flt), "crm_ocr_reviews", "OCR確認履歴")


@router.get("/ocr/bills", response_model=Page[OcrBillItem])
def list_ocr_bills(_: BackOffice, scope: Scope, db: DbSession, paging: Paging, flt: OcrReviewQuery) -> Page:
    """OCR確認履歴（請求書ごと）: each site saved from a bill OCR read, its fields' reviews together, and whether it was
    saved without a keystroke (手入力なし), the newest first; `field` does not narrow a bill."""
    rows, total = ocr_acceptance.list_bills(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/ocr/bills/export", **exports.DOWNLOAD)
def export_ocr_bills(_: BackOffice, scope: Scope, flt: OcrReviewQuery) -> exports.Download:
    """OCR確認履歴（請求書ごと）'s rows as the download; 手入力なしの請求書 is the share of its 手入力なし column
    reading はい."""
    return exports.download(
        ocr_acceptance.bill_export(scope=scope, flt=flt), "crm_ocr_bills", "OCR確認履歴（請求書ごと）"
    )


@router.get("/ocr/acceptance", response_model=OcrAcceptanceRead)
def ocr_acceptance_figures(_: BackOffice, scope: Scope, db: DbSession, flt: OcrReviewQuery) -> OcrAcceptanceRead:
    """OCR採用率 per agency and field (figures.py): the share of the fields saved as OCR proposed them (a field
    typed where nothing was proposed counts as not adopted), each a named figure opening OCR確認履歴 of its agency and
    field; their total (合計), opening OCR確認履歴 of the filter; and 手入力なしの請求書, the share of bills saved
    without a keystroke, opening OCR確認履歴（請求書ごと）."""
    return ocr_figures.ocr_acceptance(db, scope=scope, flt=flt, now=utcnow())
