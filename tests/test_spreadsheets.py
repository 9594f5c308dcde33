"""Every list's download opened with the program people open it with: LibreOffice Calc (headless, Debian's
libreoffice-calc) converts each list's Excel workbook and CSV, as a demo role reads them on the lived-in database
(tests/support/history.py), and openpyxl reads back what it understood. Every cell is what the service wrote: text
stays text digit for digit (ids, codes, phone numbers, postcodes), dates and times are dates, numbers numbers, and
the CSV, the workbook and both readings have the same rows. The CSV is imported as a person imports it with
「引用符で囲まれたフィールドをテキストとして扱う」 ticked (service/csvtools.py: the writer quotes text only).

The codes people reported lost are checked against the API's own values: 獲得案件一覧's 供給地点特定番号 and
法人番号, the QRV reservations' phone numbers, the carrier CSV's postcodes; and the times the loaners lists once
wrote as text are times in every reading.

One LibreOffice run converts all the workbooks and another all the CSVs (each start costs seconds), side by side.
"""

import csv
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clientkit.phones import as_dialled
from service.crm.models import Corporation
from service.csvtools import spreadsheet_text
from service.exports import XLSX_MEDIA_TYPE
from tests.factories import auth_headers
from tests.support.clock import clock_stopped
from tests.support.downloads import workbook_rows, xlsx_download
from tests.support.history import restore_history
from tests.test_route_walk import RESOLVED_FROM_DATABASE, Walk, demo_roles, ids_of, items_of, required_value, resolve

SOFFICE = shutil.which("soffice")
pytestmark = [
    pytest.mark.embedded_only,
    pytest.mark.skipif(
        SOFFICE is None, reason="soffice is missing (Debian's libreoffice-calc; make check installs it)"
    ),
    pytest.mark.outside,
]
# LibreOffice's CSV import: comma, double quote, UTF-8 (76), from line 1, no column types, Japanese (1041), quoted
# fields as text, special numbers (dates and times) detected
CSV_IMPORT = "CSV:44,34,76,1,,1041,true,true"
CONVERT_SECONDS = 300
CARRIER = "carrier"  # the carrier CSV's file, beside the lists'
TIME_COLUMNS = {  # the loaners lists' downloads -> a column of times
    "/api/loaners/views/normal/export": "タイムスタンプ",
    "/api/loaners/views/audit/export": "タイムスタンプ",
    "/api/loaners/views/summary/export": "保有開始",
    "/api/loaners/views/returns/export": "この状態になった日時",
    "/api/loaners/devices/{device_id}/submissions/export": "タイムスタンプ",
}


@dataclass
class Download:
    route: str
    role: str
    headers: dict
    workbook: bytes
    csv: bytes
    rows: list[list[Any]]  # the workbook's, as openpyxl reads what the service wrote


def list_downloads(spec: dict) -> dict[str, list[dict]]:
    """The list download routes (those answering a workbook) -> their query parameters."""
    return {
        path: [p for p in operations["get"].get("parameters", []) if p["in"] == "query"]
        for path, operations in spec["paths"].items()
        if XLSX_MEDIA_TYPE in operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
    }


def first_download(client, roles: dict, database_ids: dict, route: str, parameters: list[dict]) -> Download | None:
    """The route's files as the first role reading rows from it reads them (or, of none, the last one answering)."""
    found = None
    required = {p["name"]: required_value(p) for p in parameters if p.get("required")}
    for login, user in roles.items():
        walk = Walk(client, auth_headers(user), login, database_ids)
        for path in resolve(walk, route)[:1]:
            with clock_stopped():  # both formats of one moment: an open request's days grow as the clock runs
                answer = client.get(path, params=required | {"format": "xlsx"}, headers=walk.headers)
                csv_file = client.get(path, params=required, headers=walk.headers)
            if answer.status_code != 200:
                continue
            found = Download(route, login, walk.headers, answer.content, csv_file.content, xlsx_download(answer))
            if len(found.rows) > 1:
                return found
    return found


