"""Every named figure (service/figures.py) a dashboard shows, walked as every demo role on the lived-in database
(tests/support/history.py): the number on the card equals the total of the list it opens (the API, under the
figure's own query), the rows of that list's CSV and of its Excel download (or, for money, the sum of its column; for
a share, the share of its column's rows reading はい; for a median, its column's median as a spreadsheet's MEDIAN
takes it (statistics.median: of an even count the mean of the middle two); for a mean, its column's mean: the list
then holding the rows it is taken over), and the monthly report's figure for the same period (the support KPIs: the
weekly report's of the running week, which states each with its rows and period). A figure split by channel
(初回応答時間, each against its channel's target) has every row of its CSV in its channel.
The clock stands still during the walk, so every call judges the same moment.

The routes that answer figures are found in the OpenAPI (any response holding a FigureRead), so a new dashboard
route serving figures is walked or fails here until it is.
"""

import csv
import functools
import io
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from pypdf import PdfReader

from dashboards.components.kpi import figure_value
from service import fields
from service.figures import SHARE_YES
from service.reservations.labels import INQUIRY_CHANNELS
from service.reservations.models import SupportInquiry
from tests.factories import auth_headers
from tests.support.clock import JAPAN
from tests.support.downloads import workbook_rows
from tests.support.history import restore_history
from tests.test_route_walk import demo_roles, items_of, total_of

pytestmark = pytest.mark.walk

Get = Callable[..., Any]  # the test client's get
INQUIRIES_ROUTE = "/reservations/inquiries"
CHANNEL_COLUMN = fields.facts(SupportInquiry.channel).label
XLSX = {"format": "xlsx"}


@dataclass(frozen=True)
class Reports:
    """The monthly reports of the walk's month, and the QRV weekly report of its week, as one role reads them, each
    fetched once (the QRV PDFs are among the walk's slowest reads)."""

    get: Get
    headers: dict
    month: str
    day: str  # the walk's day: its week's report

    @functools.cached_property
    def fleet_lines(self) -> dict[str, str] | None:
        """The fleet-wide report's lines (key -> text, e.g. terminals -> 「1,234台」)."""
        response = self.get("/api/fleet/reports/monthly", params={"month": self.month}, headers=self.headers)
        return (
            None if response.status_code != 200 else {line["key"]: line["value"] for line in response.json()["lines"]}
        )

    @functools.cached_property
    def qrv_lines(self) -> list[str] | None:
        """The QRV monthly PDF's text lines."""
        return self._pdf_lines("/api/reservations/executive/report", month=self.month)

    @functools.cached_property
    def qrv_weekly_lines(self) -> list[str] | None:
        """The QRV weekly PDF's text lines, of the week running on the walk's day."""
        return self._pdf_lines("/api/reservations/executive/weekly-report", week=self.day)

    def _pdf_lines(self, route: str, **params: str) -> list[str] | None:
        response = self.get(route, params=params, headers=self.headers)
        if response.status_code != 200:
            return None
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).splitlines()


def fleet_report(reports: Reports, figure: dict) -> str | None:
    """The fleet's monthly report of the month: its 端末数 is 総端末数 for the month so far."""
    return None if reports.fleet_lines is None else reports.fleet_lines["terminals"]


def qrv_report(reports: Reports, figure: dict) -> str | None:
    """The QRV monthly PDF's summary line for the figure, e.g. 「確定件数 103件」, 「売上 89.9万円（899,000円）」."""
    return figure_line(reports.qrv_lines, figure)


def qrv_weekly_report(reports: Reports, figure: dict) -> str | None:
    """The QRV weekly PDF's line for a support KPI of this week (or quarter), e.g.
    「初回応答時間 30.0分（対象2件） 2026/11/23〜2026/11/25（今日まで）」."""
    return figure_line(reports.qrv_weekly_lines, figure)


