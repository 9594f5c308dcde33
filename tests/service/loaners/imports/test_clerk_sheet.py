"""The clerk's own sheet, as kept: an .xlsx with a title row above the header, a blank row, a row copied inside the
file, dates typed as text (2026年11月8日 14:30, full-width, 11/8 without its year) beside Excel date cells, and a serial
with two digits swapped. The plan reads as a person reads the sheet; a CSV whose column is named otherwise is mapped."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.import_jobs import MAX_REPORTED
from service.loaners import labels
from service.loaners.imports import imports
from service.loaners.models import Device, Submission
from tests.service.loaners.conftest import headers, make_device

HEADER = [
    "タイムスタンプ",
    "メールアドレス",
    "0-1.担当者",
    "0-2. 拠点管理番号",  # a space the clerk typed: matched all the same
    "0-4.ステータス",
    "1-1.貸出先",
    "1-2.貸出日",
    "1-4.ユーザー機の預り有無",
]
LENT = ["1.貸出中", "○○商事"]


def clerk_workbook(known: str, mistyped: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["端末ステータス収集（2026年11月分）"])  # 1: the title
    sheet.append(HEADER)  # 2
    first = [datetime(2026, 11, 2, 9, 15), "a@example.com", "山田", known, *LENT, datetime(2026, 11, 2), "無し"]
    sheet.append(first)  # 3: Excel date cells
    sheet.append([])  # 4: blank
    sheet.append(["2026年11月8日 14:30", "b@example.com", "佐藤", known, *LENT, "2026/11/8", "無し"])  # 5
    sheet.append(first)  # 6: row 3 again
    sheet.append(["２０２６/１１/１５ 10:00", "c@example.com", "鈴木", mistyped, *LENT, "2026/11/15", "無し"])  # 7
    sheet.append(["2026/11/9 9:00", "d@example.com", "田中", known, *LENT, "11/8", "無し"])  # 8: 11/8 of 2026
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def work(db, import_id: int) -> None:
    while imports.process_chunk(db, import_id=import_id, now=utcnow(), size=2):
        pass
    db.commit()


def send(client, admin, name: str, data: bytes, *, columns: dict | None = None):
    form = {"form_kind": "terminal", "dry_run": "true"} | ({"columns": json.dumps(columns)} if columns else {})
    return client.post("/api/loaners/imports", data=form, files={"file": (name, data)}, headers=admin)


@pytest.mark.dialect
def test_the_clerks_workbook_is_planned_as_a_person_reads_it_and_imported_so(client, db):
    known = make_device(db, "osaka", serial="OPT818613")
    admin = headers(db, "admin1", "admin")
    db.commit()
    mistyped = known.management_number.replace("OPT818613", "OPT818631")
    sent = send(client, admin, "端末ステータス収集.xlsx", clerk_workbook(known.management_number, mistyped))
    assert sent.status_code == 202, sent.text
    answered = sent.json()
    assert (answered["status_label"], answered["total_rows"], answered["ignored_columns"]) == ("読み込み中", 0, [])
    assert imports.process_chunk(db, import_id=answered["id"], now=utcnow(), size=2)  # the job's first step
    db.commit()
    read = client.get(f"/api/loaners/imports/{answered['id']}", headers=admin).json()
    assert (read["status"], read["total_rows"], read["checked_rows"]) == ("checking", 5, 0)
    work(db, sent.json()["id"])
    checked = client.get(f"/api/loaners/imports/{sent.json()['id']}", headers=admin).json()
    plan = [(row["row"], row["outcome_label"], row["reasons"]) for row in checked["plan"]]
    assert [(row, label) for row, label, _ in plan] == [
        (3, "取り込む"),
        (5, "取り込む"),
        (6, "重複（取り込まない）"),
        (7, "確認待ち（取り込まない）"),
        (8, "取り込む"),
    ]
    reasons = {row: reason for row, _, reason in plan}
    assert reasons[6] == ["3行目と同じ内容です（同じ行が2回あります。どちらか一方を消してください）"]
    assert reasons[7] == [
        f"「0-2.拠点管理番号」列の「{mistyped}」: OPT818631 は OPT818613 の打ち間違いではありませんか"
        f"（台帳の {known.management_number}）。"
        "取込の後、この行が台帳の機器なら「既存を更新」、新しい機器なら「新規として登録」を押してください"
    ]
    assert [entry["new_device"] for entry in checked["plan"]] == [False] * 5  # never silently a new device
    assert (checked["planned_rows"], checked["duplicate_rows"], checked["held_rows"], checked["planned_devices"]) == (
        3,
        1,
        1,
        0,
    )

    client.post(f"/api/loaners/imports/{checked['id']}/run", headers=admin)
    work(db, checked["id"])
    done = client.get(f"/api/loaners/imports/{checked['id']}", headers=admin).json()
    assert (done["accepted_rows"], done["created_devices"], done["held_rows"], done["duplicate_rows"]) == (3, 0, 1, 1)
    assert [(row["row"], row["outcome"]) for row in done["rejected"]] == [(6, "duplicate"), (7, "held")]
    assert done["rejected"][0]["errors"][0].startswith("3行目と同じ内容です")  # not 「既に登録されています」
    assert db.scalar(select(func.count()).select_from(Device)) == 1
    stored = db.scalars(select(Submission).where(Submission.device_id == known.id).order_by(Submission.submitted_at))
    history = [(row.submitted_at, row.answers["1-2.貸出日"]) for row in stored]
    db.commit()
    assert history == [
        (datetime(2026, 11, 2, 0, 15, tzinfo=UTC), "2026/11/02"),
        (datetime(2026, 11, 8, 5, 30, tzinfo=UTC), "2026/11/08"),
        (datetime(2026, 11, 9, 0, 0, tzinfo=UTC), "2026/11/08"),  # 11/8 in its timestamp's year
    ]

    again = send(client, admin, "端末ステータス収集.xlsx", clerk_workbook(known.management_number, mistyped))
    work(db, again.json()["id"])  # the same sheet a second time: its rows are the ones already stored
    second = client.get(f"/api/loaners/imports/{again.json()['id']}", headers=admin).json()
    assert (second["planned_rows"], second["duplicate_rows"], second["held_rows"]) == (0, 4, 1)
    assert {
        row["row"]: row["reasons"][0].split("（")[0] for row in second["plan"] if row["outcome"] == "duplicate"
    } == {
        3: "同じ機器・同じタイムスタンプの回答は既に登録されています",
        5: "同じ機器・同じタイムスタンプの回答は既に登録されています",
        6: "3行目と同じ内容です",
        8: "同じ機器・同じタイムスタンプの回答は既に登録されています",
    }


@pytest.mark.dialect
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_csv_whose_column_is_named_otherwise_is_mapped_by_the_person_and_sent_again(client, db, encoding):
    known = make_device(db, "osaka", serial="ABC123")
    admin = headers(db, "staff1", "admin")
    db.commit()
    text = (
        "代替機 回答シート,,,\n\n"
        "日時,0-1.担当者,拠点管理番号 ,0-4.ステータス\n"
        f"2026/11/8 14:30,山田,{known.management_number},3.社内にて保管中\n"
    )
    data = text.encode(encoding)
    unmatched = send(client, admin, "回答.csv", data)
    assert unmatched.status_code == 422
    error = unmatched.json()["error"]
    assert error["code"] == "columns_unmatched"
    assert error["message"].startswith("3行目の見出しに「タイムスタンプ」・「0-2.拠点管理番号」の列が見つかりません")
    assert error["details"]["columns"] == ["日時", "0-1.担当者", "拠点管理番号", "0-4.ステータス"]
    assert {"タイムスタンプ", "0-2.拠点管理番号", "0-1.担当者"} <= set(error["details"]["expected"])
    assert error["details"]["missing"] == ["タイムスタンプ", "0-2.拠点管理番号"]

    wrong = send(client, admin, "回答.csv", data, columns={"日時": "受付番号"})
    assert (wrong.status_code, wrong.json()["error"]["details"]["field"]) == (422, "columns")

    mapped = send(
        client, admin, "回答.csv", data, columns={"日時": "タイムスタンプ", "拠点管理番号": "0-2.拠点管理番号"}
    )
    assert mapped.status_code == 202, mapped.text
    work(db, mapped.json()["id"])
    checked = client.get(f"/api/loaners/imports/{mapped.json()['id']}", headers=admin).json()
    assert [(row["row"], row["outcome"], row["timestamp"]) for row in checked["plan"]] == [
        (4, "import", "2026/11/8 14:30")
    ]


@pytest.mark.dialect
def test_a_workbook_is_read_by_the_job_its_header_by_the_request_for_the_mapping_step(client, db):
    known = make_device(db, "osaka", serial="ABC123")
    admin = headers(db, "staff1", "admin")
    db.commit()
    book = Workbook()
    sheet = book.active
    sheet.append(["代替機 回答シート"])
    sheet.append(["日時", "0-1.担当者", "番号", "0-4.ステータス"])
    sheet.append([datetime(2026, 11, 8, 14, 30), "山田", known.management_number, "3.社内にて保管中"])
    out = io.BytesIO()
    book.save(out)
    unmatched = send(client, admin, "回答.xlsx", out.getvalue())
    assert (unmatched.status_code, unmatched.json()["error"]["code"]) == (422, "columns_unmatched")
    assert unmatched.json()["error"]["details"]["columns"] == ["日時", "0-1.担当者", "番号", "0-4.ステータス"]
    mapped = send(
        client, admin, "回答.xlsx", out.getvalue(), columns={"日時": "タイムスタンプ", "番号": "0-2.拠点管理番号"}
    )
    assert (mapped.status_code, mapped.json()["status"], mapped.json()["total_rows"]) == (202, "reading", 0)
    work(db, mapped.json()["id"])
    checked = client.get(f"/api/loaners/imports/{mapped.json()['id']}", headers=admin).json()
    assert (checked["status"], checked["total_rows"], checked["planned_rows"]) == ("checked", 1, 1)
    assert [(row["row"], row["timestamp"]) for row in checked["plan"]] == [(3, "2026/11/08 14:30:00")]


def long_sheet(known: str, new: str, rows: int) -> str:
    """A new device's answer, a known device's answers a minute apart (its second copied again at the end), the new
    device's second answer."""
    lines = [
        f"{datetime(2026, 1, 1, 9) + timedelta(minutes=i):%Y/%m/%d %H:%M},山田,{known},1.貸出中" for i in range(rows)
    ]
    first, last = (f"2026/06/0{day} 09:00,山田,{new},1.貸出中" for day in (1, 2))
    return (
        "\n".join(["タイムスタンプ,0-1.担当者,0-2.拠点管理番号,0-4.ステータス", first, *lines, lines[1], last]) + "\n"
    )


