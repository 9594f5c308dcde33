"""The audit log's pages for platform admins: the log in words, its filters' words, its CSV and the chain's check."""

from typing import Annotated

from fastapi import APIRouter, Depends

from service import exports
from service.audit import csv_exports, vocabulary
from service.audit import labels as _platform_words  # noqa: F401 - registers the platform's audit wording
from service.audit import service as audit
from service.audit.schemas import AuditEntryRead, AuditVocabularyRead, ChainReportRead
from service.deps import DbSession
from service.identity.dependencies import PlatformAdmin
from service.pagination import Page, Paging
from service.roles import DOMAINS
from service.schemas import IsoDatetime, QueryText

router = APIRouter(prefix="/admin/audit", tags=["admin"])


def audit_filter(
    actor: QueryText = None,
    actor_id: QueryText = None,
    action: QueryText = None,
    domain: QueryText = None,
    target_type: QueryText = None,
    target_id: QueryText = None,
    since: IsoDatetime | None = None,
    until: IsoDatetime | None = None,
) -> audit.AuditFilter:
    return audit.AuditFilter(actor_id, action, domain, target_type, target_id, since, until, actor=actor)


Filters = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("", response_model=Page[AuditEntryRead])
def list_audit(_: PlatformAdmin, db: DbSession, paging: Paging, flt: Filters) -> Page[AuditEntryRead]:
    rows, total = audit.list_entries(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return Page(
        items=vocabulary.entry_reads(db, rows),
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/vocabulary", response_model=AuditVocabularyRead)
def audit_vocabulary(_: PlatformAdmin) -> AuditVocabularyRead:
    """The filters' codes in words: every domain, action and kind of target the log names."""
    return AuditVocabularyRead.model_validate(vars(vocabulary.filter_words(DOMAINS)))


@router.get("/export", **exports.DOWNLOAD)
def export_audit(_: PlatformAdmin, flt: Filters) -> exports.Download:
    """The entries the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.audit_export(flt, with_domain=True), "audit_log", "監査ログ")


@router.get("/verify", response_model=ChainReportRead)
def verify(_: PlatformAdmin, db: DbSession) -> ChainReportRead:
    report = audit.verify_chain(db)
    return ChainReportRead(
        ok=report.ok, checked=report.checked, first_bad_seq=report.first_bad_seq, problem=report.problem
    )