def carrier_csv(client, roles: dict) -> tuple[bytes, dict]:
    """A request's carrier CSV with sites in it, and the request as the API answers it, as the back office reads."""
    for user in roles.values():
        headers = auth_headers(user)
        requests = client.get("/api/crm/requests", params={"page_size": 100}, headers=headers)
        for request in items_of(requests.json()) or [] if requests.status_code == 200 else []:
            answer = client.get(f"/api/crm/requests/{request['id']}/carrier.csv", headers=headers)
            if answer.status_code == 200 and answer.content.count(b"\r\n") > 1:
                detail = client.get(f"/api/crm/requests/{request['id']}", headers=headers).json()
                return answer.content, detail
    raise AssertionError("no request with sites to enter in the history")


def convert(files: list[Path], into: Path, *, infilter: str | None) -> None:
    """One LibreOffice run converting every file to a workbook in `into`, with a profile of its own. The runs go one
    after the other: two at once have crashed LibreOffice (an uncaught WrappedTargetRuntimeException, signal 6)."""
    command = [SOFFICE, f"-env:UserInstallation=file://{into / 'profile'}", "--headless", "--norestore"]
    command += [f"--infilter={infilter}"] if infilter else []
    command += ["--convert-to", "xlsx", "--outdir", str(into), *map(str, files)]
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CONVERT_SECONDS)
    assert run.returncode == 0, run.stdout.decode(errors="replace")


