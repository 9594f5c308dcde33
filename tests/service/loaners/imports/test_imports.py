"""Import of Google Forms response sheets: timestamps kept, devices registered from numbers, bad rows reported."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from service.database import utcnow
from service.job_failures import UNEXPECTED_FAULT, run_in_batches
from service.loaners.imports import imports
from service.loaners.models import Device, Submission
from tests.service.loaners.conftest import add_location, headers, make_device

HEADER = (
    "タイムスタンプ,メールアドレス,0-1.担当者,0-2.拠点管理番号,0-3.機種名,0-4.ステータス,1-1.貸出先,1-2.貸出日,"
    "1-4.ユーザー機の預り有無,預り機のステータス,3-0.社内ステータス,旧メモ\n"
)
LAPTOP = "OSAKA_Laptop_ThinkPad-X1-Carbon"
ROWS = [
    f"2024/07/01 09:00:00,a@example.com,山田,{LAPTOP}_ABC123_001,X1,1.貸出中,○○商事,2024/07/01,有り,1.返却可能,,x",
    f"2024/06/01 09:00:00,a@example.com,山田,{LAPTOP}_ABC123_001,,3.社内にて保管中,,,,,1.貸出可能,",
    "2024/07/02 10:00:00,b@example.com,佐藤,KOBE_Laptop_ThinkPad-X1-Carbon_S9_001,,1.貸出中,△△,2024/07/02,無し,,,",
    "2024/07/03 10:00:00,b@example.com,佐藤,NAGOYA_Laptop_ThinkPad-X1-Carbon_S1_001,,1.貸出中,△△,2024/07/02,無し,,,",
    f"2024/07/03 10:00:00,b@example.com,佐藤,{LAPTOP}_S2_001,,1.貸出中,△△,2024/07/02,無し,1.返却可能,,",
    f"7月3日,b@example.com,佐藤,{LAPTOP}_S3_001,,1.貸出中,△△,2024/07/02,無し,,,",
    f"2024/07/01 09:00:00,a@example.com,山田,{LAPTOP}_ABC123_001,,1.貸出中,○○商事,2024/07/01,有り,,,",
    "2024/07/04 10:00:00,c@example.com,鈴木,OSAKA_Printer_imageClass-MF644Cdw_P1_001,,1.貸出中,△△,2024/07/02,無し,,,",
    "2024/07/05 10:00:00,c@example.com,鈴木,OSAKA_Laptop_Think_Pad_1_001,,1.貸出中,△△,2024/07/02,無し,,,",
]


def run(db, import_id: int) -> None:
    while imports.process_chunk(db, import_id=import_id, now=utcnow(), size=4):
        pass


def upload(client, admin, content: str, kind: str = "terminal", encoding: str = "utf-8"):
    files = {"file": ("端末ステータス収集.csv", content.encode(encoding), "text/csv")}
    return client.post("/api/loaners/imports", data={"form_kind": kind}, files=files, headers=admin)


@pytest.mark.dialect
def test_rows_keep_their_timestamps_and_bad_rows_are_reported(client, db):
    existing = make_device(db, "osaka", serial="ABC123")
    admin = headers(db, "admin1", "admin")
    db.commit()
    response = upload(client, admin, HEADER + "\n".join(ROWS) + "\n", encoding="cp932")
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["total_rows"], job["ignored_columns"]) == ("reading", 0, ["旧メモ"])
    run(db, job["id"])
    db.commit()
    done = client.get(f"/api/loaners/imports/{job['id']}", headers=admin).json()
    assert (
        done["status"],
        done["total_rows"],
        done["processed_rows"],
        done["accepted_rows"],
        done["rejected_rows"],
        done["created_devices"],
    ) == ("done", 9, 9, 4, 5, 2)
    assert [r["row"] for r in done["rejected"]] == [5, 7, 8, 9, 10]
    reasons = [r["errors"][0] for r in done["rejected"]]
    assert "拠点が見つかりません" in reasons[0] and reasons[1].startswith(
        "「タイムスタンプ」列の「7月3日」: 年がありません"
    )
    assert (
        reasons[2].startswith("2行目と同じ内容です")
        and "プリンタの機器" in reasons[3]
        and "5つのセクション" in reasons[4]
    )
    db.expire_all()
    device = db.get(Device, existing.id)
    assert (device.status, device.held_status, device.last_submitted_at) == (
        "1.貸出中",
        "1.返却可能",
        datetime(2024, 7, 1, 0, 0, tzinfo=UTC),
    )
    history = db.scalars(
        select(Submission).where(Submission.device_id == existing.id).order_by(Submission.submitted_at)
    ).all()
    assert [(s.status, s.source, s.submitter_email) for s in history] == [
        ("3.社内にて保管中", "import", "a@example.com"),
        ("1.貸出中", "import", "a@example.com"),
    ]
    assert (
        history[1].answers["1-2.貸出日"] == "2024/07/01" and history[1].answers["預かり機のステータス"] == "1.返却可能"
    )
    registered = db.scalar(select(Device).where(Device.management_number == "KOBE_Laptop_ThinkPad-X1-Carbon_S9_001"))
    assert (registered.location_id, registered.model_id, registered.serial_number, registered.status) == (
        "kobe",
        "MODEL_001",
        "S9",
        "1.貸出中",
    )
    cleared = db.scalar(select(Device).where(Device.management_number == f"{LAPTOP}_S2_001"))
    assert (cleared.status, cleared.held_status) == ("1.貸出中", None)  # 無し clears the held status (§2.6.2)
    assert db.scalar(select(func.count()).select_from(Device)) == 3


@pytest.mark.dialect
def test_a_row_with_a_control_or_format_character_in_a_stored_cell_is_unreadable_in_the_check_and_the_import(
    client, db
):
    admin = headers(db, "admin1", "admin")
    db.commit()
    number, other = "KOBE_Laptop_ThinkPad-X1-Carbon_F1_001", "KOBE_Laptop_ThinkPad-X1-Carbon_F2_001"
    rows = [  # checked 4 rows a chunk: a refused row in the first chunk is no earlier answer for the second
        f"2024/07/01 09:00:00,a@example.com,山田\u200b,{number},,1.貸出中,○○商事,2024/07/01,無し,,,",
        f"2024/07/01 09:00:00,a@example.com,山田,{number},,1.貸出中,○○\u202e事商,2024/07/01,無し,,,",
        f"2024/07/01 09:00:00,a\u2060@example.com,山田,{number},,1.貸出中,○○商事,2024/07/01,無し,,,",
        f"2024/07/01 09:00:00,a@example.com,山田,{other},,1.貸出中,○○商事,2024/07/01,無し,,,",
        f"2024/07/01 09:00:00,a@example.com,山田,{number},,1.貸出中,○○商事,2024/07/01,無し,,,\x07",  # not stored
        f"2024/07/01 09:00:00,a@example.com,山田,{number},,1.貸出中,○○商事,2024/07/01,無し,,,",
    ]
    content = HEADER + "\n".join(rows) + "\n"
    check = client.post(
        "/api/loaners/imports",
        data={"form_kind": "terminal", "dry_run": "true"},
        files={"file": ("端末ステータス収集.csv", content.encode(), "text/csv")},
        headers=admin,
    ).json()
    run(db, check["id"])
    db.commit()
    plan = client.get(f"/api/loaners/imports/{check['id']}", headers=admin).json()["plan"]
    assert [(entry["row"], entry["outcome"]) for entry in plan] == [
        (2, "unreadable"),
        (3, "unreadable"),
        (4, "unreadable"),
        (5, "import"),
        (6, "import"),
        (7, "duplicate"),
    ]
    assert [entry["reasons"][0].split("（")[0] for entry in plan[:3]] == [
        "「0-1.担当者」列: 表示されない書式文字",
        "「1-1.貸出先」列: 表示されない書式文字",
        "「メールアドレス」列: 表示されない書式文字",
    ]

    job = upload(client, admin, content).json()
    run(db, job["id"])
    db.commit()
    done = client.get(f"/api/loaners/imports/{job['id']}", headers=admin).json()
    assert (done["accepted_rows"], done["rejected_rows"]) == (2, 4)
    [submission] = db.scalars(select(Submission).join(Device).where(Device.management_number == number)).all()
    assert submission.answers["1-1.貸出先"] == "○○商事" and submission.submitter_email == "a@example.com"


def test_a_file_without_the_key_columns_or_in_an_unknown_encoding_is_refused(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    missing = upload(client, admin, "メールアドレス,0-4.ステータス\na@example.com,1.貸出中\n")
    assert (missing.status_code, missing.json()["error"]["details"]["missing"]) == (
        422,
        ["タイムスタンプ", "0-2.拠点管理番号"],
    )
    garbage = client.post(
        "/api/loaners/imports",
        data={"form_kind": "terminal"},
        files={"file": ("x.csv", b"\xff\xfe\x00\x81\x00", "text/csv")},
        headers=admin,
    )
    assert (garbage.status_code, garbage.json()["error"]["details"]["rule"]) == (422, "encoding")
    huge_cell = upload(client, admin, HEADER + "2024/07/01 09:00:00,a@example.com," + "x" * 140_000 + "\n")
    assert (huge_cell.status_code, huge_cell.json()["error"]["details"]["rule"]) == (422, "csv_format")
    assert (
        client.post(
            "/api/loaners/imports",
            data={"form_kind": "phone"},
            files={"file": ("x.csv", b"a", "text/csv")},
            headers=admin,
        ).status_code
        == 422
    )


@pytest.mark.dialect
def test_importing_the_same_sheet_twice_adds_nothing_the_second_time(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    content = HEADER + ROWS[2] + "\n"
    for expected in (1, 0):
        job = upload(client, admin, content).json()
        run(db, job["id"])
        db.commit()
        assert client.get(f"/api/loaners/imports/{job['id']}", headers=admin).json()["accepted_rows"] == expected
    device = db.scalar(select(Device).where(Device.management_number == "KOBE_Laptop_ThinkPad-X1-Carbon_S9_001"))
    assert (device.kind, device.serial_number, device.status) == ("terminal", "S9", "1.貸出中")
    assert db.scalar(select(func.count()).select_from(Submission)) == 1


def test_an_import_that_breaks_off_is_marked_failed_with_a_sentence_for_people(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    job = upload(client, admin, HEADER + ROWS[0] + "\n").json()

    def broken_step(_session):
        raise RuntimeError("disk full")

    run_in_batches(
        broken_step,
        lambda session, error: imports.mark_failed(session, import_id=job["id"], now=utcnow(), error=error),
        f"loaners.import_submissions import_id={job['id']}",
    )
    failed = client.get(f"/api/loaners/imports/{job['id']}", headers=admin).json()
    assert (failed["status"], failed["status_label"], failed["error"]) == ("failed", "失敗", UNEXPECTED_FAULT)


@pytest.mark.dialect
def test_a_clerk_imports_their_own_jurisdictions_rows_and_another_ones_are_refused_as_outside_it(client, db):
    """Another 管轄's rows are 管轄外: counted and listed apart from 読み取れない (check, import, list, CSV)."""
    add_location(db, "tokyo", "関東", name="東京")
    theirs = make_device(db, "tokyo", serial="T1")
    make_device(db, "osaka", serial="ABC123")
    kansai = headers(db, "kansai-clerk", scope="関西")
    admin = headers(db, "admin1", "admin")
    db.commit()
    rows = [
        f"2024/07/01 09:00:00,a@example.com,山田,{LAPTOP}_ABC123_001,,1.貸出中,○○商事,2024/07/01,無し,,,",
        "2024/07/02 09:00:00,a@example.com,山田,KOBE_Laptop_ThinkPad-X1-Carbon_K1_001,,1.貸出中,△△,2024/07/02,無し,,,",
        f"2024/07/03 09:00:00,a@example.com,山田,{theirs.management_number},,1.貸出中,××,2024/07/03,無し,,,",
        "2024/07/04 09:00:00,a@example.com,山田,TOKYO_Laptop_ThinkPad-X1-Carbon_T2_001,,1.貸出中,××,2024/07/04,無し,,,",
    ]
    sheet = {"file": ("端末ステータス収集.csv", (HEADER + "\n".join(rows) + "\n").encode(), "text/csv")}
    checked = client.post(
        "/api/loaners/imports", data={"form_kind": "terminal", "dry_run": "true"}, files=sheet, headers=kansai
    )
    assert (checked.status_code, checked.json()["jurisdiction"]) == (202, "関西")
    run(db, checked.json()["id"])
    db.commit()
    plan = client.get(f"/api/loaners/imports/{checked.json()['id']}", headers=kansai).json()
    assert [(row["row"], row["outcome"]) for row in plan["plan"]] == [
        (2, "import"),
        (3, "import"),
        (4, "outside"),
        (5, "outside"),
    ]
    assert {row["outcome_label"] for row in plan["plan"][2:]} == {"管轄外（取り込まない）"}
    assert (plan["outside_rows"], plan["unreadable_rows"], plan["planned_rows"]) == (2, 0, 2)
    refusals = [row["reasons"][0] for row in plan["plan"][2:]]
    assert all("拠点「東京」（関東）は管轄外です" in reason for reason in refusals), refusals
    assert client.post(f"/api/loaners/imports/{plan['id']}/run", headers=kansai).status_code == 202
    run(db, plan["id"])
    db.commit()
    done = client.get(f"/api/loaners/imports/{plan['id']}", headers=kansai).json()
    assert (done["accepted_rows"], done["created_devices"], [r["row"] for r in done["rejected"]]) == (2, 1, [4, 5])
    assert "東京" in done["rejected"][0]["errors"][0]
    assert [r["outcome"] for r in done["rejected"]] == ["outside", "outside"]
    assert (done["outside_rows"], done["unreadable_rows"]) == (2, 0)
    listed = client.get("/api/loaners/imports", headers=kansai).json()["items"][0]
    assert (listed["outside_rows"], listed["unreadable_rows"]) == (2, 0)
    exported = client.get("/api/loaners/imports.csv", headers=kansai).content.decode("utf-8-sig").splitlines()
    header, row = (line.replace('"', "").split(",") for line in exported[:2])
    assert (row[header.index("管轄外")], row[header.index("読み取れない")]) == ("2", "0")
    db.expire_all()
    assert db.get(Device, theirs.id).current_submission_id is None  # another 管轄's device is left as it was
    assert db.scalar(select(func.count()).select_from(Device).where(Device.location_id == "tokyo")) == 1
    db.commit()
    everywhere = upload(client, admin, HEADER + rows[2] + "\n").json()  # an admin's import takes every 管轄
    run(db, everywhere["id"])
    db.commit()
    assert client.get(f"/api/loaners/imports/{everywhere['id']}", headers=admin).json()["accepted_rows"] == 1
    assert client.get(f"/api/loaners/imports/{everywhere['id']}", headers=kansai).status_code == 404
    listed = client.get("/api/loaners/imports", headers=kansai).json()
    assert [job["id"] for job in listed["items"]] == [plan["id"]]
    assert {job["id"] for job in client.get("/api/loaners/imports", headers=admin).json()["items"]} == {
        plan["id"],
        everywhere["id"],
    }


@pytest.mark.dialect
def test_a_file_the_job_cannot_read_past_its_header_fails_saying_the_row(client, db):
    """The request reads the header rows only: what breaks further down is said by the job, on the import."""
    admin = headers(db, "admin1", "admin")
    db.commit()
    rows = [ROWS[2]] * 30 + ["2024/07/01 09:00:00,a@example.com," + "x" * 140_000]
    accepted = upload(client, admin, HEADER + "\n".join(rows) + "\n")
    assert (accepted.status_code, accepted.json()["status"]) == (202, "reading")
    import_id = accepted.json()["id"]
    run_in_batches(
        lambda session: imports.process_chunk(session, import_id=import_id, now=utcnow()),
        lambda session, error: imports.mark_failed(session, import_id=import_id, now=utcnow(), error=error),
        f"loaners.import_submissions import_id={import_id}",
    )
    failed = client.get(f"/api/loaners/imports/{import_id}", headers=admin).json()
    assert (failed["status"], failed["total_rows"], failed["accepted_rows"]) == ("failed", 0, 0)
    assert failed["error"] == "CSVの32行目・3列目を読めません: セルが長すぎます（131072文字まで）"
