"""入退管理's closing-time notice as the beat runs it: in a real worker, and three runs at once send what one sends."""

from datetime import time

import pytest
from sqlalchemy import select

from jobs.entry_logs import notify_closing_time
from service.database import session_scope, utcnow
from service.entry_logs.attendance import closing
from service.entry_logs.models import Nursery
from service.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.jobs.test_single_flight import Overlap, only_one_ran
from tests.service.entry_logs.attendance.test_closing import two_inside_one_left
from tests.service.entry_logs.world import make_world
from tests.support.waiting import wait_for_job


@pytest.fixture
def closed_with_two_inside(db) -> Nursery:
    """A nursery past today's closing time (00:00 has always passed) with two parents inside and one admin."""
    world = make_world(db, "sakura", name="さくら保育園")
    world.nursery.closing_time = time(0, 0)
    make_user(db, "el-admin", grants={"entry_logs": "admin"}, email="el-admin@example.jp")
    two_inside_one_left(db, world)
    return world.nursery


def closing_emails() -> list[tuple[str, str]]:
    with session_scope() as db:
        rows = db.execute(
            select(OutboxMessage.recipient, OutboxMessage.status).where(OutboxMessage.ref_type == closing.NOTICE_REF)
        )
        return [tuple(row) for row in rows]


@pytest.mark.slow
def test_the_worker_runs_the_notice_three_times_and_one_email_is_sent(closed_with_two_inside, start_worker):
    start_worker()
    for _ in range(3):
        notify_closing_time.delay()
    # the e-mail's delivery is queued by the first run behind the other two: once it is sent, all three have run
    wait_for_job(
        lambda: ("el-admin@example.jp", "sent") in closing_emails(),
        timeout=60,
        message="the closing e-mail",
    )
    assert closing_emails() == [("el-admin@example.jp", "sent")]


def test_three_overlapping_notice_runs_send_one_email(db, closed_with_two_inside, monkeypatch):
    results = Overlap(monkeypatch, closing, "_due").run(notify_closing_time)
    assert only_one_ran(results) == 1
    assert closing_emails() == [("el-admin@example.jp", "pending")]


@pytest.mark.postgres_only
def test_overlapping_notices_without_the_job_lock_claim_the_day_once(db, closed_with_two_inside, monkeypatch):
    """Without the job lock too (a manual call), the runs that all found the nursery due claim its day once."""

    def notice() -> int:
        with session_scope() as session:
            return closing.send_closing_notices(session, now=utcnow())

    assert sorted(Overlap(monkeypatch, closing, "_claim_day").run(notice)) == [0, 0, 1]
    assert closing_emails() == [("el-admin@example.jp", "pending")]