def figure_line(lines: list[str] | None, figure: dict) -> str | None:
    """What a report's line for the figure says after its label (None: the role may not read the report)."""
    if lines is None:
        return None
    line = next((row for row in lines if row.startswith(figure["label"] + " ")), "")
    return line.removeprefix(figure["label"] + " ")


def report_text(figure: dict) -> str:
    """The figure as the reports write it: 「1,234台」, 「103件」, 「89.9万円（899,000円）」; a share, a median or a
    mean as its card shows it, with the rows it is taken over and its period."""
    value = figure["value"]
    if figure["basis"] is not None:
        return f"{figure_value(figure)}（対象{figure['basis']:,}件） {figure['period_label']}"
    if figure["unit"] == "yen":
        return f"{value / 10_000:,.1f}万円（{value:,}円）"
    return f"{value:,}{figure['counter']}"


# figure key -> how the monthly report of the figure's month states it
REPORTS = {
    "fleet.terminals": fleet_report,
    "reservations.reservations": qrv_report,
    "reservations.confirmed": qrv_report,
    "reservations.cancelled": qrv_report,
    "reservations.revenue": qrv_report,
    "reservations.first_response_email": qrv_weekly_report,
    "reservations.first_response_met_email": qrv_weekly_report,
    "reservations.first_response_phone": qrv_weekly_report,
    "reservations.first_response_met_phone": qrv_weekly_report,
    "reservations.resolved_in_time": qrv_weekly_report,
    "reservations.satisfaction": qrv_weekly_report,
}
Reads = Iterator[tuple[str, dict]]  # (path, query) of a figure route as one role reads it


def plain(route: str) -> Callable[[Get, dict, str], Reads]:
    return lambda get, headers, month: iter([(route, {})])


def monthly(get: Get, headers: dict, month: str) -> Reads:
    yield "/api/fleet/reports/monthly", {"month": month}


def customers_monthly(get: Get, headers: dict, month: str) -> Reads:
    """The first customer's report the role may read."""
    response = get("/api/fleet/reports/customers", headers=headers)
    for customer in (response.json() if response.status_code == 200 else [])[:1]:
        yield f"/api/fleet/reports/monthly/{customer['id']}", {"month": month}


def per_nursery(route: str, **query: str) -> Callable[[Get, dict, str], Reads]:
    """Each nursery the role sees (with the walk's month where the route takes one)."""

    def reads(get: Get, headers: dict, month: str) -> Reads:
        response = get("/api/entry-logs/nurseries", headers=headers)
        for nursery in response.json() if response.status_code == 200 else []:
            yield route, {"nurseryId": nursery["id"]} | {name: month for name in query.values()}

    return reads


# The routes whose answer holds figures -> how a role reads them, and where the figures are in the answer.
FIGURE_ROUTES: dict[str, tuple[Callable[[Get, dict, str], Reads], Callable[[Any], list[dict]]]] = {
    "/api/fleet/dashboard": (plain("/api/fleet/dashboard"), lambda body: body["figures"]),
    "/api/fleet/alerts/figures": (plain("/api/fleet/alerts/figures"), lambda body: body),
    "/api/fleet/reports/monthly": (monthly, lambda body: body["figures"]),
    "/api/fleet/reports/monthly/{customer_id}": (customers_monthly, lambda body: body["figures"]),
    "/api/reservations/executive/summary": (
        plain("/api/reservations/executive/summary"),
        lambda body: body["month_to_date"]["figures"],
    ),
    "/api/reservations/inquiries/figures": (
        plain("/api/reservations/inquiries/figures"),
        lambda body: body["figures"],
    ),
    "/api/reservations/shops/call-figures": (
        plain("/api/reservations/shops/call-figures"),
        lambda body: [figure for row in body for figure in row["today"] + row["month"]],
    ),
    "/api/crm/metrics/figures": (plain("/api/crm/metrics/figures"), lambda body: body),
    "/api/crm/metrics/agencies": (plain("/api/crm/metrics/agencies"), lambda body: body["figures"]),
    "/api/crm/dashboard": (plain("/api/crm/dashboard"), lambda body: body["by_status"] + body["figures"]),
    "/api/crm/ocr/acceptance": (
        plain("/api/crm/ocr/acceptance"),
        lambda body: [row["figure"] for row in [*body["rows"], body["total"]]] + [body["hands_free"]],
    ),
    "/api/loaners/views/summary": (plain("/api/loaners/views/summary"), lambda body: body["figures"]),
    "/api/entry-logs/figures": (per_nursery("/api/entry-logs/figures"), lambda body: body),
    "/api/attendance": (per_nursery("/api/attendance"), lambda body: body["figures"]),
    "/api/entry-logs/extended-care/figures": (
        per_nursery("/api/entry-logs/extended-care/figures", month="month"),
        lambda body: body,
    ),
}
FIGURE_SCHEMA = "#/components/schemas/FigureRead"


