"""ダッシュボード, アラート一覧's cards and レポート: the named figures and the monthly report (JSON, CSV, PDF)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from service.database import utcnow
from service.deps import DbSession
from service.figures import FigureRead
from service.fleet.dependencies import Reader, ReportReader, Scope, ScopedCustomer
from service.fleet.models import Customer
from service.fleet.reporting import figures, reports
from service.fleet.reporting.schemas import CustomerOption, FleetDashboardRead, MonthlyReport
from service.openapi import file_response
from service.schemas import MONTH_PATTERN, Normalised, SingleLine
from service.tenancy import scoped

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.get("/dashboard", response_model=FleetDashboardRead)
def dashboard(_: Reader, scope: Scope, db: DbSession) -> FleetDashboardRead:
    return reports.dashboard(db, scope=scope, now=utcnow())


@router.get("/alerts/figures", response_model=list[FigureRead])
def alert_figures(_: Reader, scope: Scope, db: DbSession) -> list[FigureRead]:
    """アラート一覧's cards: each the total of the alert list under its filter (fleet/figures.py)."""
    return figures.figures(db, figures.ALERT_LIST, scope=scope, now=utcnow())


@router.get("/reports/customers", response_model=list[CustomerOption])
def report_customers(_: ReportReader, scope: Scope, db: DbSession) -> list:
    """The customers a report can be made for (viewers see reports only, not the customer register)."""
    stmt = scoped(select(Customer.id, Customer.company_name), scope, Customer.id).order_by(Customer.company_name)
    return [CustomerOption(id=i, company_name=name) for i, name in db.execute(stmt)]


Month = Annotated[str, Query(pattern=MONTH_PATTERN), Normalised, SingleLine]
ReportFormat = Literal["json", "csv", "pdf"]
REPORT_FILES: dict[int | str, dict[str, Any]] = {200: file_response("text/csv", "application/pdf")}


def _report_response(report: MonthlyReport, file_format: ReportFormat, name: str) -> Response:
    if file_format == "json":
        return Response(report.model_dump_json(), media_type="application/json")
    body, media = (
        (reports.report_csv(report), "text/csv; charset=utf-8")
        if file_format == "csv"
        else (reports.report_pdf(report), "application/pdf")
    )
    filename = f"{name}.{file_format}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/reports/monthly", response_model=MonthlyReport, responses=REPORT_FILES)
def fleet_monthly_report(
    _: ReportReader, scope: Scope, db: DbSession, month: Month, format: ReportFormat = "json"
) -> Response:  # noqa: A002 - the query's word
    """The month over every customer in the caller's scope, with the §4.2 SLA compliance."""
    report = reports.monthly_report(db, scope=scope, month=month, now=utcnow())
    return _report_response(report, format, f"fleet-report-all-{month}")


@router.get("/reports/monthly/{customer_id}", response_model=MonthlyReport, responses=REPORT_FILES)
def monthly_report(
    _: ReportReader, customer: ScopedCustomer, db: DbSession, month: Month, format: ReportFormat = "json"
) -> Response:  # noqa: A002 - the query's word
    report = reports.customer_report(db, customer=customer, month=month, now=utcnow())
    return _report_response(report, format, f"fleet-report-{customer.id}-{month}")
