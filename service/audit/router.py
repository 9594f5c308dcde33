from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.audit import service as audit
from service.audit.schemas import AuditEntryRead, ChainReportRead
from service.deps import DbSession
from service.identity.dependencies import PlatformAdmin
from service.pagination import Page, PageParams, page_params
from service.schemas import IsoDatetime

router = APIRouter(prefix="/admin/audit", tags=["admin"])

Text = Annotated[str | None, Query(max_length=100)]


@router.get("", response_model=Page[AuditEntryRead])
def list_audit(
    _: PlatformAdmin,
    db: DbSession,
    paging: Annotated[PageParams, Depends(page_params)],
    actor_id: Text = None,
    action: Text = None,
    domain: Text = None,
    target_type: Text = None,
    target_id: Text = None,
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
