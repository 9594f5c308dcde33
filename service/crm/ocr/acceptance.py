"""OCR確認履歴 (`GET /ocr/reviews`, its download) and OCR採用率 per agency and field; its bills (`GET /ocr/bills`: a
site saved from an image, its fields' reviews together) and 手入力なしの請求書 (figures.py); counted in SQL. One
filter selects the rows of all, within the caller's tenant scope (a bill is every field's: the field filter is not
its)."""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service import fields
from service.crm import labels, periods
from service.crm.models import Agency, OcrReview, Site
from service.crm.ocr import extraction, reviews
from service.crm.ocr.schemas import OcrBillItem, OcrReviewItem
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


def _outcome(row: Any) -> str:
    if row.proposed is None:
        return reviews.TYPED
    return reviews.ACCEPTED if row.accepted else reviews.CORRECTED


def review_item(row: Any) -> OcrReviewItem:
    outcome = _outcome(row)
    return OcrReviewItem(
        **row._asdict(),
        field_label=labels.SITE_AUDIT_FIELD_LABELS[row.field],
        outcome=outcome,
        outcome_label=labels.OCR_OUTCOME_LABELS[outcome],
        accepted_label=fields.said(fields.YES_NO, row.accepted),
    )


def list_reviews(
    db: Session, *, scope: TenantScope, flt: ReviewFilter, offset: int, limit: int
) -> tuple[list[OcrReviewItem], int]:
    total = db.scalar(_reviews(select(func.count()).select_from(OcrReview), scope, flt)) or 0
    rows = db.execute(review_query(scope=scope, flt=flt).order_by(*REVIEW_ORDER).offset(offset).limit(limit))
    return [review_item(row) for row in rows], total


def _percent(confidence: float | None) -> float | None:
    return None if confidence is None else round(confidence * 100, 1)


REVIEW_COLUMNS = (
    field("確認日時", "reviewed_at"),
    field("代理店", "agency_name"),
    field("項目", "field_label"),
    field("OCRの値", "proposed"),
    field("保存した値", "saved"),
    field(labels.OCR_OUTCOME_COLUMN, "outcome_label"),
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


def _bills(scope: TenantScope, flt: ReviewFilter) -> Select:
    """A bill's reviews grouped: the first review's time, the fields reviewed, those kept, those typed."""
    site_key, image_key = func.coalesce(OcrReview.site_id, 0), func.coalesce(OcrReview.image_id, 0)
    grouped = select(
        func.min(OcrReview.reviewed_at).label("reviewed_at"),
        OcrReview.agency_id,
        site_key.label("site_key"),
        image_key.label("image_key"),
        func.count().label("reviewed"),
        func.count().filter(OcrReview.accepted.is_(True)).label("accepted"),
        func.count().filter(OcrReview.proposed.is_(None)).label("typed"),
        func.min(OcrReview.reviewed_by).label("reviewed_by"),
    ).group_by(OcrReview.agency_id, site_key, image_key)
    return _reviews(grouped, scope, replace(flt, field=None))


def bill_query(*, scope: TenantScope, flt: ReviewFilter) -> tuple[Select, tuple[Any, ...]]:
    """The bills with their agency, request and reviewer, and their order: the newest first."""
    bills = _bills(scope, flt).subquery()
    query = (
        select(
            bills.c.reviewed_at,
            bills.c.agency_id,
            Agency.name.label("agency_name"),
            Site.request_id,
            func.nullif(bills.c.site_key, 0).label("site_id"),
            func.nullif(bills.c.image_key, 0).label("image_id"),
            bills.c.reviewed,
            bills.c.accepted,
            bills.c.typed,
            User.name.label("reviewed_by_name"),
        )
        .join(Agency, Agency.id == bills.c.agency_id)
        .outerjoin(Site, Site.id == bills.c.site_key)
        .outerjoin(User, User.id == bills.c.reviewed_by)
    )
    return query, (bills.c.reviewed_at.desc(), bills.c.image_key.desc(), bills.c.site_key.desc())


def bill_item(row: Any) -> OcrBillItem:
    hands_free = row.accepted == row.reviewed
    return OcrBillItem(
        **row._asdict(),
        corrected=row.reviewed - row.accepted - row.typed,
        hands_free=hands_free,
        hands_free_label=fields.said(fields.YES_NO, hands_free),
    )


def list_bills(
    db: Session, *, scope: TenantScope, flt: ReviewFilter, offset: int, limit: int
) -> tuple[list[OcrBillItem], int]:
    total = db.scalar(select(func.count()).select_from(_bills(scope, flt).subquery())) or 0
    query, order = bill_query(scope=scope, flt=flt)
    rows = db.execute(query.order_by(*order).offset(offset).limit(limit))
    return [bill_item(row) for row in rows], total


BILL_COLUMNS = (
    field("確認日時", "reviewed_at"),
    field("代理店", "agency_name"),
    field("依頼ID", "request_id"),
    field("地点ID", "site_id"),
    field("明細画像ID", "image_id"),
    field("確認した項目", "reviewed"),
    field(labels.OCR_OUTCOME_LABELS[reviews.ACCEPTED], "accepted"),
    field(labels.OCR_OUTCOME_LABELS[reviews.CORRECTED], "corrected"),
    field(labels.OCR_OUTCOME_LABELS[reviews.TYPED], "typed"),
    field(labels.OCR_HANDS_FREE_COLUMN, "hands_free_label"),
    field("確認者", "reviewed_by_name"),
)


def bill_export(*, scope: TenantScope, flt: ReviewFilter) -> ListExport:
    query, order = bill_query(scope=scope, flt=flt)
    return ListExport(query, order, BILL_COLUMNS, lambda _db, rows: [bill_item(row) for row in rows])


def hands_free(db: Session, *, scope: TenantScope, flt: ReviewFilter) -> tuple[int, int]:
    """(bills saved without a keystroke, bills saved)."""
    bills = _bills(scope, flt).subquery()
    counted = select(func.count().filter(bills.c.accepted == bills.c.reviewed), func.count()).select_from(bills)
    kept, saved = db.execute(counted).one()
    return kept, saved
