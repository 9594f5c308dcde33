"""監査ログ (§2.8, admin): the platform audit log limited to the crm domain and crm users' logins and logouts, its
filters' codes in words, and the download."""

from typing import Annotated

from fastapi import Depends

from service import exports
from service.audit import csv_exports as audit_exports
from service.audit import service as audit
from service.audit import vocabulary as audit_words
from service.audit.schemas import AuditEntryRead, AuditVocabularyRead
from service.crm import auditing, periods
from service.crm.dependencies import Admin
from service.crm.routing import Period, feature_router
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.schemas import QueryText

router = feature_router()


def audit_filter(
    actor: QueryText = None,
    actor_id: QueryText = None,
    action: QueryText = None,
    target_type: QueryText = None,
    target_id: QueryText = None,
    since: Period = None,
    until: Period = None,
) -> audit.AuditFilter:
    start, end = periods.bounds(since, until)
    return audit.AuditFilter(
        actor_id, action, None, target_type, target_id, start, end, auditing.log_entries(), actor=actor
    )


AuditFilters = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("/audit", response_model=Page[AuditEntryRead])
def list_audit(_: Admin, db: DbSession, paging: Paging, flt: AuditFilters) -> Page:
    """The platform audit log, limited to the crm domain and crm users' logins and logouts (who changed what, when,
    before/after)."""
    rows, total = audit.list_entries(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    return page_of(audit_words.entry_reads(db, rows), total, paging)


@router.get("/audit/vocabulary", response_model=AuditVocabularyRead)
def audit_vocabulary(_: Admin) -> AuditVocabularyRead:
    """The 監査ログ filters' codes in words: the CRM's actions and targets, and the users' logins and logouts."""
    return AuditVocabularyRead.model_validate(vars(auditing.log_words()))


@router.get("/audit/export", **exports.DOWNLOAD)
def export_audit(_: Admin, flt: AuditFilters) -> exports.Download:
    """The entries the list's filters select, newest first, as the CSV download."""
    return exports.download(audit_exports.audit_export(flt, with_domain=False), "crm_audit_log", "監査ログ")
