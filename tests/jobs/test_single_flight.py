"""Periodic jobs run three times at once (a slow run and the next tick, two beat processes, a manual run) do what one
run does: every beat task is single-flight, and the entry-log archive also claims its rows with the delete itself."""

import gzip
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jobs import entry_logs as archive_job
from jobs import fleet as fleet_jobs
from jobs import reservations as reservation_jobs
from jobs.celery_app import app
from jobs.schedule import BEAT_SCHEDULE
from jobs.single_flight import SingleFlightTask, flight_name, single_flight
from service.config import get_settings
from service.database import session_scope, utcnow
from service.entry_logs import counts
from service.entry_logs.filters import LogFilter
from service.entry_logs.logs import service as logs
from service.entry_logs.models import EntryLog
from service.fleet.alerting import monitoring as fleet_monitoring
from service.outbox.models import OutboxMessage
from service.reservations.models import MonthlyStat, Notification
from service.reservations.monitoring import monitoring as reservation_monitoring
from service.reservations.reports import executive
from service.tenancy import TenantScope
from tests.factories import make_user
from tests.service.entry_logs.world import add_log, make_world
from tests.service.fleet.alerting.test_monitoring import fleet
from tests.service.fleet.conftest import make_customer

RUNS = 3
RENDEZVOUS_LIMIT = 60  # seconds: only reached when a run is stuck, never on the way to a pass


class Overlap:
    """Runs a job RUNS times at once and holds each run that reaches `point` until every other run has reached it too
    or has finished: the runs overlap as far as the code lets them, with no sleeps."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, point: str) -> None:
        self.ready = threading.Condition()
        self.arrived = self.finished = 0
        original = getattr(owner, point)

        def held(*args, **kwargs):
            with self.ready:
                self.arrived += 1
                self.ready.notify_all()
                if not self.ready.wait_for(lambda: self.arrived + self.finished >= RUNS, timeout=RENDEZVOUS_LIMIT):
                    raise AssertionError(f"runs did not meet at {point}")
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, point, held)

    def _one(self, job: Callable[[], object]) -> object:
        try:
            return job()
        finally:
            with self.ready:
                self.finished += 1
                self.ready.notify_all()

    def run(self, job: Callable[[], object]) -> list[object]:
        with ThreadPoolExecutor(RUNS) as pool:
            futures = [pool.submit(self._one, job) for _ in range(RUNS)]
            return [future.result() for future in futures]


def only_one_ran(results: list[object]) -> object:
    """The result of the one run that worked; the others found the lock taken and returned None."""
    done = [result for result in results if result is not None]
    assert len(done) == 1, results
    return done[0]


def test_every_task_of_the_beat_schedule_is_single_flight():
    app.loader.import_default_modules()
    assert [name for name in BEAT_SCHEDULE if not isinstance(app.tasks[name], SingleFlightTask)] == []


def test_a_held_lock_turns_other_runs_away_and_arguments_make_their_own_lock():
    with single_flight("test.job") as first:
        with single_flight("test.job") as second, single_flight(flight_name("test.job", (7,))) as other:
            assert (first, second, other) == (True, False, True)
    with single_flight("test.job") as again:
        assert again


@pytest.fixture
def aged_logs(db):
    """Six logs older than the retention and one recent, with their hourly counts."""
    world = make_world(db, "sakura", parents=2)
    now = utcnow()
    old = [add_log(db, world, world.parents[i % 2], "Entry", now - timedelta(days=400, hours=i)) for i in range(6)]
    recent = add_log(db, world, world.parents[0], "Exit", now - timedelta(days=3))
    db.commit()
    return [log.id for log in old], recent.id


def archived_ids(folder: Path) -> list[int]:
    return [json.loads(line)["id"] for path in folder.glob("*.jsonl.gz") for line in gzip.open(path, "rt")]


def live_count(db) -> int:
    total = counts.count_logs(db, flt=LogFilter(), scope=TenantScope("entry_logs", "nursery", None))
    db.commit()
    return total


def assert_archived_once(db, folder: Path, old: list[int], recent: int) -> None:
    assert sorted(archived_ids(folder)) == old  # every old row in exactly one file
    assert list(db.scalars(select(EntryLog.id))) == [recent]
    assert live_count(db) == 1
    assert not list(folder.glob("*.partial"))


def test_three_overlapping_archive_runs_archive_each_log_once(db, aged_logs, tmp_path, monkeypatch):
    old, recent = aged_logs
    monkeypatch.setattr(archive_job, "archive_folder", lambda: tmp_path)
    monkeypatch.setattr(get_settings(), "entry_logs_archive_batch", 2)
    results = Overlap(monkeypatch, logs, "_write_gzip_lines").run(archive_job.archive_old_logs)
    assert only_one_ran(results) == 6
    assert_archived_once(db, tmp_path, old, recent)


@pytest.mark.postgres_only
def test_overlapping_archive_batches_claim_different_rows(db, aged_logs, tmp_path, monkeypatch):
    """Without the job lock too (a retried batch, a manual call), each batch deletes, writes, uncounts its own rows."""
    old, recent = aged_logs

    def batch() -> int:
        with session_scope() as session:
            return logs.archive_batch(session, now=utcnow(), retention_days=365, folder=tmp_path, limit=2).rows

    assert Overlap(monkeypatch, logs, "_write_gzip_lines").run(batch) == [2, 2, 2]
    assert_archived_once(db, tmp_path, old, recent)


def test_three_overlapping_digest_runs_send_one_email_per_recipient(db, monkeypatch):
    make_user(db, "op", grants={"fleet": "operator"}, email="op@example.jp")
    make_user(db, "support", grants={"fleet": "support"}, email="support@example.jp")
    fleet(db, make_customer(db), 2, silent_for=timedelta(minutes=20))
    db.commit()
    fleet_jobs.mark_offline_terminals()
    monkeypatch.setattr(get_settings(), "fleet_alert_group_wait_seconds", 0)
    results = Overlap(monkeypatch, fleet_monitoring, "recipients").run(fleet_jobs.send_alert_digest)
    assert only_one_ran(results) == 2
    recipients = db.scalars(select(OutboxMessage.recipient).where(OutboxMessage.ref_type == "fleet_digest")).all()
    assert sorted(recipients) == ["op@example.jp", "support@example.jp"]


def test_three_overlapping_operation_checks_post_one_slack_alert(db, monkeypatch):
    monkeypatch.setattr(get_settings(), "reservations_queue_alert_threshold", -1)  # any queue length is "too long"
    results = Overlap(monkeypatch, reservation_monitoring, "notify_slack").run(reservation_jobs.check_operations)
    assert only_one_ran(results) == ["queue_length"]
    assert db.scalar(select(func.count()).select_from(Notification)) == 1
    assert db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.channel == "slack")) == 1


def test_three_overlapping_monthly_summaries_write_what_one_writes(db, monkeypatch):
    results = Overlap(monkeypatch, executive, "_month_rows").run(reservation_jobs.summarize_months)
    assert only_one_ran(results) == executive.RECOMPUTE_MONTHS
    months = db.scalars(select(MonthlyStat.month).where(MonthlyStat.dimension == "total")).all()
    assert len(months) == len(set(months)) == executive.RECOMPUTE_MONTHS