def same_value(value: Any) -> Any:
    """A cell's value as the readings compare it: a date as its midnight, a time to the second, text with the CSV's
    formula guard dropped and its line breaks as LF, an empty cell None (a yes-or-no is its column's words: text)."""
    if isinstance(value, datetime):
        return (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return spreadsheet_text(value).replace("\r\n", "\n") or None
    return value


def same_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows as compared, trailing empty cells dropped (LibreOffice writes none)."""
    compared = []
    for row in rows:
        cells = [same_value(value) for value in row]
        while cells and cells[-1] is None:
            cells.pop()
        compared.append(cells)
    return compared


def first_difference(wrote: list[list[Any]], read: list[list[Any]]) -> str:
    if len(wrote) != len(read):
        return f"{len(read) - 1} rows read, {len(wrote) - 1} written"
    for number, (ours, theirs) in enumerate(zip(wrote, read, strict=True)):
        if ours != theirs:
            return f"row {number}: wrote {ours!r}, read {theirs!r}"
    return "none"


def column(rows: list[list[Any]], header: str) -> list[Any]:
    at = rows[0].index(header)
    return [row[at] if at < len(row) else None for row in rows[1:]]


def all_items(client, path: str, headers: dict) -> list[dict]:
    items, page = [], 1
    while True:
        body = client.get(path, params={"page": page, "page_size": 100}, headers=headers).json()
        items += items_of(body) or []
        if page * 100 >= body["total"]:
            return items
        page += 1


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def check_api_codes(client, by_route: dict[str, tuple[Download, dict]], corporation_numbers: set[str]) -> None:
    """The codes people reported lost, as each reading has them, against the API's (and the database's) values."""
    acquired, readings = by_route["/api/crm/acquired.csv"]
    sites = [site for group in all_items(client, "/api/crm/acquired", acquired.headers) for site in group["sites"]]
    expected = sorted(site["power_customer_location_number"] for site in sites)
    assert len(expected) > 10 and all(len(code) == 22 for code in expected)
    for rows in readings.values():
        assert sorted(column(rows, "供給地点特定番号")) == expected
        assert set(column(rows, "法人番号")) <= corporation_numbers and {len(n) for n in column(rows, "法人番号")} == {
            13
        }
    reservations, readings = by_route["/api/reservations/reservations/export"]
    listed = all_items(client, "/api/reservations/reservations", reservations.headers)
    dialled = [digits(as_dialled(item["requester_phone"])) for item in listed]
    at_home = [item["requester_phone"].startswith("+81") for item in listed]
    assert sum(at_home) > 10 and not all(at_home)  # the history's requester whose number takes no SMS is abroad
    for rows in readings.values():
        assert [digits(phone) for phone in column(rows, "電話番号")] == dialled
        phones = column(rows, "電話番号")
        assert all(phone.startswith("0") for phone, home in zip(phones, at_home, strict=True) if home)  # no guard


def test_every_lists_excel_and_csv_keep_every_value_when_libreoffice_opens_them(client, db, tmp_path):
    restore_history()
    spec = client.get("/api/openapi.json").json()
    roles = demo_roles(db)
    database_ids = {
        template: [str(i) for i in db.scalars(ids_of(source))][:3]
        for template, source in RESOLVED_FROM_DATABASE.items()
    }
    corporation_numbers = set(db.scalars(select(Corporation.corporation_number)))
    db.commit()  # the test holds no transaction while it reads

    routes = list_downloads(spec)
    downloads = [
        found for route, p in routes.items() if (found := first_download(client, roles, database_ids, route, p))
    ]
    assert {download.route for download in downloads} == set(routes), "list downloads no demo role could read"
    carrier, request = carrier_csv(client, roles)

    sources, from_xlsx, from_csv = tmp_path / "sources", tmp_path / "from_xlsx", tmp_path / "from_csv"
    sources.mkdir()
    for index, download in enumerate(downloads):
        (sources / f"{index}.xlsx").write_bytes(download.workbook)
        (sources / f"{index}.csv").write_bytes(download.csv)
    (sources / f"{CARRIER}.csv").write_bytes(carrier)
    convert(sorted(sources.glob("*.xlsx")), from_xlsx, infilter=None)
    convert(sorted(sources.glob("*.csv")), from_csv, infilter=CSV_IMPORT)

    failures, by_route = [], {}
    for index, download in enumerate(downloads):
        wrote = same_rows(download.rows)
        written_csv = list(csv.reader(io.StringIO(download.csv.decode("utf-8-sig"))))
        assert (written_csv[0], len(written_csv)) == (download.rows[0], len(download.rows)), download.route
        readings = {}
        for reading, folder in (("Excel", from_xlsx), ("CSV", from_csv)):
            read = readings[reading] = same_rows(workbook_rows((folder / f"{index}.xlsx").read_bytes()))
            if read != wrote:
                failures.append(f"{download.route} ({download.role}), its {reading}: {first_difference(wrote, read)}")
        by_route[download.route] = download, readings
    assert failures == [], "\n".join(failures)
    assert sum(len(download.rows) - 1 for download in downloads) > 1000, "the history's lists hold rows"
    check_api_codes(client, by_route, corporation_numbers)
    check_times(by_route)

    check_carrier_codes(workbook_rows((from_csv / f"{CARRIER}.xlsx").read_bytes()), request)


def check_times(by_route: dict[str, tuple[Download, dict]]) -> None:
    """The loaners lists' times as written and as LibreOffice read the workbook and the CSV: times, never text."""
    for route, header in TIME_COLUMNS.items():
        download, readings = by_route[route]
        for rows in (download.rows, *readings.values()):
            times = [time for time in column(rows, header) if time is not None]
            assert times and all(isinstance(time, datetime) for time in times), (route, header, times[:3])


def check_carrier_codes(rows: list[list[Any]], request: dict) -> None:
    """The carrier CSV's postcode parts (3 + 4 digits) and 供給地点特定番号 as LibreOffice read them, against the
    request the API answers."""
    parts = zip(column(rows, "zip_code1"), column(rows, "zip_code2"), strict=True)
    postcodes = {f"{first}{second}" for first, second in parts}
    assert postcodes == {digits(request["corporation"]["zip_code"])}
    open_sites = [site for site in request["sites"] if site["status"] in ("in_progress", "deficient")]
    assert sorted(column(rows, "power_customer_location_number")) == sorted(
        site["power_customer_location_number"] for site in open_sites
    )
