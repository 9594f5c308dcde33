"""The barcode card PDF as a document job: the request only counts the parents and answers 202 (the same selection's
job while it is being made); the task's steps (run here in-process as the worker runs them, in tests/jobs by a real
worker) draw it a chunk at a time, each read a batch per short transaction and committed as a part, then merge the
parts; the job and its file are the nursery's own, and go after the retention."""

import io
import os
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.sql import Update

import jobs.pending_tasks  # noqa: F401 - the worker's ledger signals, fired by the steps run here as by the worker
from jobs.entry_logs import render_cards
from service import broker, documents
from service.config import get_settings
from service.database import get_engine, session_scope, utcnow
from service.dialect import is_postgres
from service.documents import DocumentJob
from service.entry_logs import cards
from service.entry_logs.models import Guardian, Nursery, Parent
from tests.service.entry_logs.world import make_world, staff_headers
from tests.support.barcodes import barcodes_in_pdf
from tests.support.waiting import wait_until

NO_PARENTS = "このクラスにはカードを作る保護者がいません"


def cards_url(nursery_id: int, *rest: object) -> str:
    return "/".join([f"/api/entry-logs/nurseries/{nursery_id}/card-jobs", *map(str, rest)])


def ask_for_cards(client, headers, nursery_id: int, class_name: str = "") -> dict:
    response = client.post(cards_url(nursery_id), json={"className": class_name}, headers=headers)
    assert response.status_code == 202, response.text
    return response.json()


def render(job_id: int) -> int:
    """Run the job's steps as the worker does, each as its pending task's delivery, until none is left (the job
    ended); returns the pages drawn."""
    pages = 0
    while waiting := _next_step(job_id):
        pending_id, args = waiting
        pages += render_cards.apply(args=args, task_id=broker.task_id_of(pending_id), throw=True).get()
    return pages


def _next_step(job_id: int) -> tuple[int, list] | None:
    with session_scope() as db:
        stmt = select(broker.PendingTask).where(broker.PendingTask.task == cards.TASK).order_by(broker.PendingTask.id)
        return next(((row.id, row.args) for row in db.scalars(stmt) if row.args[0] == job_id), None)


