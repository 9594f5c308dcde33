"""The barcode card PDF made by a real worker from the job a request queued after its commit, chunk by chunk: another
nursery's small job runs between a large job's chunks, a job whose worker was killed resumes from its last committed
chunk, a job whose message the broker lost is sent again by the sweep; and the beat's purge of documents past their
retention."""

import io
from datetime import datetime, timedelta

import pytest
import redis
from pypdf import PdfReader
from sqlalchemy import select

from jobs.platform import purge_documents
from jobs.schedule import BEAT_SCHEDULE
from service import broker
from service.config import get_settings
from service.database import session_scope, utcnow
from service.documents import DocumentJob
from tests.service.entry_logs.test_cards import ask_for_cards, cards_url, page_count
from tests.service.entry_logs.world import make_world, staff_headers
from tests.support.waiting import wait_for_job, wait_until
from tests.support.worker import purge_queue

JOB_TIMEOUT = 300  # a deadline against a hang only
PARENTS = 80  # a card sheet holds 10: 8 pages, four chunks of 2: a worker killed after two of them leaves two to do
PAGES = PARENTS // 10


@pytest.mark.slow
def test_a_worker_makes_the_pdf_of_80_parents_and_the_job_shows_its_progress(client, db, start_worker):
    world = make_world(db, "big", name="おおぞら保育園", parents=PARENTS)
    db.commit()
    headers = staff_headers(db, world)
    start_worker(APP_ENTRY_LOGS_CARDS_BATCH="30", APP_DOCUMENT_CHUNK_PAGES="4")

    job = ask_for_cards(client, headers, world.nursery.id)
    assert (job["status"], job["pagesDone"], job["pagesTotal"]) == ("queued", 0, PAGES)
    progress: list[int] = []

    def ready() -> dict | None:
        answer = client.get(cards_url(world.nursery.id, job["id"]), headers=headers).json()
        progress.append(answer["pagesDone"])
        return answer if answer["status"] == "ready" else None

    done = wait_for_job(ready, timeout=JOB_TIMEOUT, message="the worker to make the card PDF")
    assert (done["pagesDone"], done["pagesTotal"], done["finishedAt"] is not None) == (PAGES, PAGES, True)
    assert progress == sorted(progress) and progress[-1] == PAGES
    pdf = client.get(cards_url(world.nursery.id, job["id"], "file"), headers=headers)
    assert pdf.status_code == 200 and page_count(pdf.content) == PAGES


def test_the_beat_purges_documents_hourly():
    entry = BEAT_SCHEDULE["platform.purge_documents"]
    assert (entry["task"], entry["schedule"]) == (purge_documents.name, timedelta(hours=1))


def job_row(job_id: int) -> DocumentJob:
    with session_scope() as db:
        job = db.get(DocumentJob, job_id)
        db.expunge(job)
        return job


def ready_job(client, headers, nursery_id: int, job_id: int) -> dict | None:
    answer = client.get(cards_url(nursery_id, job_id), headers=headers).json()
    assert answer["status"] != "failed", answer
    return answer if answer["status"] == "ready" else None


def pending_chunks(job_id: int) -> list[int]:
    """The chunks of the job whose pending tasks wait."""
    with session_scope() as db:
        return [row.args[1] for row in db.scalars(select(broker.PendingTask)) if row.args[0] == job_id]


def sweep_later(seconds: int) -> int:
    """The beat's pending-task sweep as it runs `seconds` from now."""
    with session_scope() as db:
        return broker.send_pending(db, now=utcnow() + timedelta(seconds=seconds, milliseconds=1))


def drop_broker_messages() -> None:
    """Lose every message the broker holds: Redis's database flushed, or the filesystem queue emptied."""
    url = get_settings().redis_url
    if url:
        client = redis.Redis.from_url(url)
        client.flushdb()
        client.close()
    else:
        purge_queue()


@pytest.fixture
def large(db):
    """A nursery of PARENTS parents (PAGES pages of cards) and its staff's headers."""
    world = make_world(db, "big", name="おおぞら保育園", parents=PARENTS)
    db.commit()
    return world, staff_headers(db, world, login_id="staff-big")


