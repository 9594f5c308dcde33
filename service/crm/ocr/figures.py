"""OCR採用率 and 手入力なしの請求書 (service/figures.py's named figures), over OCR確認履歴 per agency and field
(acceptance.py): each opens OCR確認履歴 of exactly its rows."""

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from service.crm import labels
from service.crm.ocr import acceptance
from service.crm.ocr.acceptance import ReviewFilter
from service.crm.ocr.schemas import OcrAcceptanceRead, OcrAcceptanceRow
from service.crm.shares import TOTAL, share
from service.figures import Figure, serve
from service.tenancy import TenantScope

OCR_ACCEPTED_COUNTS = (
    "確認日がその期間に、OCRが読み取った明細画像から保存した地点の項目（OCRの提案があった項目と、提案がなく手入力した"
    "項目）のうち、投入担当者が修正せずに提案のまま保存したものの割合（手入力した項目は採用されなかったものに数えます）"
)
OCR_ACCEPTED = Figure(
    "crm.ocr_accepted",
    "OCR採用率",
    f"{OCR_ACCEPTED_COUNTS}（代理店・項目ごと）",
    "days",
    "crm",
    "/crm/ocr/reviews",
    unit="percent",
    share_of=labels.OCR_ACCEPTED_COLUMN,
)
OCR_ACCEPTED_TOTAL = replace(
    OCR_ACCEPTED,
    key="crm.ocr_accepted_total",
    label=f"OCR採用率（{TOTAL}）",
    counts=f"{OCR_ACCEPTED_COUNTS}（代理店・項目ごとの行の合計: 代理店・項目を選ばなければ全代理店・全項目）",
)
OCR_HANDS_FREE = Figure(
    "crm.ocr_hands_free",
    "手入力なしの請求書",
    "確認日がその期間に、OCRが読み取った明細画像から保存した地点（請求書）のうち、どの項目も修正・手入力せずに"
    "OCRの提案のまま保存したものの割合",
    "days",
    "crm",
    "/crm/ocr/bills",
    unit="percent",
    share_of=labels.OCR_HANDS_FREE_COLUMN,
    counter="枚",
)


def ocr_acceptance(db: Session, *, scope: TenantScope, flt: ReviewFilter, now: datetime) -> OcrAcceptanceRead:
    """Each opens OCR確認履歴 of exactly its rows; the total is the same share over all the filter's reviews;
    手入力なしの請求書 opens the bills of those reviews (every field's: the field filter is not a bill's)."""
    groups = acceptance.acceptance(db, scope=scope, flt=flt)
    rows = [
        _acceptance_row(
            OCR_ACCEPTED,
            replace(flt, agency_id=group.agency_id, field=group.field),
            group,
            now=now,
        )
        for group in groups
    ]
    total = acceptance.Acceptance(
        flt.agency_id,
        TOTAL,
        flt.field,
        sum(group.accepted for group in groups),
        sum(group.reviewed for group in groups),
    )
    everything = _acceptance_row(OCR_ACCEPTED_TOTAL, flt, total, now=now)
    bills = replace(flt, field=None)
    kept, saved = acceptance.hands_free(db, scope=scope, flt=bills)
    hands_free = serve(OCR_HANDS_FREE, share(kept, saved), now=now, flt=bills, days=(flt.since, flt.until), basis=saved)
    return OcrAcceptanceRead(since=flt.since, until=flt.until, rows=rows, total=everything, hands_free=hands_free)


def _acceptance_row(
    figure: Figure, its_rows: ReviewFilter, counted: acceptance.Acceptance, *, now: datetime
) -> OcrAcceptanceRow:
    served = serve(
        figure,
        share(counted.accepted, counted.reviewed),
        now=now,
        flt=its_rows,
        days=(its_rows.since, its_rows.until),
        basis=counted.reviewed,
    )
    return OcrAcceptanceRow(
        agency_id=counted.agency_id,
        agency_name=counted.agency_name,
        field=counted.field,
        field_label=labels.SITE_AUDIT_FIELD_LABELS[counted.field] if counted.field else labels.OCR_ALL_FIELDS,
        accepted=counted.accepted,
        reviewed=counted.reviewed,
        figure=served,
    )