def made_cards(client, headers, nursery_id: int, class_name: str = "") -> bytes:
    """Ask for the cards, draw them as the worker would (in this process), and download the PDF."""
    job = ask_for_cards(client, headers, nursery_id, class_name)
    render(job["id"])
    response = client.get(cards_url(nursery_id, job["id"], "file"), headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def big(db):
    """A nursery of 300 parents."""
    world = make_world(db, "big", name="おおぞら保育園", parents=300)
    db.commit()
    return world


@pytest.fixture
def batch_of_50(monkeypatch):
    monkeypatch.setattr(get_settings(), "entry_logs_cards_batch", 50)
    monkeypatch.setattr(get_settings(), "document_chunk_pages", 12)


@dataclass
class Transaction:
    parents_loaded: int = 0
    pages_written: list[int] = field(default_factory=list)


class Transactions:
    """Every transaction begun on the engine while recording: how many parents it loaded, what pages_done it wrote."""

    def __init__(self) -> None:
        self.seen: list[Transaction] = []
        self.listeners = [
            (get_engine(), "begin", self._begin),
            (get_engine(), "before_cursor_execute", self._statement),
            (Parent, "load", self._loaded),
        ]

    def __enter__(self) -> "Transactions":
        for target, name, listener in self.listeners:
            event.listen(target, name, listener)
        return self

    def __exit__(self, *exc: object) -> None:
        for target, name, listener in self.listeners:
            event.remove(target, name, listener)

    def _begin(self, _connection) -> None:
        self.seen.append(Transaction())

    def _statement(self, _conn, _cursor, _statement, _parameters, context, _executemany) -> None:
        statement = context.compiled.statement if context.compiled is not None else None
        if isinstance(statement, Update) and statement.table.name == DocumentJob.__tablename__:
            values = context.compiled_parameters[0]
            if "pages_done" in values:
                self.seen[-1].pages_written.append(values["pages_done"])

    def _loaded(self, _target, _context) -> None:
        self.seen[-1].parents_loaded += 1

    def summary(self) -> list[tuple[int, list[int]]]:
        """(parents loaded, pages_done written) of each transaction that did either."""
        return [(t.parents_loaded, t.pages_written) for t in self.seen if t.parents_loaded or t.pages_written]


def test_the_request_only_counts_the_parents_and_answers_202_with_a_queued_job(client, db, big):
    headers = staff_headers(db, big)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        job = ask_for_cards(client, headers, big.nursery.id)
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert job | {"id": 0, "createdAt": "", "expiresAt": ""} == {
        "id": 0,
        "status": "queued",
        "statusLabel": "待機中",
        "className": "",
        "fileName": "entry_exit_cards_big_all.pdf",
        "pagesDone": 0,
        "pagesTotal": 30,
        "error": None,
        "createdAt": "",
        "finishedAt": None,
        "expiresAt": "",
    }
    touching_parents = [s for s in statements if "entry_logs_parent" in s]
    assert len(touching_parents) == 1 and touching_parents[0].lstrip().upper().startswith("SELECT COUNT(*)")


@pytest.mark.dialect
def test_the_job_is_drawn_a_chunk_per_step_reading_a_batch_per_transaction_then_merged(client, db, big, batch_of_50):
    headers = staff_headers(db, big)
    job = ask_for_cards(client, headers, big.nursery.id)

    with Transactions() as transactions:
        assert render(job["id"]) == 30
    assert transactions.summary() == [  # chunks of 12 pages (120 cards), each committed with the pages done so far
        (50, []),
        (50, []),
        (20, []),
        (0, [12]),
        (50, []),
        (50, []),
        (20, []),
        (0, [24]),
        (50, []),
        (10, []),
        (0, [30]),
    ]
    ready = client.get(cards_url(big.nursery.id, job["id"]), headers=headers).json()
    assert (ready["status"], ready["statusLabel"], ready["pagesDone"], ready["pagesTotal"]) == ("ready", "完了", 30, 30)
    pdf = client.get(cards_url(big.nursery.id, job["id"], "file"), headers=headers)
    assert pdf.headers["content-disposition"] == "attachment; filename*=UTF-8''entry_exit_cards_big_all.pdf"
    assert page_count(pdf.content) == 30 and b"IPAexGothic" in pdf.content
    reader = PdfReader(io.BytesIO(pdf.content))
    assert reader.metadata.title == "おおぞら保育園 入退管理バーコード"
    assert [page.extract_text().split()[1] for page in reader.pages[11:13]] == ["big保護者110", "big保護者120"]
    parts = db.get(DocumentJob, job["id"]).parts
    db.commit()
    assert len(parts) == 3 and not any((documents.documents_folder() / part).exists() for part in parts)
    assert _next_step(job["id"]) is None  # every step's pending task went once it ran


@pytest.mark.dialect
def test_a_class_s_cards_are_its_parents_and_an_empty_class_is_404(client, db, sakura, staff):
    pdf = made_cards(client, staff, sakura.nursery.id, "ひよこ組")
    assert page_count(pdf) == 1 and pdf.count(b"/Subtype /Image") == 2 * 2  # two parents: barcode and QR each
    printed = [text for kind, text in barcodes_in_pdf(pdf) if kind == "Code128"]  # read as a scanner reads them
    assert printed == [str(sakura.parents[0].id), str(sakura.parents[2].id)]
    response = client.post(cards_url(sakura.nursery.id), json={"className": "いない組"}, headers=staff)
    assert response.status_code == 404 and response.json()["error"]["code"] == "no_parents"


@pytest.mark.dialect
def test_the_file_is_409_until_ready_and_a_job_left_without_parents_fails_saying_so(client, db, sakura, staff):
    job = ask_for_cards(client, staff, sakura.nursery.id, "うさぎ組")
    not_ready = client.get(cards_url(sakura.nursery.id, job["id"], "file"), headers=staff)
    assert not_ready.status_code == 409 and not_ready.json()["error"]["code"] == "document_not_ready"
    db.execute(delete(Guardian).where(Guardian.parent_id == sakura.parents[1].id))
    db.commit()

    assert render(job["id"]) == 0
    failed = client.get(cards_url(sakura.nursery.id, job["id"]), headers=staff).json()
    assert (failed["status"], failed["statusLabel"], failed["error"]) == ("failed", "失敗", NO_PARENTS)
    assert client.get(cards_url(sakura.nursery.id, job["id"], "file"), headers=staff).status_code == 409


@pytest.mark.dialect
def test_a_finished_job_run_again_is_left_as_it_is(client, db, sakura, staff):
    job = ask_for_cards(client, staff, sakura.nursery.id)
    render(job["id"])
    first = client.get(cards_url(sakura.nursery.id, job["id"]), headers=staff).json()
    assert (render_cards(job["id"]), render_cards(job["id"], 1)) == (0, 0)  # the steps' copies delivered again
    assert client.get(cards_url(sakura.nursery.id, job["id"]), headers=staff).json() == first


@pytest.mark.dialect
def test_another_nurserys_job_is_404_through_either_nursery(client, db, sakura, himawari, staff):
    their_staff = staff_headers(db, himawari, login_id="staff-b")
    theirs = ask_for_cards(client, their_staff, himawari.nursery.id)
    render(theirs["id"])
    for url in (cards_url(sakura.nursery.id, theirs["id"]), cards_url(sakura.nursery.id, theirs["id"], "file")):
        response = client.get(url, headers=staff)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    for url in (cards_url(himawari.nursery.id, theirs["id"]), cards_url(himawari.nursery.id, theirs["id"], "file")):
        response = client.get(url, headers=staff)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "nursery_not_found")


