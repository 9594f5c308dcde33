"""代替機's weekly 返却待ち digest as the beat runs it: in a real worker three runs tell each location once, and three
overlapping runs (with the job lock, and on PostgreSQL without it) queue what one run queues."""

import pytest
from sqlalchemy import select

from jobs.loaners import send_return_digest
from service.database import session_scope, utcnow
from service.loaners.returns import return_digest
from service.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.jobs.test_single_flight import Overlap, only_one_ran
from tests.service.loaners.conftest import initial_data  # noqa: F401 - the §8.1 locations in every test here
from tests.service.loaners.returns.test_returns import digests, followed  # noqa: F401 - followed is the fixture
from tests.support.waiting import wait_for_job

# Osaka and Kobe (関西) share the §8.1 group address; Tokyo (関東) has its own; the unscoped admin is told of each.
TOLD = [
    ("kobe", "boss@example.jp"),
    ("kobe", "test-group@example.com"),
    ("osaka", "boss@example.jp"),
    ("osaka", "test-group@example.com"),
    ("tokyo", "boss@example.jp"),
    ("tokyo", "tokyo@example.com"),
]


@pytest.fixture
def boss(db) -> None:
    make_user(db, "boss", email="boss@example.jp", grants={"loaners": "admin"})
    db.commit()


def sent() -> list[tuple[str, str]]:
    with session_scope() as db:
        rows = db.execute(
            select(OutboxMessage.ref_id, OutboxMessage.recipient).where(
                OutboxMessage.ref_type == return_digest.DIGEST_REF, OutboxMessage.status == "sent"
            )
        )
        return sorted(tuple(row) for row in rows)


@pytest.mark.slow
def test_the_worker_runs_the_digest_three_times_and_each_location_is_told_once(followed, boss, start_worker):
    start_worker()
    for _ in range(3):
        send_return_digest.delay()
    # the deliveries are queued behind the runs on the critical queue: once all are sent, the three runs have run
    wait_for_job(lambda: sent() == TOLD, timeout=90, message="the digest e-mails")
    assert digests() == TOLD


def test_three_overlapping_digest_runs_queue_what_one_run_queues(db, followed, boss, monkeypatch):
    results = Overlap(monkeypatch, return_digest, "_sections").run(send_return_digest)
    assert only_one_ran(results) == len(TOLD)
    assert digests() == TOLD


@pytest.mark.postgres_only
def test_overlapping_digests_without_the_job_lock_claim_each_locations_week_once(db, followed, boss, monkeypatch):
    """Without the job lock too (a manual call), the runs that all found the locations due claim each week once."""

    def digest() -> int:
        with session_scope() as session:
            return return_digest.send_digests(session, now=utcnow())

    assert sorted(Overlap(monkeypatch, return_digest, "_claim").run(digest)) == [0, 0, len(TOLD)]
    assert digests() == TOLD
