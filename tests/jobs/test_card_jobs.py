"""The barcode card PDF made by a real worker from the job a request queued after its commit, and the beat's purge
of documents past their retention."""

from datetime import timedelta

import pytest

from jobs.platform import purge_documents
from jobs.schedule import BEAT_SCHEDULE
from tests.service.entry_logs.test_cards import ask_for_cards, cards_url, page_count
from tests.service.entry_logs.world import make_world, staff_headers
from tests.support.waiting import wait_until


@pytest.mark.slow
def test_a_worker_makes_the_pdf_of_300_parents_and_the_job_shows_its_progress(client, db, start_worker):
    world = make_world(db, "big", name="おおぞら保育園", parents=300)
    db.commit()
    headers = staff_headers(db, world)
    start_worker(APP_ENTRY_LOGS_CARDS_BATCH="50")

    job = ask_for_cards(client, headers, world.nursery.id)
    assert (job["status"], job["pagesDone"], job["pagesTotal"]) == ("queued", 0, 30)
    progress: list[int] = []

    def ready() -> dict | None:
        answer = client.get(cards_url(world.nursery.id, job["id"]), headers=headers).json()
        progress.append(answer["pagesDone"])
        return answer if answer["status"] == "ready" else None

    done = wait_until(ready, timeout=120, message="the worker to make the card PDF")
    assert (done["pagesDone"], done["pagesTotal"], done["finishedAt"] is not None) == (30, 30, True)
    assert progress == sorted(progress) and progress[-1] == 30
    pdf = client.get(cards_url(world.nursery.id, job["id"], "file"), headers=headers)
    assert pdf.status_code == 200 and page_count(pdf.content) == 30


def test_the_beat_purges_documents_hourly():
    entry = BEAT_SCHEDULE["platform.purge_documents"]
    assert (entry["task"], entry["schedule"]) == (purge_documents.name, timedelta(hours=1))
