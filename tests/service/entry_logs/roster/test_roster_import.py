"""The roster import as a job: the file's header checked and the file stored by the request, the file read by the
job's first batch, rows imported batch by batch, a batch
delivered again not applied twice, the next batch kept pending until its task ran, another nursery's import a 404."""

import io
import json
from datetime import timedelta

import pytest
from celery import states
from openpyxl import Workbook
from sqlalchemy import func, select

from jobs import pending_tasks
from jobs.entry_logs import import_roster
from service import broker
from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from service.entry_logs.models import Child, Guardian, Parent, RosterImport
from service.entry_logs.roster import roster_import
from service.job_failures import DATABASE_FAULT
from tests.service.entry_logs.world import staff_headers
from tests.support.worker import purge_queue

GRACE = timedelta(seconds=get_settings().pending_task_grace_seconds, milliseconds=1)
ROSTER = (
    "保護者名,電話番号,園児名,クラス\n"
    "山田花子,090-1111-2222,山田太郎,ひよこ組\n"
    "山田花子,090-1111-2222,山田次郎,うさぎ組\n"
    "山田一郎,,山田太郎,ひよこ組\n"
    ",090,名無し,ひよこ組\n"
    "佐藤,電話なし,佐藤子,ひよこ組\n"
    "\n"
)


def upload(client, headers, nursery_id: int, content: bytes):
    url = f"/api/entry-logs/nurseries/{nursery_id}/roster-import"
    return client.post(url, files={"file": ("名簿.csv", content, "text/csv")}, headers=headers)


def progress(client, headers, nursery_id: int, import_id: int):
    return client.get(f"/api/entry-logs/nurseries/{nursery_id}/roster-imports/{import_id}", headers=headers)


def run_batch(import_id: int, start: int, size: int) -> None:
    """One batch in its own transaction, as one delivery of the task runs it: the worker marks its pending task
    started before, and forgets it after."""
    task_id = _task_id(import_id, start)
    pending_tasks.mark_started(task_id=task_id)
    with session_scope() as db:
        roster_import.import_batch(db, import_id=import_id, start=start, now=utcnow(), size=size)
    pending_tasks.mark_finished(task_id=task_id, state=states.SUCCESS)


def _task_id(import_id: int, start: int) -> str | None:
    """The task id of the batch's message: its pending task's, when one waits (not for a copy delivered late)."""
    with session_scope() as db:
        rows = db.scalars(select(broker.PendingTask).where(broker.PendingTask.task == roster_import.TASK))
        return next((broker.task_id_of(row.id) for row in rows if row.args == [import_id, start]), None)


def run(import_id: int, size: int = roster_import.BATCH) -> int:
    """Every batch, each in its own transaction as the worker runs them; returns how many ran."""
    batches = 0
    while True:
        with session_scope() as db:
            job = db.get(RosterImport, import_id)
            if job.status in roster_import.FINISHED:
                return batches
            start = job.processed_rows
        run_batch(import_id, start, size)
        batches += 1


def pending() -> list[tuple[str, list]]:
    with session_scope() as db:
        return [(row.task, row.args) for row in db.scalars(select(broker.PendingTask).order_by(broker.PendingTask.id))]


def stored(db, nursery_id: int) -> tuple[list, list, int]:
    """The nursery's parents and children, and how many links they have."""
    parents = list(db.execute(select(Parent.name, Parent.phone).where(Parent.nursery_id == nursery_id)).tuples())
    children = list(db.execute(select(Child.name, Child.class_name).where(Child.nursery_id == nursery_id)).tuples())
    in_nursery = select(Child.id).where(Child.nursery_id == nursery_id)
    links = db.scalar(select(func.count()).select_from(Guardian).where(Guardian.child_id.in_(in_nursery)))
    db.commit()
    return sorted(parents), sorted(children), links


