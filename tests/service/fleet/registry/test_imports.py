"""Import of terminals: the header checked on upload, the file read and its rows checked by the job, rejected rows
reported."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from jobs.fleet import import_terminals
from service.database import utcnow
from service.fleet.models import Terminal
from service.fleet.registry import imports
from service.import_jobs import MAX_REPORTED
from service.job_failures import UNEXPECTED_FAULT
from service.tabular import HEADER_SEARCH_ROWS
from tests.service.fleet.conftest import make_customer, make_terminal, user_headers

CSV = """シリアル番号,会社名,設置店舗名,設置日,ファームウェア
TC-100,ABC商事,新宿店 レジ1番,2025/04/01,1.2.0
TC-101,ABC商事,新宿店 レジ2番,,
TC-100,ABC商事,重複,,
TC-102,不明商事,渋谷店,,
TC-103,ABC商事,,,
TC 104,ABC商事,池袋店,,
TC-105,ABC商事,上野店,2025-13-01,
TC-001,ABC商事,既存,,
"""


def run_import(db, import_id):
    while imports.process_chunk(db, import_id=import_id, now=utcnow(), size=3):
        pass


@pytest.mark.dialect
def test_import_reports_rejected_rows_and_progress(client, db):
    customer = make_customer(db, "ABC商事")
    make_terminal(db, customer, serial="TC-001")
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    response = client.post(
        "/api/fleet/imports", files={"file": ("vendor.csv", CSV.encode("cp932"), "text/csv")}, headers=admin
    )
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["status_label"], job["total_rows"]) == ("reading", "読み込み中", 0)  # the job reads it
    run_import(db, job["id"])
    db.commit()
    done = client.get(f"/api/fleet/imports/{job['id']}", headers=admin).json()
    assert (done["status"], done["total_rows"], done["processed_rows"], done["accepted_rows"]) == ("done", 8, 8, 2)
    assert [(r["row"], r["serial_number"]) for r in done["rejected"]] == [
        (4, "TC-100"),
        (5, "TC-102"),
        (6, "TC-103"),
        (7, "TC 104"),
        (8, "TC-105"),
        (9, "TC-001"),
    ]
    assert done["rejected"][0]["errors"][0].startswith("2行目と同じシリアル番号です")  # a copy inside the file
    assert "顧客" in done["rejected"][1]["errors"][0] and "既に登録" in done["rejected"][5]["errors"][0]
    assert done["rejected"][4]["errors"][0].startswith("「設置日」列の「2025-13-01」: 日付として読めません")
    stored = db.scalars(select(Terminal).where(Terminal.serial_number == "TC-100")).one()
    assert (stored.store_name, str(stored.installed_date), stored.firmware_version) == (
        "新宿店 レジ1番",
        "2025-04-01",
        "1.2.0",
    )
    stores = db.execute(select(Terminal.store_name, Terminal.store).where(Terminal.serial_number.like("TC-10%")))
    assert sorted(stores) == [("新宿店 レジ1番", "新宿店"), ("新宿店 レジ2番", "新宿店")]  # two tills, one store


def test_import_rejects_a_file_without_the_columns(client, db):
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    response = client.post("/api/fleet/imports", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}, headers=admin)
    assert response.status_code == 422 and response.json()["error"]["details"]["rule"] == "columns"
    assert response.json()["error"]["details"]["missing"] == ["シリアル番号", "顧客企業", "設置店舗名"]  # headers


@pytest.mark.dialect
def test_a_scoped_importer_only_imports_into_their_customer(client, db):
    mine, theirs = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    scoped = user_headers(db, "admin1", "admin", scope=str(mine.id))
    other = user_headers(db, "admin2", "admin", scope=str(theirs.id))
    db.commit()
    csv = "serial_number,customer,store_name\nS-1,ABC商事,店\nS-2,XYZ商店,店\n"
    job = client.post("/api/fleet/imports", files={"file": ("x.csv", csv.encode(), "text/csv")}, headers=scoped).json()
    run_import(db, job["id"])
    db.commit()
    done = client.get(f"/api/fleet/imports/{job['id']}", headers=scoped).json()
    assert done["accepted_rows"] == 1 and done["rejected"][0]["serial_number"] == "S-2"
    assert client.get(f"/api/fleet/imports/{job['id']}", headers=other).status_code == 404


@pytest.mark.dialect
def test_a_broken_off_import_is_marked_failed(client, db):
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    csv = "serial_number,customer,store_name\nS-1,ABC商事,店\n"
    job = client.post("/api/fleet/imports", files={"file": ("x.csv", csv.encode(), "text/csv")}, headers=admin).json()
    imports.mark_failed(db, import_id=job["id"], now=utcnow(), error=UNEXPECTED_FAULT)
    db.commit()
    failed = client.get(f"/api/fleet/imports/{job['id']}", headers=admin).json()
    assert (failed["status_label"], failed["error"]) == ("失敗", UNEXPECTED_FAULT)
    assert imports.process_chunk(db, import_id=job["id"], now=utcnow()) is False


def test_a_lone_carriage_return_is_a_422_naming_its_row_and_column(client, db):
    make_customer(db, "ABC商事")
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    content = "シリアル番号,会社名,設置店舗名\nTC-100,ABC商事,新宿店\rレジ1番\n".encode()
    response = client.post("/api/fleet/imports", files={"file": ("x.csv", content, "text/csv")}, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"] == {"field": "file", "rule": "csv_format", "row": 2, "column": 3}
    assert "2行目・3列目" in response.json()["error"]["message"]


@pytest.mark.dialect
def test_a_workbook_below_its_title_is_read_with_its_dates_and_rows_as_the_sheet_numbers_them(client, db):
    make_customer(db, "ABC商事")
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    book = Workbook()
    for row in (
        ["端末一覧（2026年11月）"],
        ["シリアル 番号", "顧客企業", "設置店舗名", "設置日"],
        ["TC-200", "ABC商事", "新宿店", "２０２５年４月１日"],
        [],
        ["TC-201", "ABC商事", "渋谷店", date(2025, 5, 2)],
        ["TC-200", "ABC商事", "新宿店", "２０２５年４月１日"],
    ):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    sent = client.post("/api/fleet/imports", files={"file": ("端末.xlsx", out.getvalue())}, headers=admin)
    assert sent.status_code == 202, sent.text
    run_import(db, sent.json()["id"])
    db.commit()
    done = client.get(f"/api/fleet/imports/{sent.json()['id']}", headers=admin).json()
    assert done["accepted_rows"] == 2
    assert [(r["row"], r["errors"][0].split("（")[0]) for r in done["rejected"]] == [(6, "3行目と同じシリアル番号です")]
    installed = db.execute(select(Terminal.serial_number, Terminal.installed_date).order_by(Terminal.serial_number))
    assert list(installed) == [("TC-200", date(2025, 4, 1)), ("TC-201", date(2025, 5, 2))]


def imported(client, db, admin: dict[str, str], rows: list[str]) -> dict:
    """The rows under the header, imported in chunks of CHUNK rows: the import as its page reads it."""
    csv = "シリアル番号,会社名,設置店舗名\n" + "\n".join(rows) + "\n"
    job = client.post("/api/fleet/imports", files={"file": ("x.csv", csv.encode(), "text/csv")}, headers=admin).json()
    while imports.process_chunk(db, import_id=job["id"], now=utcnow()):
        pass
    db.commit()
    return client.get(f"/api/fleet/imports/{job['id']}", headers=admin).json()


@pytest.mark.dialect
def test_a_copy_at_the_end_of_a_long_file_names_its_first_row(client, db):
    """Each chunk looks its serials up in the import's first-row index: the last copy, many chunks below, still names
    the sheet row of the first, and a copy inside one chunk names its own first row."""
    make_customer(db, "ABC商事")
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    rows = [f"TC-{n:05d},ABC商事,店{n}" for n in range(imports.CHUNK * 3)]
    rows[10] = rows[9]  # a copy in the first chunk: sheet rows 11 and 12
    rows.append(rows[0])  # the last row copies the first (sheet row 2)
    done = imported(client, db, admin, rows)
    assert (done["status"], done["processed_rows"], done["accepted_rows"]) == ("done", len(rows), len(rows) - 2)
    assert [(r["row"], r["errors"][0].split("（")[0]) for r in done["rejected"]] == [
        (12, "11行目と同じシリアル番号です"),
        (len(rows) + 1, "2行目と同じシリアル番号です"),
    ]


@pytest.mark.dialect
def test_the_file_is_read_by_the_job_which_says_why_it_cannot(client, db):
    """The request reads only the rows a header may sit in; a fault below them fails the job, saying where."""
    make_customer(db, "ABC商事")
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    rows = [f"TC-{n:03d},ABC商事,店" for n in range(HEADER_SEARCH_ROWS + 5)]
    rows[-1] = "TC-999,ABC商事,新宿店\rレジ1番"  # a lone carriage return, far below the header
    csv = "シリアル番号,会社名,設置店舗名\n" + "\n".join(rows) + "\n"
    sent = client.post("/api/fleet/imports", files={"file": ("x.csv", csv.encode(), "text/csv")}, headers=admin)
    assert sent.status_code == 202, sent.text
    job = sent.json()["id"]
    import_terminals(job)  # the task, as the worker runs it
    failed = client.get(f"/api/fleet/imports/{job}", headers=admin).json()
    assert (failed["status_label"], failed["accepted_rows"]) == ("失敗", 0)
    assert f"{len(rows) + 1}行目・3列目" in failed["error"]


@pytest.mark.dialect
def test_the_refused_rows_are_listed_as_every_import_lists_them_and_counted_in_full(client, db):
    """The first MAX_REPORTED (import_jobs.Report), as the loaners' and the roster's imports list theirs."""
    make_customer(db, "ABC商事")
    admin = user_headers(db, "admin1", "admin")
    db.commit()
    rows = [f"TC-{n:05d},不明商事,店" for n in range(MAX_REPORTED + 2)] + ["TC-99999,ABC商事,店"]
    done = imported(client, db, admin, rows)
    assert (done["processed_rows"], done["accepted_rows"], done["rejected_rows"]) == (len(rows), 1, MAX_REPORTED + 2)
    assert [r["row"] for r in done["rejected"]] == list(range(2, MAX_REPORTED + 2))
