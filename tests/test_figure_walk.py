"""Every named figure (service/figures.py) a dashboard shows, walked as every demo role on the lived-in database
(tests/support/history.py): the number on the card equals the total of the list it opens (the API, under the
figure's own query), the rows of that list's CSV (or, for money, the sum of its column), and the monthly report's
figure for the same period. The clock stands still during the walk, so every call judges the same moment.

The routes that answer figures are found in the OpenAPI (any response holding a FigureRead), so a new dashboard
route serving figures is walked or fails here until it is.
"""

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import time_machine
from pypdf import PdfReader

from tests.factories import auth_headers
from tests.support.clock import JAPAN
from tests.support.history import restore_history
from tests.test_route_walk import demo_roles

# The routes whose answer holds figures -> where the figures are in it.
FIGURE_ROUTES: dict[str, Callable[[Any], list[dict]]] = {
    "/api/fleet/dashboard": lambda body: body["figures"],
    "/api/fleet/alerts/figures": lambda body: body,
    "/api/reservations/executive/summary": lambda body: body["month_to_date"]["figures"],
    "/api/crm/metrics/figures": lambda body: body,
    "/api/loaners/views/summary": lambda body: body["figures"],
    "/api/entry-logs/extended-care/figures": lambda body: body,
}
FIGURE_SCHEMA = "#/components/schemas/FigureRead"


def fleet_report(client, headers: dict, month: str, figure: dict) -> str | None:
    """The fleet's monthly report (JSON) of the month: its 端末数 is 総端末数 for the month so far."""
    response = client.get("/api/fleet/reports/monthly", params={"month": month}, headers=headers)
    return None if response.status_code != 200 else f"{response.json()['terminals']:,}"


def qrv_report(client, headers: dict, month: str, figure: dict) -> str | None:
    """The QRV monthly PDF's summary line for the figure, e.g. 「確定件数 103件」, 「売上 89.9万円（899,000円）」."""
    response = client.get("/api/reservations/executive/report", params={"month": month}, headers=headers)
    if response.status_code != 200:
        return None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    line = next((row for row in text.splitlines() if row.startswith(figure["label"] + " ")), "")
    return line.removeprefix(figure["label"] + " ")


def report_text(figure: dict) -> str:
    """The figure as the report writes it."""
    value = figure["value"]
    if figure["unit"] == "yen":
        return f"{value / 10_000:,.1f}万円（{value:,}円）"
    return f"{value:,}件" if figure["key"].startswith("reservations.") else f"{value:,}"


# figure key -> how the monthly report of the figure's month states it
REPORTS = {
    "fleet.terminals": fleet_report,
    "reservations.reservations": qrv_report,
    "reservations.confirmed": qrv_report,
    "reservations.cancelled": qrv_report,
    "reservations.revenue": qrv_report,
}


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


def csv_measure(response, figure: dict) -> int:
    """The CSV's rows, or the sum of the figure's column."""
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    if figure["sum_of"] is None:
        return len(rows)
    return sum(int(row[figure["sum_of"]].replace(",", "") or 0) for row in rows)


def check_figure(client, headers: dict, role: str, figure: dict, month: str) -> tuple[list[str], bool]:
    """The figure against its list, its CSV and its report; (failures, whether its list was readable)."""
    failures = []
    shown = f"{role}: {figure['key']}（{figure['label']}, {figure['period_label']}）= {figure['value']:,}"
    listed = False
    if figure["list_route"]:
        route, query = "/api" + figure["list_route"], figure["list_query"]
        page = client.get(route, params=query | {"page_size": 1}, headers=headers)
        if page.status_code == 200:
            listed = True
            counted = figure["sum_of"] is None and figure["grouped_by"] is None  # the list's total counts its rows
            if counted and page.json()["total"] != figure["value"]:
                failures.append(f"{shown}, its list {query} totals {page.json()['total']:,}")
            exported = client.get("/api" + figure["export_route"], params=query, headers=headers)
            if csv_measure(exported, figure) != figure["value"]:
                failures.append(f"{shown}, its CSV {query} has {csv_measure(exported, figure):,}")
    if figure["key"] in REPORTS:
        stated = REPORTS[figure["key"]](client, headers, month, figure)
        if stated is not None and stated != report_text(figure):
            failures.append(f"{shown}, the monthly report of {month} says {stated!r}")
    return failures, listed


def test_every_figure_equals_its_list_its_csv_and_its_report_for_every_role(client, db):
    restore_history()
    spec = client.get("/api/openapi.json").json()
    assert figure_routes(spec) == set(FIGURE_ROUTES), "a route answers figures the walk does not know"
    roles = demo_roles(db)
    db.commit()  # the test holds no transaction while the walk reads
    now = datetime.now(UTC)
    month = now.astimezone(JAPAN).strftime("%Y-%m")
    failures: list[str] = []
    seen: set[str] = set()
    listed: set[str] = set()
    with time_machine.travel(now, tick=False):
        for login, user in roles.items():
            headers = auth_headers(user)
            for route, figures_in in FIGURE_ROUTES.items():
                response = client.get(route, headers=headers)
                if response.status_code != 200:
                    continue
                for figure in figures_in(response.json()):
                    assert figure["as_of_label"].endswith(" 時点") and figure["period_label"]
                    found, readable = check_figure(client, headers, login, figure, month)
                    failures += found
                    seen.add(figure["key"])
                    if readable:
                        listed.add(figure["key"])
    assert failures == [], "\n".join(failures)
    assert seen - listed == set(), "figures whose list no role could open"
    assert set(REPORTS) <= seen