@pytest.mark.dialect
def test_the_file_is_stored_and_imported_in_batches_adding_what_is_new_and_reporting_rejected_rows(
    client, db, staff, sakura
):
    response = upload(client, staff, sakura.nursery.id, ROSTER.encode("cp932"))
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["status"], job["statusLabel"], job["totalRows"], job["processedRows"]) == (
        "reading",
        "読み込み中",
        0,
        0,
    )
    assert run(job["id"], size=2) == 3

    done = progress(client, staff, sakura.nursery.id, job["id"]).json()
    assert {key: done[key] for key in ("status", "statusLabel", "processedRows", "rejectedRows")} == {
        "status": "done",
        "statusLabel": "完了",
        "processedRows": 5,
        "rejectedRows": 2,
    }
    assert (done["parentsCreated"], done["childrenCreated"], done["linksCreated"]) == (2, 2, 3)
    assert [(r["row"], r["reason"].split(":")[0]) for r in done["rejected"]] == [(5, "保護者名"), (6, "電話番号")]
    first = done["rejected"][0]["values"]
    assert first == {"保護者名": "", "電話番号": "090", "園児名": "名無し", "クラス": "ひよこ組"}
    parents, children, links = stored(db, sakura.nursery.id)
    assert ("山田花子", "090-1111-2222") in parents and ("山田一郎", "") in parents
    assert ("山田太郎", "ひよこ組") in children and ("山田次郎", "うさぎ組") in children
    taro = db.scalar(select(Child).where(Child.name == "山田太郎"))
    assert [p.name for p in taro.parents] == ["山田花子", "山田一郎"]
    db.commit()

    again = upload(client, staff, sakura.nursery.id, ROSTER.encode()).json()
    run(again["id"], size=2)
    repeat = progress(client, staff, sakura.nursery.id, again["id"]).json()
    assert (repeat["parentsCreated"], repeat["childrenCreated"], repeat["linksCreated"]) == (0, 0, 0)
    assert stored(db, sakura.nursery.id) == (parents, children, links)


@pytest.mark.dialect
def test_a_row_whose_name_could_pass_for_another_parents_is_rejected_naming_the_rule(client, db, staff, sakura):
    roster = "保護者名,電話番号,園児名,クラス\n山田\u200b花子,,山田太郎,ひよこ組\n山田花子,,山田\u202e郎次,ひよこ組\n"
    job = upload(client, staff, sakura.nursery.id, roster.encode()).json()
    run(job["id"])
    done = progress(client, staff, sakura.nursery.id, job["id"]).json()
    assert (done["status"], done["rejectedRows"], done["parentsCreated"]) == ("done", 2, 0)
    reasons = [(r["row"], r["reason"]) for r in done["rejected"]]
    assert [(row, reason.split("（")[0]) for row, reason in reasons] == [
        (2, "保護者名: 表示されない書式文字"),
        (3, "園児名: 表示されない書式文字"),
    ]
    assert "U+200B" in reasons[0][1] and "U+202E" in reasons[1][1]


@pytest.mark.dialect
def test_a_full_width_phone_is_read_as_meant_and_a_refused_one_says_its_rule_in_words(client, db, staff, sakura):
    roster = (
        "保護者名,電話番号,園児名,クラス\n"
        "鈴木花子,０９０－１２３４－５６７８,鈴木太郎,ひよこ組\n"
        "佐藤,電話なし,佐藤子,ひよこ組\n"
    )
    job = upload(client, staff, sakura.nursery.id, roster.encode("cp932")).json()
    run(job["id"])
    done = progress(client, staff, sakura.nursery.id, job["id"]).json()
    assert (done["status"], done["parentsCreated"], done["rejectedRows"]) == ("done", 1, 1)
    assert ("鈴木花子", "090-1234-5678") in stored(db, sakura.nursery.id)[0]
    assert [(r["row"], r["reason"]) for r in done["rejected"]] == [
        (3, "電話番号: 形式が正しくありません（半角数字と「+」「-」「(」「)」・空白で入力してください）")
    ]


@pytest.mark.dialect
def test_every_created_parent_and_child_and_the_import_itself_are_audited_as_the_uploader(client, db, staff, sakura):
    job = upload(client, staff, sakura.nursery.id, ROSTER.encode()).json()
    run(job["id"], size=2)
    entries = list(
        db.scalars(select(AuditEntry).where(AuditEntry.domain == "entry_logs").order_by(AuditEntry.seq)).all()
    )
    db.commit()
    assert {entry.actor_label for entry in entries} == {"staff-a"}
    assert [(e.action, e.target_type) for e in entries] == [
        ("import_roster", "roster_import"),
        ("create", "parent"),
        ("create", "child"),
        ("create", "child"),
        ("create", "parent"),
        ("finish_roster_import", "roster_import"),
    ]
    assert entries[0].changes["filename"] == {"before": None, "after": "名簿.csv"}
    taro = entries[2]
    assert taro.changes["name"] == {"before": None, "after": "山田太郎"}
    assert taro.changes["parent_ids"]["after"] == [int(entries[1].target_id)]
    assert entries[-1].changes["links_created"] == {"before": None, "after": 3}


