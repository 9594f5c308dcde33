"""代理店別数値 (§3.6) and 管理者ダッシュボード: per agency and in total over a period, with the named figures
(metrics/figures.py), the most frequent 不備 reasons, the monthly or daily series, and the download."""

from typing import Annotated, Any, Literal

from fastapi import Query

from service import exports
from service.crm.dependencies import Admin, AgencyFilter, BackOffice, Scope
from service.crm.metrics import figures as crm_figures
from service.crm.metrics import service as metrics
from service.crm.metrics.schemas import CrmDashboardRead, MetricsPageRead, ReasonCount, SeriesRead
from service.crm.routing import Period, feature_router
from service.crm.visibility import Cases
from service.database import utcnow
from service.deps import DbSession
from service.figures import FigureRead

router = feature_router()


@router.get("/metrics/agencies", response_model=MetricsPageRead)
def agency_metrics(
    _: BackOffice, cases: Cases, db: DbSession, agency_id: AgencyFilter, since: Period = None, until: Period = None
) -> MetricsPageRead:
    """代理店別数値 in one answer: per agency requests, by status, acquired sites, 不備率, 初回完了率, the median days
    to 投入済 and the top 不備 reasons over a period (依頼日; acquired sites by 投入完了日), and the total; the page's
    cards (as GET /metrics/figures) and the period's most frequent 不備 reasons (as GET /metrics/deficiency-reasons)."""
    period: dict[str, Any] = {"view": cases, "agency_id": agency_id, "since": since, "until": until}
    return MetricsPageRead(
        **dict(metrics.agency_metrics(db, **period)),
        figures=crm_figures.metrics_figures(db, **period, now=utcnow()),
        reasons=metrics.period_reasons(db, **period, limit=metrics.REASONS_LISTED),
    )


@router.get("/metrics/agencies/export", **exports.DOWNLOAD)
def export_agency_metrics(
    _: BackOffice, cases: Cases, agency_id: AgencyFilter, since: Period = None, until: Period = None
) -> exports.Download:
    """代理店別サマリ as the CSV download: one row per agency, with 初回完了率, the median days and the top reasons."""
    export = metrics.metrics_export(view=cases, agency_id=agency_id, since=since, until=until)
    return exports.download(export, "crm_agency_metrics", "代理店別数値")


@router.get("/metrics/deficiency-reasons", response_model=list[ReasonCount])
def deficiency_reasons(
    _: BackOffice,
    cases: Cases,
    db: DbSession,
    agency_id: AgencyFilter,
    since: Period = None,
    until: Period = None,
    limit: Annotated[int, Query(ge=1, le=50)] = metrics.REASONS_LISTED,
) -> list[ReasonCount]:
    """The most frequent 不備 reasons of the deficiencies raised in the period (one agency's or all the caller sees)."""
    return metrics.period_reasons(db, view=cases, agency_id=agency_id, since=since, until=until, limit=limit)


@router.get("/metrics/figures", response_model=list[FigureRead])
def metrics_figures(
    _: BackOffice, cases: Cases, db: DbSession, agency_id: AgencyFilter, since: Period = None, until: Period = None
) -> list[FigureRead]:
    """代理店別数値's cards (metrics/figures.py): each figure over the period with the list that shows its rows."""
    return crm_figures.metrics_figures(db, view=cases, agency_id=agency_id, since=since, until=until, now=utcnow())


@router.get("/metrics/series", response_model=SeriesRead)
def metrics_series(
    _: BackOffice,
    scope: Scope,
    db: DbSession,
    agency_id: AgencyFilter,
    granularity: Literal["month", "day"] = "month",
    since: Period = None,
    until: Period = None,
) -> SeriesRead:
    """月別 / 日別: the same numbers per local month or day, for the chart."""
    return metrics.series(
        db, scope=scope, agency_id=agency_id, granularity=granularity, since=since, until=until, now=utcnow()
    )


@router.get("/dashboard", response_model=CrmDashboardRead)
def dashboard(_: Admin, cases: Cases, db: DbSession) -> CrmDashboardRead:
    """管理者ダッシュボード's cards (metrics/figures.py), each opening its list, and this month's busiest agencies."""
    now = utcnow()
    return CrmDashboardRead(
        by_status=crm_figures.status_figures(db, view=cases, now=now),
        figures=crm_figures.home_figures(db, view=cases, now=now),
        top_agencies=metrics.top_agencies(db, view=cases, now=now),
    )
