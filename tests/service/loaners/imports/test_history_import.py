"""An old answer sheet imported as history: a dry run first says what each row will do, then 取り込む stores the rows
as they were answered (today's required questions do not apply to the past), appended, keeping their timestamps."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.loaners import labels
from service.loaners.imports import imports
from service.loaners.models import Device, Submission
from tests.service.loaners.conftest import IN_HOUSE, answer, headers, make_device
from tests.service.loaners.views.test_search_and_history import full_width
from tests.support.downloads import csv_download

LAPTOP = "OSAKA_Laptop_ThinkPad-X1-Carbon"
HEADER = (
    "タイムスタンプ,メールアドレス,0-1.担当者,0-2.拠点管理番号,0-4.ステータス,1-1.貸出先,1-2.貸出日,"
    "3-0.社内ステータス\n"
)
# Rows from before 0-1.担当者, 1-2.貸出日 and 3-0.社内ステータス were required: only the first answers them all.
OLD_ROWS = [
    f"2023/04/01 09:00:00,old@example.com,山田,{LAPTOP}_OLD1_001,3.社内にて保管中,,,1.貸出可能",
    f"2023/04/02 09:00:00,old@example.com,,{LAPTOP}_OLD1_001,3.社内にて保管中,,,1.貸出可能",
    f"2023/04/03 09:00:00,old@example.com,佐藤,{LAPTOP}_OLD1_001,1.貸出中,△△,,",
    f"2023/04/04 09:00:00,other@example.com,,{LAPTOP}_OLD2_001,3.社内にて保管中,,,",
]


def upload(client, admin, rows: list[str], *, dry_run: bool = True):
    files = {"file": ("端末ステータス収集.csv", (HEADER + "\n".join(rows) + "\n").encode(), "text/csv")}
    data = {"form_kind": "terminal", "dry_run": "true" if dry_run else "false"}
    return client.post("/api/loaners/imports", data=data, files=files, headers=admin)


def work(db, import_id: int) -> None:
    """What the job does: chunk after chunk (of 2 rows, so duplicates across chunks are seen) until done."""
    while imports.process_chunk(db, import_id=import_id, now=utcnow(), size=2):
        pass
    db.commit()


def listed(client, admin) -> list[tuple]:
    """The import list's rows (who, file, taken / duplicate / unreadable, state), the same as its CSV's."""
    page = client.get("/api/loaners/imports", headers=admin).json()
    rows = [
        (
            r["id"],
            r["created_by"],
            r["filename"],
            r["taken_rows"],
            r["duplicate_rows"],
            r["unreadable_rows"],
            r["status_label"],
        )
        for r in page["items"]
    ]
    exported = csv_download(client.get("/api/loaners/imports.csv", headers=admin))
    header = exported[0]
    columns = [
        header.index(name) for name in ("ID", "取込者", "ファイル名", "取り込む行", "重複", "読み取れない", "状態")
    ]
    as_listed = [
        tuple(int(cell) if cell.isdigit() else cell for cell in (row[i] for i in columns)) for row in exported[1:]
    ]
    assert page["total"] == len(rows) and as_listed == rows
    return rows


def outcomes(job: dict) -> list[tuple[int, str, list[str]]]:
    return [(row["row"], row["outcome"], row["reasons"]) for row in job["plan"]]


@pytest.mark.dialect
def test_rows_that_predate_the_required_questions_are_imported_as_history_after_a_dry_run(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    checking = upload(client, admin, OLD_ROWS)
    assert (checking.status_code, checking.json()["status"], checking.json()["status_label"]) == (
        202,
        "reading",
        "読み込み中",
    )
    work(db, checking.json()["id"])
    checked = client.get(f"/api/loaners/imports/{checking.json()['id']}", headers=admin).json()
    assert (checked["status"], checked["checked_rows"], checked["planned_rows"], checked["planned_devices"]) == (
        "checked",
        4,
        4,
        2,
    )
    plan = outcomes(checked)
    assert [(row, outcome) for row, outcome, _ in plan] == [(2, "import"), (3, "import"), (4, "import"), (5, "import")]
    assert plan[0][2] == [] and plan[1][2] == ["「0-1.担当者」は必須です"]
    assert "「1-2.貸出日」は必須です" in plan[2][2] and "「3-0.社内ステータス」は必須です" in plan[3][2]
    assert [row["new_device"] for row in checked["plan"]] == [True, False, False, True]
    assert db.scalar(select(Device.id)) is None and db.scalar(select(Submission.id)) is None  # a dry run stores nothing
    db.commit()

    started = client.post(f"/api/loaners/imports/{checked['id']}/run", headers=admin)
    assert (started.status_code, started.json()["status"]) == (202, "queued")
    work(db, checked["id"])
    done = client.get(f"/api/loaners/imports/{checked['id']}", headers=admin).json()
    assert (done["status"], done["accepted_rows"], done["rejected_rows"], done["created_devices"]) == ("done", 4, 0, 2)
    history = db.execute(
        select(Device.management_number, Submission.submitted_at, Submission.submitter_email, Submission.answers)
        .join(Device, Device.id == Submission.device_id)
        .order_by(Submission.submitted_at)
    ).all()
    assert [(n[-8:], at, email) for n, at, email, _ in history] == [
        ("OLD1_001", datetime(2023, 4, 1, 0, 0, tzinfo=UTC), "old@example.com"),
        ("OLD1_001", datetime(2023, 4, 2, 0, 0, tzinfo=UTC), "old@example.com"),
        ("OLD1_001", datetime(2023, 4, 3, 0, 0, tzinfo=UTC), "old@example.com"),
        ("OLD2_001", datetime(2023, 4, 4, 0, 0, tzinfo=UTC), "other@example.com"),
    ]
    assert history[2].answers == {"0-1.担当者": "佐藤", "0-4.ステータス": "1.貸出中", "1-1.貸出先": "△△"}
    old1 = db.scalar(select(Device).where(Device.management_number == f"{LAPTOP}_OLD1_001"))
    assert (old1.status, old1.last_submitted_at) == ("1.貸出中", datetime(2023, 4, 3, 0, 0, tzinfo=UTC))
    db.commit()
    again = client.post(f"/api/loaners/imports/{checked['id']}/run", headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "import_not_checked")
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "import").order_by(AuditEntry.id)
    ).all()
    assert actions == ["check_submissions", "import_submissions"]


@pytest.mark.dialect
def test_the_dry_run_reports_duplicates_and_unreadable_rows_and_the_current_state_moves_only_forward(client, db):
    kept = make_device(db, "osaka", serial="KEEP")
    moved = make_device(db, "osaka", serial="MOVE")
    answer(db, kept, IN_HOUSE, at=datetime(2024, 8, 1, 0, 0, tzinfo=UTC))
    answer(db, moved, IN_HOUSE, at=datetime(2024, 8, 1, 0, 0, tzinfo=UTC))
    admin = headers(db, "admin1", "admin")
    db.commit()
    rows = [
        f"2024/08/01 09:00:00,a@example.com,山田,{kept.management_number},1.貸出中,○○商事,2024/08/01,",
        f"2024/07/01 09:00:00,a@example.com,山田,{kept.management_number},1.貸出中,○○商事,2024/07/01,",
        f"2024/09/01 09:00:00,b@example.com,,{moved.management_number},1.貸出中,△△,,",
        f"2024/07/01 09:00:00,a@example.com,山田,{kept.management_number},1.貸出中,○○商事,2024/07/01,",
        "2024/07/01 09:00:00,a@example.com,山田,,1.貸出中,○○商事,2024/07/01,",
        f"昨日,a@example.com,山田,{kept.management_number},1.貸出中,○○商事,2024/07/01,",
        "2024/07/01 09:00:00,a@example.com,山田,NAGOYA_Laptop_ThinkPad-X1-Carbon_S1_001,1.貸出中,○○商事,,",
    ]
    job = upload(client, admin, rows).json()
    work(db, job["id"])
    checked = client.get(f"/api/loaners/imports/{job['id']}", headers=admin).json()
    plan = outcomes(checked)
    assert [outcome for _, outcome, _ in plan] == [
        "duplicate",  # the device already has an answer at that time
        "import",
        "import",
        "duplicate",  # repeats row 3 of the file (in another chunk of the dry run)
        "unreadable",
        "unreadable",
        "unreadable",
    ]
    assert plan[0][2] == [labels.IMPORT_DUPLICATE] and plan[3][2] == [
        "3行目と同じ内容です（同じ行が2回あります。どちらか一方を消してください）"
    ]
    assert plan[4][2] == [
        "「0-2.拠点管理番号」列の「」: 拠点管理番号（機器の識別子）がありません（番号を書いてください）"
    ]
    assert plan[5][2][0].startswith("「タイムスタンプ」列の「昨日」: 日時として読めません")
    assert "拠点が見つかりません" in plan[6][2][0]
    assert (checked["planned_rows"], checked["duplicate_rows"], checked["unreadable_rows"]) == (2, 2, 3)
    assert listed(client, admin) == [(job["id"], "admin1", "端末ステータス収集.csv", 2, 2, 3, "確認済み")]

    client.post(f"/api/loaners/imports/{job['id']}/run", headers=admin)
    work(db, job["id"])
    done = client.get(f"/api/loaners/imports/{job['id']}", headers=admin).json()
    assert (done["accepted_rows"], done["rejected_rows"]) == (2, 5)
    assert (done["duplicate_rows"], done["unreadable_rows"]) == (2, 3)  # as the import itself found them
    assert listed(client, admin) == [(job["id"], "admin1", "端末ステータス収集.csv", 2, 2, 3, "完了")]
    db.expire_all()
    older, newer = db.get(Device, kept.id), db.get(Device, moved.id)
    assert (older.status, older.last_submitted_at) == ("3.社内にて保管中", datetime(2024, 8, 1, 0, 0, tzinfo=UTC))
    assert (newer.status, newer.last_submitted_at) == ("1.貸出中", datetime(2024, 9, 1, 0, 0, tzinfo=UTC))
    assert len(db.scalars(select(Submission).where(Submission.device_id == kept.id)).all()) == 2


def test_an_import_not_checked_yet_cannot_be_run_and_another_admins_job_is_a_404(client, db):
    admin = headers(db, "admin1", "admin")
    clerk = headers(db, "staff1", scope="関西")
    db.commit()
    job = upload(client, admin, OLD_ROWS[:1]).json()
    early = client.post(f"/api/loaners/imports/{job['id']}/run", headers=admin)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "import_not_checked")
    assert client.post(f"/api/loaners/imports/{job['id']}/run", headers=clerk).status_code == 404  # every 管轄's
    assert client.post("/api/loaners/imports/999999/run", headers=admin).status_code == 404


@pytest.mark.dialect
def test_a_management_number_typed_full_width_names_the_device_it_means(client, db):
    device = make_device(db, "osaka", serial="WIDE")
    admin = headers(db, "admin1", "admin")
    db.commit()
    typed = full_width(device.management_number)
    row = f"2023/04/01 09:00:00,old@example.com,山田,{typed},3.社内にて保管中,,,1.貸出可能"
    checking = upload(client, admin, [row])
    work(db, checking.json()["id"])
    checked = client.get(f"/api/loaners/imports/{checking.json()['id']}", headers=admin).json()
    assert [(row["management_number"], row["outcome"], row["new_device"]) for row in checked["plan"]] == [
        (device.management_number, "import", False)
    ]
