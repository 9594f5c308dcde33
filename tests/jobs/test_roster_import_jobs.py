"""The roster import through a real Celery worker: 5,000 rows batch by batch, and a worker killed mid-batch whose
import the pending-task sweep hands to the next worker once its lease ran out, each batch applied once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service import broker
from service.config import get_settings
from service.database import session_scope, utcnow
from service.entry_logs import roster_import
from service.entry_logs.models import Child, Guardian, Nursery, Parent, RosterImport
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.test_roster_import import pending, progress, upload
from tests.support.waiting import wait_until
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


def finished(client, headers, nursery_id: int, import_id: int) -> dict | None:
    job = progress(client, headers, nursery_id, import_id).json()
    return job if job["status"] in roster_import.FINISHED else None


def test_a_5000_row_import_is_run_by_the_worker_batch_by_batch(client, nursery, start_worker):
    nursery_id, staff = nursery
    start_worker()
    job = upload(client, staff, nursery_id, roster(5000)).json()
    done = wait_until(
        lambda: finished(client, staff, nursery_id, job["id"]), timeout=IMPORT_TIMEOUT, message="the import to finish"
    )
    assert outcome(done) == expected(5000)
    assert [row["row"] for row in done["rejected"]] == [1001, 2001, 3001, 4001, 5001]
    assert stored(nursery_id) == (2500, 4995, 4995)
    assert pending() == []


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
    done = wait_until(
        lambda: finished(client, staff, nursery_id, import_id), timeout=IMPORT_TIMEOUT, message="the import to finish"
    )
    assert outcome(done) == expected(2000)
    assert stored(nursery_id) == (1000, 1998, 1998)