def refers_to_figures(schema: Any, schemas: dict, seen: frozenset = frozenset()) -> bool:
    """Whether a response schema holds FigureRead, however deep."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref == FIGURE_SCHEMA:
            return True
        if ref and ref not in seen:
            return refers_to_figures(schemas[ref.rsplit("/", 1)[1]], schemas, seen | {ref})
        return any(refers_to_figures(value, schemas, seen) for value in schema.values())
    if isinstance(schema, list):
        return any(refers_to_figures(value, schemas, seen) for value in schema)
    return False


def figure_routes(spec: dict) -> set[str]:
    schemas = spec["components"]["schemas"]
    return {
        path
        for path, operations in spec["paths"].items()
        if "get" in operations
        and refers_to_figures(operations["get"]["responses"].get("200", {}).get("content", {}), schemas)
    }


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def outside_its_channel(figure: dict, rows: list[dict]) -> set[str]:
    """The channels of a channel's figure's CSV rows other than its own (none for a figure not split by channel)."""
    channel = figure["list_query"].get("channel")
    if channel is None or figure["list_route"] != INQUIRIES_ROUTE:
        return set()
    return {row[CHANNEL_COLUMN] for row in rows} - {INQUIRY_CHANNELS[channel]}


def xlsx_measure(response, figure: dict) -> int | float:
    """The Excel download's measure of the figure (`measure`), its cells as openpyxl reads them."""
    header, *rows = workbook_rows(response.content)
    return measure([dict(zip(header, row, strict=True)) for row in rows], figure)


def amount(value: Any) -> int:
    """A money cell: a number in the workbook, 「1,234」 or nothing in the CSV."""
    return value if isinstance(value, int) else int(str(value or 0).replace(",", "") or 0)


def measure(rows: list[dict], figure: dict) -> int | float:
    """The rows' count, the sum of the figure's column, the share of its column's rows reading はい (a ratio to four
    decimals), its column's median as a spreadsheet takes it or its column's mean (each to two decimals; 0 of no
    rows)."""
    if figure["mean_of"] is not None:
        return round(sum(float(row[figure["mean_of"]]) for row in rows) / len(rows), 2) if rows else 0.0
    if figure["share_of"] is not None:
        return round(sum(row[figure["share_of"]] == SHARE_YES for row in rows) / len(rows), 4) if rows else 0.0
    if figure["median_of"] is not None:
        return round(statistics.median(float(row[figure["median_of"]]) for row in rows), 2) if rows else 0.0
    if figure["sum_of"] is None:
        return len(rows)
    return sum(amount(row[figure["sum_of"]]) for row in rows)


def list_total(body: Any) -> int | None:
    """A list's total: a page's, or the rows of a list answered whole (園内にいる保護者, 出欠表: beside its figures)."""
    total = total_of(body)
    if total is not None or items_of(body) is not None:
        return total
    rows = {key: value for key, value in body.items() if key != "figures"} if isinstance(body, dict) else {}
    lists = [value for value in rows.values() if isinstance(value, list)]
    return len(lists[0]) if len(lists) == 1 else None