@pytest.mark.dialect
def test_a_batch_delivered_again_or_rolled_back_midway_is_applied_once(client, db, staff, sakura):
    import_id = upload(client, staff, sakura.nursery.id, ROSTER.encode()).json()["id"]
    assert pending() == [(roster_import.TASK, [import_id, 0])]
    run_batch(import_id, 0, 2)
    assert pending() == [(roster_import.TASK, [import_id, 2])]
    run_batch(import_id, 0, 2)  # the first batch's task delivered a second time
    with pytest.raises(RuntimeError), session_scope() as session:  # the worker dies before the batch commits
        roster_import.import_batch(session, import_id=import_id, start=2, now=utcnow(), size=2)
        raise RuntimeError("worker lost")
    assert pending() == [(roster_import.TASK, [import_id, 2])]
    run(import_id, size=2)
    run_batch(import_id, 2, 2)  # a late copy once the import is done
    done = progress(client, staff, sakura.nursery.id, import_id).json()
    added = (done["parentsCreated"], done["childrenCreated"], done["linksCreated"])
    assert (done["processedRows"], added) == (5, (2, 2, 3))
    assert [row["row"] for row in done["rejected"]] == [5, 6]
    assert stored(db, sakura.nursery.id)[2] == 3 + 4  # the world's four links, and the import's three
    assert pending() == []


@pytest.mark.dialect
def test_a_batch_run_again_after_its_commit_went_through_unseen_sends_the_next_batch(
    client, db, staff, sakura, monkeypatch
):
    """The job retries a batch whose connection dropped around COMMIT: when the COMMIT had gone through, the retry
    finds the batch done and sends the next one (that commit's send never happened); a plain copy sends nothing."""
    import_id = upload(client, staff, sakura.nursery.id, ROSTER.encode()).json()["id"]
    sent: list = []
    monkeypatch.setattr(broker, "send_tasks", sent.extend)
    run_batch(import_id, 0, 2)
    first = list(sent)
    assert [(task, args) for task, args, _ in first] == [(roster_import.TASK, [import_id, 2])]
    sent.clear()
    run_batch(import_id, 0, 2)  # a copy of the batch delivered again
    assert sent == []
    with session_scope() as session:
        roster_import.import_batch(session, import_id=import_id, start=0, now=utcnow(), size=2, retry=True)
    assert sent == first  # the same pending task, so the worker that runs it forgets it
    assert progress(client, staff, sakura.nursery.id, import_id).json()["processedRows"] == 2
    assert pending() == [(roster_import.TASK, [import_id, 2])]


@pytest.mark.dialect
def test_a_lost_batch_is_sent_again_by_the_pending_task_sweep(client, db, staff, sakura, monkeypatch):
    import_id = upload(client, staff, sakura.nursery.id, ROSTER.encode()).json()["id"]
    run_batch(import_id, 0, 2)
    sent = []
    monkeypatch.setattr(broker, "send_tasks", sent.extend)
    with session_scope() as session:
        assert broker.send_pending(session, now=utcnow()) == 0  # sent at the commit, and not late yet
        assert broker.send_pending(session, now=utcnow() + GRACE) == 0  # late, but its message waits in the queue
        purge_queue()  # the message is lost (a Redis flush)
        assert broker.send_pending(session, now=utcnow() + GRACE) == 1
    assert [(task, args) for task, args, _ in sent] == [(roster_import.TASK, [import_id, 2])]
    run_batch(import_id, 2, 2)
    assert pending() == [(roster_import.TASK, [import_id, 4])]


@pytest.mark.dialect
def test_an_import_that_breaks_off_is_marked_failed_and_nothing_stays_pending(client, db, staff, sakura):
    import_id = upload(client, staff, sakura.nursery.id, ROSTER.encode()).json()["id"]
    run_batch(import_id, 0, 2)
    with session_scope() as session:
        roster_import.mark_failed(session, import_id=import_id, now=utcnow(), error=DATABASE_FAULT)
    failed = progress(client, staff, sakura.nursery.id, import_id).json()
    assert (failed["status"], failed["statusLabel"], failed["error"], failed["processedRows"]) == (
        "failed",
        "失敗",
        DATABASE_FAULT,
        2,
    )
    run_batch(import_id, 2, 2)  # the batch queued before it broke off finds it failed
    assert progress(client, staff, sakura.nursery.id, import_id).json()["processedRows"] == 2
    assert pending() == []


