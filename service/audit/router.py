from typing import Annotated

from fastapi import APIRouter, Depends

from service.audit import service as audit
from service.audit.schemas import AuditEntryRead, ChainReportRead
from service.deps import DbSession
from service.identity.dependencies import PlatformAdmin
from service.pagination import Page, PageParams, page_params
from service.schemas import IsoDatetime, QueryText

router = APIRouter(prefix="/admin/audit", tags=["admin"])


@router.get("", response_model=Page[AuditEntryRead])
def list_audit(
    _: PlatformAdmin,
    db: DbSession,
    paging: Annotated[PageParams, Depends(page_params)],
    actor_id: QueryText = None,
    action: QueryText = None,
    domain: QueryText = None,
    target_type: QueryText = None,
    target_id: QueryText = None,
    since: IsoDatetime | None = None,
    until: IsoDatetime | None = None,
) -> Page[AuditEntryRead]:
    flt = audit.AuditFilter(actor_id, action, domain, target_type, target_id, since, until)
    rows, total = audit.list_entries(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return Page(
        items=[AuditEntryRead.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/verify", response_model=ChainReportRead)
def verify(_: PlatformAdmin, db: DbSession) -> ChainReportRead:
    report = audit.verify_chain(db)
    return ChainReportRead(
        ok=report.ok, checked=report.checked, first_bad_seq=report.first_bad_seq, problem=report.problem
    )
