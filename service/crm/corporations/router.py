"""法人 (§2.4): search for 既存法人に地点追加, the corporation read (card masked) and edited, 法人の統合 (admin),
and the card revealed to the back office (audited)."""

from service.crm.corporations import service as corporations
from service.crm.corporations.schemas import (
    CardReveal,
    CorporationMerge,
    CorporationRead,
    CorporationSummary,
    CorporationUpdate,
)
from service.crm.dependencies import Admin, AgencyFilter, AnyRole, BackOffice, Scope, ScopedCorporation
from service.crm.routing import feature_router
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.schemas import QueryText

router = feature_router()


@router.get("/corporations", response_model=Page[CorporationSummary])
def search_corporations(
    _: AnyRole, scope: Scope, db: DbSession, paging: Paging, agency_id: AgencyFilter, q: QueryText = None
) -> Page:
    """既存法人に地点追加: search by 法人名（カナ）, 法人番号 or phone number."""
    rows, total = corporations.search(
        db, scope=scope, q=q, agency_id=agency_id, offset=paging.offset, limit=paging.page_size
    )
    return page_of([CorporationSummary.model_validate(c) for c in rows], total, paging)


@router.get("/corporations/{corporation_id}", response_model=CorporationRead)
def get_corporation(_: AnyRole, corporation: ScopedCorporation) -> CorporationRead:
    return corporations.read(corporation)


@router.patch("/corporations/{corporation_id}", response_model=CorporationRead)
def update_corporation(
    body: CorporationUpdate, caller: AnyRole, corporation: ScopedCorporation, db: DbSession
) -> CorporationRead:
    """法人情報編集 (every role); send the version you read."""
    return corporations.read(
        corporations.update_corporation(db, corporation=corporation, data=body, actor=caller.actor)
    )


@router.post("/corporations/{corporation_id}/merge", response_model=CorporationRead)
def merge_corporation(
    body: CorporationMerge, caller: Admin, scope: Scope, corporation: ScopedCorporation, db: DbSession
) -> CorporationRead:
    """法人の統合: the duplicate's requests and sites move to this corporation and the duplicate is deleted
    (audited)."""
    merged = corporations.merge(db, kept=corporation, duplicate_id=body.duplicate_id, scope=scope, actor=caller.actor)
    return corporations.read(merged)


@router.post("/corporations/{corporation_id}/card/reveal", response_model=CardReveal)
def reveal_card(caller: BackOffice, corporation: ScopedCorporation, db: DbSession) -> CardReveal:
    """The full card number (and security code while kept) for the carrier entry; the reveal is audited."""
    return corporations.reveal_card(db, corporation=corporation, actor=caller.actor)