@pytest.mark.dialect
def test_jobs_and_files_go_after_the_retention(client, db, sakura, staff):
    job = ask_for_cards(client, staff, sakura.nursery.id)
    render(job["id"])
    stored = documents.documents_folder() / db.get(DocumentJob, job["id"]).stored_name
    db.commit()
    lost = documents.documents_folder() / "lost.pdf"  # a file whose job never committed
    lost.write_bytes(b"%PDF")
    day_ago = (utcnow() - timedelta(hours=25)).timestamp()
    os.utime(lost, (day_ago, day_ago))

    assert documents.purge_expired(db, now=utcnow()) == 0
    db.commit()
    assert stored.exists() and not lost.exists()
    assert client.get(cards_url(sakura.nursery.id, job["id"]), headers=staff).status_code == 200

    later = utcnow() + timedelta(hours=get_settings().document_retention_hours, seconds=1)
    assert documents.purge_expired(db, now=later) == 1
    db.commit()
    assert not stored.exists()
    assert client.get(cards_url(sakura.nursery.id, job["id"]), headers=staff).status_code == 404


@pytest.mark.dialect
def test_a_repeat_request_answers_the_job_being_made_and_a_new_one_follows_a_finished_job(client, db, sakura, staff):
    first = ask_for_cards(client, staff, sakura.nursery.id, "ひよこ組")
    again = ask_for_cards(client, staff, sakura.nursery.id, "ひよこ組")
    other_class = ask_for_cards(client, staff, sakura.nursery.id, "うさぎ組")
    assert again == first and other_class["id"] != first["id"]
    assert _next_step(first["id"]) is not None and render(first["id"]) == 1  # one job, queued once
    after = ask_for_cards(client, staff, sakura.nursery.id, "ひよこ組")
    assert after["id"] != first["id"] and after["status"] == "queued"


def test_two_requests_racing_for_the_same_cards_make_one_job(db, sakura):
    """The second request's insert waits on the first's active key (PostgreSQL) or its write lock (SQLite), then
    answers the first's job."""
    nursery_id = sakura.nursery.id
    db.commit()
    answers: list[int] = []

    def request() -> None:
        with session_scope() as session:
            answers.append(
                cards.request_cards(session, nursery=session.get(Nursery, nursery_id), class_name=None, now=utcnow()).id
            )

    with session_scope() as first:
        job = cards.request_cards(first, nursery=first.get(Nursery, nursery_id), class_name=None, now=utcnow())
        second = threading.Thread(target=request)
        second.start()
        if is_postgres(get_engine()):
            wait_until(lambda: waiting_on_a_lock(first), timeout=30, message="the second request to wait")
    second.join(timeout=60)
    assert answers == [job.id]
    assert _next_step(job.id)[1] == [job.id, 0]  # its first step, queued once
    counts = [db.scalar(select(func.count()).select_from(table)) for table in (DocumentJob, broker.PendingTask)]
    db.commit()
    assert counts == [1, 1]


def waiting_on_a_lock(db) -> bool:
    """Whether another session waits on a lock (this one's uncommitted row)."""
    return bool(
        db.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    )


@pytest.mark.dialect
def test_the_nurserys_card_jobs_are_listed_newest_first_by_class(client, db, sakura, himawari, staff):
    whole = ask_for_cards(client, staff, sakura.nursery.id)
    render(whole["id"])
    again = ask_for_cards(client, staff, sakura.nursery.id)
    hiyoko = ask_for_cards(client, staff, sakura.nursery.id, "ひよこ組")
    listed = client.get(cards_url(sakura.nursery.id), headers=staff)
    assert listed.status_code == 200
    assert [(job["id"], job["status"]) for job in listed.json()] == [(again["id"], "queued"), (whole["id"], "ready")]
    of_class = client.get(cards_url(sakura.nursery.id), params={"className": "ひよこ組"}, headers=staff).json()
    assert [job["id"] for job in of_class] == [hiyoko["id"]]
    theirs = client.get(cards_url(himawari.nursery.id), headers=staff)
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (404, "nursery_not_found")