def work_through(db, import_id: int) -> None:
    while imports.process_chunk(db, import_id=import_id, now=utcnow()):  # chunks of imports.CHUNK rows
        pass
    db.commit()


@pytest.mark.dialect
def test_a_copy_at_the_end_of_a_long_file_names_the_row_it_repeats_in_the_check_and_the_import(client, db):
    known = make_device(db, "osaka", serial="ABC123")
    new = known.management_number.replace("ABC123", "NEW999")
    admin = headers(db, "staff1", "admin")
    db.commit()
    rows = imports.CHUNK * 2 + 500
    sent = send(client, admin, "回答.csv", long_sheet(known.management_number, new, rows).encode())
    work_through(db, sent.json()["id"])
    checked = client.get(f"/api/loaners/imports/{sent.json()['id']}", headers=admin).json()
    copy = rows + 3  # below the header, the new device's row and the known device's rows
    copies = [(row["row"], row["reasons"]) for row in checked["plan"] if row["outcome"] == "duplicate"]
    assert copies == [(copy, ["4行目と同じ内容です（同じ行が2回あります。どちらか一方を消してください）"])]
    assert (checked["planned_rows"], checked["planned_devices"]) == (rows + 2, 1)  # its 2 rows 3 chunks apart: 1 device
    client.post(f"/api/loaners/imports/{checked['id']}/run", headers=admin)
    work_through(db, checked["id"])
    done = client.get(f"/api/loaners/imports/{checked['id']}", headers=admin).json()
    assert [(row["row"], row["errors"][0][:10]) for row in done["rejected"]] == [(copy, "4行目と同じ内容です")]
    assert (done["accepted_rows"], done["created_devices"]) == (rows + 2, 1)


