"""The roster import through a real Celery worker: 5,000 rows batch by batch; a worker killed mid-batch whose
import the pending-task sweep hands to the next worker once its lease ran out, and a batch whose connections the
database dropped, run again by its worker, each batch applied once; an import ended by a real fault says so in
Japanese, without SQL."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from service import broker
from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import get_engine, session_scope, utcnow
from service.entry_logs.models import Child, Guardian, Nursery, Parent, RosterImport
from service.entry_logs.roster import roster_import
from service.job_failures import DATABASE_FAULT
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.door.test_scans import blocked_by
from tests.service.entry_logs.roster.test_roster_import import pending, progress, upload
from tests.support.database import drop_other_connections
from tests.support.waiting import wait_for_job, wait_until
from tests.support.worker import purge_queue

pytestmark = pytest.mark.slow
IMPORT_TIMEOUT = 600  # a deadline against a hang only: the import takes seconds to a minute on a busy machine


def roster(rows: int) -> bytes:
    """Two children per parent; every 1,000th row has a phone that breaks the rule and is rejected."""
    lines = [
        f"保護者{i // 2},{'電話なし' if i % 1000 == 999 else f'090-0000-{i // 2:04d}'},園児{i},{i % 6}組\n"
        for i in range(rows)
    ]
    return ("保護者名,電話番号,園児名,クラス\n" + "".join(lines)).encode()


def expected(rows: int) -> dict:
    rejected = rows // 1000
    return {
        "status": "done",
        "processedRows": rows,
        "parentsCreated": rows // 2,
        "childrenCreated": rows - rejected,
        "linksCreated": rows - rejected,
        "rejectedRows": rejected,
    }


def outcome(job: dict) -> dict:
    return {key: job[key] for key in expected(0)}


def stored(nursery_id: int) -> tuple[int, int, int]:
    """The nursery's parents, children and links."""
    with session_scope() as db:
        children = select(Child.id).where(Child.nursery_id == nursery_id)
        return (
            db.scalar(select(func.count()).select_from(Parent).where(Parent.nursery_id == nursery_id)),
            db.scalar(select(func.count()).select_from(children.subquery())),
            db.scalar(select(func.count()).select_from(Guardian).where(Guardian.child_id.in_(children))),
        )


@pytest.fixture
def nursery(db) -> tuple[int, dict[str, str]]:
    """An empty nursery and its staff's headers."""
    kaede = Nursery(code="kaede", name="かえで保育園")
    db.add(kaede)
    db.flush()
    staff = make_user(db, "staff-k", grants={"entry_logs": ("staff", str(kaede.id))})
    db.commit()
    return kaede.id, auth_headers(staff)


def no_task_left() -> None:
    """Wait for the last batch's pending task to go (the worker forgets it once the task returned)."""
    wait_for_job(lambda: pending() == [], timeout=60, message="the import's pending tasks to go")


def finished(client, headers, nursery_id: int, import_id: int) -> dict | None:
    job = progress(client, headers, nursery_id, import_id).json()
    return job if job["status"] in roster_import.FINISHED else None


def test_a_5000_row_import_is_run_by_the_worker_batch_by_batch(client, nursery, start_worker):
    nursery_id, staff = nursery
    start_worker()
    job = upload(client, staff, nursery_id, roster(5000)).json()
    done = wait_for_job(
        lambda: finished(client, staff, nursery_id, job["id"]),
        timeout=IMPORT_TIMEOUT,
        message="the import to finish",
    )
    assert outcome(done) == expected(5000)
    assert [row["row"] for row in done["rejected"]] == [1001, 2001, 3001, 4001, 5001]
    assert stored(nursery_id) == (2500, 4995, 4995)
    no_task_left()


def test_an_import_whose_worker_is_killed_mid_batch_is_finished_by_the_next_one(client, nursery, start_worker):
    nursery_id, staff = nursery
    first = start_worker()
    import_id = upload(client, staff, nursery_id, roster(2000)).json()["id"]

    def killed_after_a_batch() -> int | None:
        """Holding the job's lock (the worker's next batch waits for it), kill the worker once a batch committed."""
        with session_scope() as held:
            job = held.scalar(select(RosterImport).where(RosterImport.id == import_id).with_for_update())
            if job.processed_rows == 0:
                return None
            assert job.status == "running", "the import ended before the worker could be killed"
            first.kill()
            return job.processed_rows

    done_rows = wait_until(killed_after_a_batch, timeout=IMPORT_TIMEOUT, message="the first batch to commit")
    # The next batch's message is lost with the worker, also when a busy machine kept it from taking the message
    # before it was killed: only the pending task is left to carry the import on.
    purge_queue()
    waiting = pending()  # the next batch (and, killed before it forgot its own, the batch that committed)
    assert (roster_import.TASK, [import_id, done_rows]) in waiting and len(waiting) <= 2

    start_worker()
    with session_scope() as db:  # the beat's sweep once the leases ran out
        later = utcnow() + timedelta(seconds=get_settings().pending_task_lease_seconds, milliseconds=1)
        assert broker.send_pending(db, now=later) == len(waiting)
    done = wait_for_job(
        lambda: finished(client, staff, nursery_id, import_id),
        timeout=IMPORT_TIMEOUT,
        message="the import to finish",
    )
    assert outcome(done) == expected(2000)
    assert stored(nursery_id) == (1000, 1998, 1998)


