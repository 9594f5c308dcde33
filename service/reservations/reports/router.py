"""The executive view's API (§4.2.2, §6.2): the summary, the weekly and the monthly PDF reports. Thin handlers; the
rules live in executive.py and weekly.py."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.database import utcnow
from service.deps import DbSession
from service.openapi import media
from service.reservations.dependencies import ReportReader
from service.reservations.reports import executive, weekly
from service.reservations.reports.schemas import ExecutiveSummary
from service.schemas import MONTH_PATTERN, Normalised, SingleLine

router = APIRouter(prefix="/reservations", tags=["reservations"])


@router.get("/executive/summary", response_model=ExecutiveSummary)
def executive_summary(_: ReportReader, db: DbSession, months: Annotated[int, Query(ge=1, le=36)] = 12) -> dict:
    """Monthly reservations and revenue, service-type share and the shop ranking (from the nightly summary)."""
    return executive.summary(db, now=utcnow(), months=months)


@router.get("/executive/weekly-report", **media("application/pdf"))
def weekly_report(
    _: ReportReader, db: DbSession, week: Annotated[str, Query(max_length=10), Normalised, SingleLine]
) -> Response:
    """The weekly PDF report (§6.2) of the week holding `week` (any of its days, YYYY-MM-DD)."""
    monday = weekly.parse_week(week, utcnow())
    return Response(
        weekly.report_pdf(db, monday=monday, now=utcnow()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="qrv-weekly-{monday}.pdf"'},
    )


@router.get("/executive/report", **media("application/pdf"))
def executive_report(
    _: ReportReader, db: DbSession, month: Annotated[str, Query(pattern=MONTH_PATTERN), Normalised, SingleLine]
) -> Response:
    """The monthly PDF report."""
    chosen = executive.parse_month(month, utcnow())
    return Response(
        executive.report_pdf(db, month=chosen, now=utcnow()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="qrv-report-{month}.pdf"'},
    )