def imported(client, db, admin, data: bytes) -> dict:
    """The clerk's workbook checked, then imported: row 7 (the swapped serial) held as 確認待ち."""
    sent = send(client, admin, "端末ステータス収集.xlsx", data)
    work(db, sent.json()["id"])
    early = client.post(f"/api/loaners/imports/{sent.json()['id']}/held/7", json={"resolution": "new"}, headers=admin)
    assert (early.status_code, early.json()["error"]["message"]) == (409, labels.HELD_NOT_DONE)
    client.post(f"/api/loaners/imports/{sent.json()['id']}/run", headers=admin)
    work(db, sent.json()["id"])
    return client.get(f"/api/loaners/imports/{sent.json()['id']}", headers=admin).json()


def history_of(db, number: str) -> list[datetime]:
    stored = db.scalars(
        select(Submission.submitted_at).join(Device).where(Device.management_number == number).order_by(Submission.id)
    ).all()
    db.commit()
    return stored


@pytest.mark.dialect
def test_a_held_serial_is_registered_as_new_or_added_to_the_known_device_as_the_person_says(client, db):
    known = make_device(db, "osaka", serial="OPT818613")
    admin = headers(db, "admin1", "admin")
    db.commit()
    mistyped = known.management_number.replace("OPT818613", "OPT818631")
    typo = datetime(2026, 11, 15, 1, 0, tzinfo=UTC)  # row 7's timestamp, ２０２６/１１/１５ 10:00 in Japan
    first = imported(client, db, admin, clerk_workbook(known.management_number, mistyped))
    held = [row for row in first["rejected"] if row["outcome"] == "held"]
    assert [(row["row"], row["known_number"]) for row in held] == [(7, known.management_number)]

    url = f"/api/loaners/imports/{first['id']}/held/7"
    new = client.post(url, json={"resolution": "new"}, headers=admin)
    assert new.status_code == 200, new.text
    assert (new.json()["held_rows"], new.json()["accepted_rows"], new.json()["created_devices"]) == (0, 4, 1)
    assert [row.get("resolution_label") for row in new.json()["rejected"]] == [None, "新規として登録"]
    assert history_of(db, mistyped) == [typo]
    again = client.post(url, json={"resolution": "existing"}, headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (404, "held_row_not_found")
    assert client.post(url.replace("/7", "/6"), json={"resolution": "new"}, headers=admin).status_code == 404
    assert client.post(url, json={"resolution": "typo"}, headers=admin).status_code == 422

    other = mistyped.replace("OPT818631", "OPT818614")  # one edit from the first device, two from the new one
    second = imported(client, db, admin, clerk_workbook(known.management_number, other))
    assert [row["row"] for row in second["rejected"] if row["outcome"] == "held"] == [7]
    existing = client.post(
        f"/api/loaners/imports/{second['id']}/held/7", json={"resolution": "existing"}, headers=admin
    )
    assert existing.status_code == 200, existing.text
    assert (existing.json()["held_rows"], existing.json()["created_devices"]) == (0, 0)
    assert typo in history_of(db, known.management_number) and history_of(db, other) == []
    changes = db.scalars(
        select(AuditEntry.changes).where(AuditEntry.action == "resolve_held_row").order_by(AuditEntry.id)
    ).all()
    db.commit()
    assert [(c["management_number"]["after"], c["resolution"]["after"]) for c in changes] == [
        (mistyped, "新規として登録"),
        (known.management_number, "既存を更新"),
    ]


@pytest.mark.dialect
def test_every_held_row_is_listed_and_resolvable_whatever_the_number_of_refused_rows(client, db):
    """Each outcome lists its first MAX_REPORTED rows, but a held row is where a person resolves it: all are listed,
    in the check and the import, however many rows were refused above them."""
    known = make_device(db, "osaka", serial="OPT818613")
    admin = headers(db, "admin1", "admin")
    db.commit()
    mistyped = known.management_number.replace("OPT818613", "OPT818631")
    many = MAX_REPORTED + 1
    unreadable = [f"いつか,山田,{known.management_number},1.貸出中"] * many  # no readable timestamp
    held = [
        f"{datetime(2026, 1, 1, 9) + timedelta(minutes=i):%Y/%m/%d %H:%M},山田,{mistyped},1.貸出中" for i in range(many)
    ]
    sheet = "\n".join(["タイムスタンプ,0-1.担当者,0-2.拠点管理番号,0-4.ステータス", *unreadable, *held]) + "\n"
    sent = send(client, admin, "回答.csv", sheet.encode())
    work_through(db, sent.json()["id"])
    checked = client.get(f"/api/loaners/imports/{sent.json()['id']}", headers=admin).json()
    assert (checked["unreadable_rows"], checked["held_rows"]) == (many, many)
    planned = [row["outcome"] for row in checked["plan"]]
    assert (planned.count("unreadable"), planned.count("held")) == (MAX_REPORTED, many)
    client.post(f"/api/loaners/imports/{checked['id']}/run", headers=admin)
    work_through(db, checked["id"])
    done = client.get(f"/api/loaners/imports/{checked['id']}", headers=admin).json()
    last = many * 2 + 1  # the sheet row of the last held row
    listed = [row["row"] for row in done["rejected"] if row["outcome"] == "held"]
    assert (len(listed), listed[-1], done["held_rows"]) == (many, last, many)
    resolved = client.post(f"/api/loaners/imports/{done['id']}/held/{last}", json={"resolution": "new"}, headers=admin)
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["held_rows"], resolved.json()["created_devices"]) == (many - 1, 1)
    assert len(history_of(db, mistyped)) == 1