def audited_creations(nursery_id: int) -> dict[str, tuple[int, int]]:
    """Per target type (parent, child): the import's create entries and the distinct records they name."""
    with session_scope() as db:
        entries = db.execute(
            select(AuditEntry.target_type, AuditEntry.target_id).where(
                AuditEntry.domain == "entry_logs", AuditEntry.action == "create"
            )
        ).all()
    return {
        kind: (sum(1 for t, _ in entries if t == kind), len({i for t, i in entries if t == kind}))
        for kind in ("parent", "child")
    }


@pytest.mark.postgres_only  # SQLite has no server to drop connections; its busy fault is tested in test_job_failures
def test_an_import_whose_connections_the_database_dropped_mid_batch_finishes_with_each_row_once(
    client, nursery, start_worker
):
    nursery_id, staff = nursery
    start_worker()
    import_id = upload(client, staff, nursery_id, roster(2000)).json()["id"]
    with get_engine().connect() as holder:

        def worker_waits_mid_batch() -> bool:
            """Hold the import's lock once a batch committed, until the worker's next batch waits for it."""
            if holder.in_transaction():
                return blocked_by(holder) >= 1
            holder.begin()
            job = holder.execute(select(RosterImport).where(RosterImport.id == import_id).with_for_update()).one()
            if job.processed_rows == 0:
                holder.rollback()
                return False
            assert job.status == "running", "the import ended before its connections could be dropped"
            return False

        wait_until(worker_waits_mid_batch, timeout=IMPORT_TIMEOUT, message="a batch to wait mid-way for the lock")
        assert drop_other_connections(get_engine()) >= 2  # the worker's, in its batch's transaction, and the holder's
        holder.invalidate()
    done = wait_for_job(
        lambda: finished(client, staff, nursery_id, import_id),
        timeout=IMPORT_TIMEOUT,
        message="the import to finish",
    )
    assert outcome(done) == expected(2000)
    assert stored(nursery_id) == (1000, 1998, 1998)
    assert audited_creations(nursery_id) == {"parent": (1000, 1000), "child": (1998, 1998)}
    no_task_left()


@pytest.fixture
def parents_refused(backend) -> Iterator[None]:
    """The database refuses every new parent (a trigger raising an error): a fault that does not pass by itself."""
    if backend == "postgres":
        create = [
            "CREATE FUNCTION refuse_parent() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$",
            "CREATE TRIGGER refuse_parent BEFORE INSERT ON entry_logs_parent "
            "FOR EACH ROW EXECUTE FUNCTION refuse_parent()",
        ]
        drop = ["DROP TRIGGER refuse_parent ON entry_logs_parent", "DROP FUNCTION refuse_parent()"]
    else:
        create = [
            "CREATE TRIGGER refuse_parent BEFORE INSERT ON entry_logs_parent "
            "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
        ]
        drop = ["DROP TRIGGER refuse_parent"]
    with get_engine().begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    yield
    with get_engine().begin() as connection:
        for statement in drop:
            connection.execute(text(statement))


def test_an_import_ended_by_a_real_database_fault_says_so_in_japanese_without_sql(
    client, nursery, start_worker, parents_refused
):
    nursery_id, staff = nursery
    start_worker()
    import_id = upload(client, staff, nursery_id, roster(500)).json()["id"]
    failed = wait_for_job(
        lambda: finished(client, staff, nursery_id, import_id),
        timeout=IMPORT_TIMEOUT,
        message="the import to end",
    )
    assert (failed["status"], failed["statusLabel"], failed["processedRows"]) == ("failed", "失敗", 0)
    assert failed["error"] == DATABASE_FAULT
    assert stored(nursery_id) == (0, 0, 0)
    no_task_left()
