"""The views' API (§2.3.2, §3.1): NORMAL, AUDIT and SUMMARY with their CSVs and the devices behind a summary card.
Thin handlers, every query limited to the caller's 管轄; the rules live in views.py and history.py."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.loaners.dependencies import Filters, Jurisdiction, LocationId, Scope, Staff
from service.loaners.kinds import DeviceType
from service.loaners.views import figures as loaners_figures
from service.loaners.views import history, views
from service.loaners.views.schemas import AuditPage, HeldDevice, NormalPage, SummaryRead
from service.pagination import Page, Paging, page_of
from service.schemas import QueryText

router = APIRouter(prefix="/loaners", tags=["loaners"])


def audit_view_filter(
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    status: QueryText = None,
    q: QueryText = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> history.HistoryFilter:
    since, until = history.period(date_from, date_to)
    return history.HistoryFilter(jurisdiction, location_id, status, q, since, until)


AuditFilters = Annotated[history.HistoryFilter, Depends(audit_view_filter)]


@router.get("/views/normal", response_model=NormalPage)
def normal_view(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: Filters) -> NormalPage:
    """NORMAL (通常データ): base columns + the columns each row's status shows (prefix rule, nested 3-X-* rule)."""
    result = views.normal_view(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow())
    return NormalPage(**result, page=paging.page, page_size=paging.page_size)


@router.get("/views/normal/export", **exports.DOWNLOAD)
def export_normal_view(_: Staff, scope: Scope, db: DbSession, flt: Filters) -> exports.Download:
    """NORMAL's devices as the CSV download: every column the view can show, each device's own filled."""
    return exports.download(views.normal_export(db, scope=scope, flt=flt, now=utcnow()), "loaners_normal", "代替機一覧")


@router.get("/views/audit", response_model=AuditPage)
def audit_view(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: AuditFilters) -> AuditPage:
    """AUDIT (監査データ): the submissions (who reported what, when), newest first, under its data type's columns."""
    result = history.history_page(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    return AuditPage(**result, page=paging.page, page_size=paging.page_size)


@router.get("/views/audit/export", **exports.DOWNLOAD)
def export_audit_view(_: Staff, scope: Scope, db: DbSession, flt: AuditFilters) -> exports.Download:
    """AUDIT's history as the CSV download: every submission the filters choose, newest first."""
    return exports.download(history.history_export(db, scope=scope, flt=flt), "loaners_audit", "代替機の送信履歴")


@router.get("/views/summary", response_model=SummaryRead)
def summary_view(_: Staff, scope: Scope, db: DbSession, jurisdiction: Jurisdiction) -> SummaryRead:
    """SUMMARY (サマリー): a card per held status, counts per location x SV/CL/プリンタ/その他, within 管轄."""
    now = utcnow()
    figures = loaners_figures.summary_figures(db, scope=scope, jurisdiction=jurisdiction, now=now)
    return SummaryRead(**views.summary_view(db, scope=scope, jurisdiction=jurisdiction, now=now), figures=figures)


@router.get("/views/summary/export", **exports.DOWNLOAD)
def export_summary(
    _: Staff, scope: Scope, db: DbSession, jurisdiction: Jurisdiction, classified: bool = False
) -> exports.Download:
    """SUMMARY's devices as the CSV download, longest held first: with `classified`, every device its four cards
    count (預かり機の合計); without, 未分類 too."""
    flt = views.HeldFilter(jurisdiction, classified=classified)
    export = views.summary_export(db, scope=scope, flt=flt, now=utcnow())
    return exports.download(export, "loaners_summary", "代替機の集計")


@router.get("/views/summary/devices", response_model=Page[HeldDevice])
def summary_devices(
    _: Staff,
    scope: Scope,
    db: DbSession,
    paging: Paging,
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    held_status: QueryText = None,
    device_type: DeviceType | None = None,
    classified: bool = False,
) -> Page:
    """The devices behind a summary card or cell, longest held first, with the days each has been held
    (`classified`: those with a held status, 預かり機の合計's)."""
    flt = views.HeldFilter(jurisdiction, held_status, location_id, device_type, classified)
    rows, total = views.held_devices(
        db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow()
    )
    return page_of(rows, total, paging)