@pytest.mark.parametrize(
    ("content", "code", "details"),
    [
        (
            "氏名,電話番号\n山田花子,090\n".encode(),
            "columns_unmatched",
            {"rule": "columns", "missing": ["保護者名", "園児名"], "columns": ["氏名", "電話番号"], "row": 1},
        ),
        (b"\xff\xfe\x00\x81\x00", "csv_unreadable", {"field": "file", "rule": "encoding"}),
        (
            "保護者名,電話番号,園児名,クラス\n山田花子,090-1111-2222,山田太郎,ひよこ組\n佐藤,090,佐藤\r子,ひよこ組\n".encode(),
            "csv_unreadable",
            {"field": "file", "rule": "csv_format", "row": 3, "column": 3},
        ),
    ],
    ids=["columns", "encoding", "lone_cr"],
)
def test_a_bad_file_is_a_422_and_nothing_is_stored(client, db, staff, sakura, content, code, details):
    response = upload(client, staff, sakura.nursery.id, content)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["details"].items() >= details.items()
    counts = [db.scalar(select(func.count()).select_from(table)) for table in (RosterImport, broker.PendingTask)]
    audited = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.domain == "entry_logs"))
    db.commit()
    assert (counts, audited) == ([0, 0], 0)


@pytest.mark.dialect
def test_a_file_too_long_is_found_by_the_job_which_fails_saying_so(client, db, staff, sakura):
    content = ("保護者名,園児名\n" + "保護者,園児\n" * (roster_import.MAX_ROWS + 1)).encode()
    sent = upload(client, staff, sakura.nursery.id, content)
    assert sent.status_code == 202, sent.text  # the request reads only the header
    import_roster(sent.json()["id"], 0)
    failed = progress(client, staff, sakura.nursery.id, sent.json()["id"]).json()
    assert (failed["status"], failed["statusLabel"], failed["processedRows"]) == ("failed", "失敗", 0)
    assert failed["error"] == (
        "一度に取り込めるのは20,000行までです（このファイルは20,001行）。ファイルを分けて取り込んでください"
    )
    assert stored(db, sakura.nursery.id)[2] == 4  # the world's four links only


def test_another_nurserys_import_is_a_404(client, db, staff, sakura, himawari):
    theirs = staff_headers(db, himawari, login_id="staff-b")
    import_id = upload(client, theirs, himawari.nursery.id, ROSTER.encode()).json()["id"]
    assert progress(client, theirs, himawari.nursery.id, import_id).status_code == 200
    under_mine = progress(client, staff, sakura.nursery.id, import_id)
    assert (under_mine.status_code, under_mine.json()["error"]["code"]) == (404, "import_not_found")
    assert progress(client, staff, himawari.nursery.id, import_id).status_code == 404


@pytest.mark.dialect  # the import's job reaches dialect SQL
def test_a_workbook_with_a_title_row_and_a_column_named_otherwise_is_mapped_and_its_rows_told_by_sheet_row(
    client, db, staff, sakura
):
    book = Workbook()
    sheet = book.active
    for row in (
        ["2026年度 さくら組 名簿"],
        [],
        ["おとな", "電話 番号", "園児名", "クラス"],  # 電話 番号: a space, matched all the same
        ["山田花子", "090-1111-2222", "山田太郎", "ひよこ組"],
        [],
        ["佐藤", "電話なし", "佐藤次郎", "ひよこ組"],
    ):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    url = f"/api/entry-logs/nurseries/{sakura.nursery.id}/roster-import"
    sent = {"file": ("名簿.xlsx", out.getvalue())}
    unmatched = client.post(url, files=sent, headers=staff)
    assert unmatched.status_code == 422
    assert unmatched.json()["error"]["details"]["columns"] == ["おとな", "電話 番号", "園児名", "クラス"]
    assert unmatched.json()["error"]["message"].startswith("3行目の見出しに「保護者名」の列が見つかりません")
    mapped = client.post(url, files=sent, data={"columns": json.dumps({"おとな": "保護者名"})}, headers=staff)
    assert mapped.status_code == 202, mapped.text
    db.commit()
    assert run(mapped.json()["id"]) == 1
    done = progress(client, staff, sakura.nursery.id, mapped.json()["id"]).json()
    assert done["totalRows"] == 2
    assert [(r["row"], r["reason"].split(":")[0]) for r in done["rejected"]] == [(6, "電話番号")]
    assert done["parentsCreated"] == 1
