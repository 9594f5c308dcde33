"""OCR確認履歴 (`GET /ocr/reviews`, its download) and OCR採用率 per agency and field (crm/figures.py), counted in SQL;
one filter selects the rows of all three, within the caller's tenant scope."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service import fields
from service.crm import labels, periods
from service.crm.models import Agency, OcrReview, Site
from service.crm.ocr import extraction
from service.crm.ocr.schemas import OcrReviewItem
from service.exports import ListExport, field
from service.identity.models import User
from service.sheets import Column
from service.tenancy import TenantScope, scoped

REVIEW_ORDER = (OcrReview.reviewed_at.desc(), OcrReview.id.desc())


@dataclass(frozen=True)
class ReviewFilter:
    agency_id: int | None = None
    field: str | None = None
    since: date | None = None
    until: date | None = None


def _reviews(stmt: Select, scope: TenantScope, flt: ReviewFilter) -> Select:
    stmt = scoped(stmt, scope, OcrReview.agency_id)
    if flt.agency_id is not None:
        stmt = stmt.where(OcrReview.agency_id == flt.agency_id)
    if flt.field is not None:
        stmt = stmt.where(OcrReview.field == flt.field)
    start, end = periods.bounds(flt.since, flt.until)
    if start is not None:
        stmt = stmt.where(OcrReview.reviewed_at >= start)
    if end is not None:
        stmt = stmt.where(OcrReview.reviewed_at < end)
    return stmt


def review_query(*, scope: TenantScope, flt: ReviewFilter) -> Select:
    stmt = (
        select(
            OcrReview.id,
            OcrReview.reviewed_at,
            OcrReview.agency_id,
            Agency.name.label("agency_name"),
            OcrReview.field,
            OcrReview.proposed,
            OcrReview.saved,
            OcrReview.accepted,
            OcrReview.confidence,
            Site.request_id,
            OcrReview.site_id,
            OcrReview.image_id,
            User.name.label("reviewed_by_name"),
        )
        .join(Agency, Agency.id == OcrReview.agency_id)
        .outerjoin(Site, Site.id == OcrReview.site_id)
        .outerjoin(User, User.id == OcrReview.reviewed_by)
    )
    return _reviews(stmt, scope, flt)


def review_item(row: Any) -> OcrReviewItem:
    return OcrReviewItem(
        **row._asdict(),
        field_label=labels.SITE_AUDIT_FIELD_LABELS[row.field],
        accepted_label=fields.said(fields.YES_NO, row.accepted),
    )


def list_reviews(
    db: Session, *, scope: TenantScope, flt: ReviewFilter, offset: int, limit: int
) -> tuple[list[OcrReviewItem], int]:
    total = db.scalar(_reviews(select(func.count()).select_from(OcrReview), scope, flt)) or 0
    rows = db.execute(review_query(scope=scope, flt=flt).order_by(*REVIEW_ORDER).offset(offset).limit(limit))
    return [review_item(row) for row in rows], total


def _percent(confidence: float) -> float:
    return round(confidence * 100, 1)


REVIEW_COLUMNS = (
    field("確認日時", "reviewed_at"),
    field("代理店", "agency_name"),
    field("項目", "field_label"),
    field("OCRの値", "proposed"),
    field("保存した値", "saved"),
    field(labels.OCR_ACCEPTED_COLUMN, "accepted_label"),
    Column("信頼度（%）", lambda item: _percent(item.confidence)),
    field("依頼ID", "request_id"),
    field("地点ID", "site_id"),
    field("確認者", "reviewed_by_name"),
)


def review_export(*, scope: TenantScope, flt: ReviewFilter) -> ListExport:
    return ListExport(
        review_query(scope=scope, flt=flt),
        REVIEW_ORDER,
        REVIEW_COLUMNS,
        lambda _db, rows: [review_item(row) for row in rows],
    )


@dataclass(frozen=True)
class Acceptance:
    """None: every agency, every field, as in a total."""

    agency_id: int | None
    agency_name: str
    field: str | None
    accepted: int
    reviewed: int


def acceptance(db: Session, *, scope: TenantScope, flt: ReviewFilter) -> list[Acceptance]:
    counted = _reviews(
        select(
            OcrReview.agency_id,
            Agency.name,
            Agency.code,
            OcrReview.field,
            func.count().filter(OcrReview.accepted.is_(True)).label("accepted"),
            func.count().label("reviewed"),
        ).join(Agency, Agency.id == OcrReview.agency_id),
        scope,
        flt,
    ).group_by(OcrReview.agency_id, Agency.name, Agency.code, OcrReview.field)
    rows = sorted(db.execute(counted), key=lambda row: (row.code, row.agency_id, _field_order(row.field)))
    return [Acceptance(row.agency_id, row.name, row.field, row.accepted, row.reviewed) for row in rows]


def _field_order(name: str) -> int:
    return extraction.FIELDS.index(name) if name in extraction.FIELDS else len(extraction.FIELDS)