@pytest.mark.slow
def test_another_nurserys_small_job_finishes_between_a_large_jobs_chunks(client, db, large, start_worker):
    (big, big_staff), small = large, make_world(db, "small", name="こひつじ保育園")
    db.commit()
    small_staff = staff_headers(db, small, login_id="staff-small")
    large_job = ask_for_cards(client, big_staff, big.nursery.id)
    small_job = ask_for_cards(client, small_staff, small.nursery.id)
    start_worker(APP_DOCUMENT_CHUNK_PAGES="2")  # one worker: the large job's chunks queue behind the small job

    small_done = wait_for_job(
        lambda: ready_job(client, small_staff, small.nursery.id, small_job["id"]),
        timeout=JOB_TIMEOUT,
        message="the small job to be made",
    )
    done = wait_for_job(
        lambda: ready_job(client, big_staff, big.nursery.id, large_job["id"]),
        timeout=JOB_TIMEOUT,
        message="the large job to be made",
    )
    # the large job was queued first and its first chunk ran first: the small one was made between its chunks
    assert datetime.fromisoformat(small_done["finishedAt"]) < datetime.fromisoformat(done["finishedAt"])
    assert done["pagesDone"] == PAGES and len(job_row(large_job["id"]).parts) == PAGES // 2


@pytest.mark.slow
def test_a_job_whose_worker_is_killed_resumes_from_its_last_committed_chunk(client, large, start_worker):
    big, staff = large
    first = start_worker(APP_DOCUMENT_CHUNK_PAGES="2")
    job_id = ask_for_cards(client, staff, big.nursery.id)["id"]

    def killed_after_two_chunks() -> list[str] | None:
        """Holding the job's lock (the worker's next commit waits for it), kill the worker once two chunks committed."""
        with session_scope() as held:
            job = held.scalar(select(DocumentJob).where(DocumentJob.id == job_id).with_for_update())
            if len(job.parts) < 2:
                return None
            assert job.status == "running", "the job ended before the worker could be killed"
            first.kill()
            return list(job.parts)

    kept = wait_until(killed_after_two_chunks, timeout=JOB_TIMEOUT, message="two chunks to commit")
    purge_queue()  # whatever the killed worker had taken is lost with it: only the pending task carries the job on
    repeat = ask_for_cards(client, staff, big.nursery.id)
    assert (repeat["id"], repeat["status"], repeat["pagesDone"]) == (job_id, "running", 2 * len(kept))

    waiting = pending_chunks(job_id)  # the next chunk (and, killed before it forgot its own, the last committed)
    assert len(kept) in waiting and len(waiting) <= 2
    start_worker(APP_DOCUMENT_CHUNK_PAGES="2")
    assert sweep_later(get_settings().pending_task_lease_seconds) == len(waiting)  # sent again, leases run out
    wait_for_job(
        lambda: ready_job(client, staff, big.nursery.id, job_id),
        timeout=JOB_TIMEOUT,
        message="the job",
    )
    job = job_row(job_id)
    assert (
        job.parts[: len(kept)] == kept and len(job.parts) == PAGES // 2
    )  # the chunks committed before: not drawn again
    pdf = client.get(cards_url(big.nursery.id, job_id, "file"), headers=staff).content
    names = [page.extract_text().split()[1] for page in PdfReader(io.BytesIO(pdf)).pages]
    assert names == [f"big保護者{i}" for i in range(0, PARENTS, 10)]  # every page once, in order


@pytest.mark.slow
def test_a_job_whose_message_the_broker_lost_is_run_by_the_sweep(client, db, large, start_worker):
    big, staff = large
    job_id = ask_for_cards(client, staff, big.nursery.id)["id"]
    drop_broker_messages()  # a Redis flush (or restart without its data) after the job's task was sent
    start_worker()
    assert sweep_later(0) == 0  # sent at the commit: not late yet
    assert sweep_later(get_settings().pending_task_grace_seconds) == 1  # not started within the grace: sent again
    done = wait_for_job(
        lambda: ready_job(client, staff, big.nursery.id, job_id),
        timeout=JOB_TIMEOUT,
        message="the job",
    )
    assert done["pagesDone"] == PAGES
    # the worker forgets the merge's pending task just after the job is ready
    wait_for_job(no_pending_tasks, timeout=JOB_TIMEOUT, message="the last pending task to be forgotten")


def no_pending_tasks() -> bool:
    with session_scope() as session:
        return session.scalars(select(broker.PendingTask)).all() == []


def test_a_job_still_waiting_in_the_queue_is_not_sent_again(client, db, large):
    big, staff = large
    job_id = ask_for_cards(client, staff, big.nursery.id)["id"]
    grace = get_settings().pending_task_grace_seconds
    assert sweep_later(grace) == 0  # no worker took it yet, but its message waits in the bulk queue: not lost
    assert pending_chunks(job_id) == [0]
    drop_broker_messages()
    assert sweep_later(grace) == 1  # now it is lost: sent again
    assert sweep_later(grace) == 0  # and waits again