def check_figure(
    client, headers: dict, role: str, figure: dict, reports: Reports, workbooks: set[str]
) -> tuple[list[str], bool]:
    """The figure against its list, its CSV (and, the first time the figure's list is read, its Excel download) and
    its report; (failures, whether its list was readable)."""
    failures = []
    shown = f"{role}: {figure['key']}（{figure['label']}, {figure['period_label']}）= {figure['value']:,}"
    listed = False
    if figure["list_route"]:
        route, query = "/api" + figure["list_route"], figure["list_query"]
        page = client.get(route, params=query | {"page_size": 1}, headers=headers)
        if page.status_code == 200:
            listed = True
            counted = figure["sum_of"] is None and figure["grouped_by"] is None  # the list's total counts its rows
            expected = figure["value"] if figure["basis"] is None else figure["basis"]  # a share's or median's rows
            total = list_total(page.json())
            if counted and total != expected:
                failures.append(f"{shown}, its list {query} totals {total}")
            if figure["export_route"]:
                exported = client.get("/api" + figure["export_route"], params=query, headers=headers)
                rows = csv_rows(exported)
                if measure(rows, figure) != figure["value"]:
                    failures.append(f"{shown}, its CSV {query} has {measure(rows, figure):,}")
                if outside_its_channel(figure, rows):
                    failures.append(f"{shown}, its CSV {query} has rows of {outside_its_channel(figure, rows)}")
                if figure["key"] not in workbooks:
                    workbooks.add(figure["key"])
                    workbook = client.get("/api" + figure["export_route"], params=query | XLSX, headers=headers)
                    if xlsx_measure(workbook, figure) != figure["value"]:
                        failures.append(f"{shown}, its Excel download {query} has {xlsx_measure(workbook, figure):,}")
    if figure["key"] in REPORTS:
        stated = REPORTS[figure["key"]](reports, figure)
        if stated is not None and stated != report_text(figure):
            failures.append(f"{shown}, the monthly report of {reports.month} says {stated!r}")
    return failures, listed


def test_every_figure_equals_its_list_its_csv_and_its_report_for_every_role(client, db):
    restore_history()
    spec = client.get("/api/openapi.json").json()
    assert figure_routes(spec) == set(FIGURE_ROUTES), "a route answers figures the walk does not know"
    roles = demo_roles(db)
    db.commit()  # the test holds no transaction while the walk reads
    now = datetime.now(UTC)
    month, day = now.astimezone(JAPAN).strftime("%Y-%m"), now.astimezone(JAPAN).date().isoformat()
    failures: list[str] = []
    seen: set[str] = set()
    listed: set[str] = set()
    answered: set[str] = set()
    workbooks: set[str] = set()  # the figures whose list's Excel download was measured (once each: it costs)
    with time_machine.travel(now, tick=False):
        for login, user in roles.items():
            headers = auth_headers(user)
            reports = Reports(client.get, headers, month, day)
            for route, (reads, figures_in) in FIGURE_ROUTES.items():
                for path, query in reads(client.get, headers, month):
                    response = client.get(path, params=query, headers=headers)
                    if response.status_code != 200:
                        continue
                    answered.add(route)
                    for figure in figures_in(response.json()):
                        assert figure["as_of_label"].endswith(" 時点") and figure["period_label"]
                        found, readable = check_figure(client, headers, login, figure, reports, workbooks)
                        failures += found
                        seen.add(figure["key"])
                        if readable:
                            listed.add(figure["key"])
    assert failures == [], "\n".join(failures)
    assert answered == set(FIGURE_ROUTES), "figure routes no role could read"
    assert seen - listed == set(), "figures whose list no role could open"
    assert set(REPORTS) <= seen
