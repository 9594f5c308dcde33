"""Scale-out (docs/operations.md, Scaling out): two API processes and two critical-queue Celery workers, with the bulk
worker and the one beat, on one PostgreSQL and Redis, each started from docker-compose.yml's own command as `docker
compose up --scale api=2 --scale worker=2` would (the apis from its server step: the run migrated its database once,
and the api's whole entrypoint runs in test_production_shape). Agents' heartbeats are taken by both APIs, every periodic
job that beat sends runs once per tick and a run already going holds the others off across processes
(jobs/single_flight.py), and each outbox e-mail reaches the SMTP server exactly once while the two workers' deliveries
and sweeps race for the same rows."""

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from jobs.schedule import BEAT_SCHEDULE
from jobs.single_flight import single_flight
from service.database import session_scope
from service.fleet.models import Terminal
from service.outbox.models import OutboxMessage
from service.outbox.service import enqueue
from tests.service.fleet.conftest import make_customer, make_terminal, send
from tests.support.compose import Shape, secret_values
from tests.support.smtp import smtp_sink  # noqa: F401  (fixture)
from tests.support.waiting import wait_until
from tests.support.worker import purge_queue

pytestmark = [pytest.mark.postgres_only, pytest.mark.stack]

START_TIMEOUT = 90
MAILS = 12
HELD_JOB = "fleet.send_alert_digest"  # every 10 s: the test holds its lock as a long run on another machine would
WORKERS = ("worker", "worker-2", "worker-bulk")
SENT = re.compile(r"Sending due task \S+ \((?P<task>[\w.]+)\)")
RAN = re.compile(r"Task (?P<task>[\w.]+)\[(?P<id>[\w-]+)\] succeeded")
SKIPPED = re.compile(r"(?P<task>[\w.]+) skipped: another run holds its lock")


@pytest.fixture
def cluster(tmp_path: Path, smtp_sink) -> Iterator[tuple[Shape, object]]:  # noqa: F811
    """api (one process each) and worker twice, worker-bulk and beat once; e-mail goes to the SMTP test server."""
    sink, port = smtp_sink
    values = secret_values() | {"API_WORKERS": "1", "APP_EMAIL_PROVIDER": "smtp", "APP_SMTP_PORT": str(port)}
    data_dir = tmp_path / "app-data"
    data_dir.mkdir()
    shape = Shape(values, data_dir, tmp_path)
    purge_queue()
    yield shape, sink
    shape.stop()


def log_matches(shape: Shape, pattern: re.Pattern, *names: str) -> list[re.Match]:
    return [m for name in names for m in pattern.finditer(shape.services[name].log_path.read_text(errors="replace"))]


def periodic_counts(shape: Shape) -> tuple[Counter, Counter, Counter]:
    """Per periodic task: how often beat sent it, how often it ran on any worker, how often a run was held off."""
    sent = Counter(m["task"] for m in log_matches(shape, SENT, "beat"))
    ran = Counter(m["task"] for m in log_matches(shape, RAN, *WORKERS) if m["task"] in BEAT_SCHEDULE)
    skipped = Counter(m["task"] for m in log_matches(shape, SKIPPED, *WORKERS))
    return sent, ran, skipped


def seed_terminals() -> list[str]:
    """Two enrolled terminals' agent tokens."""
    with session_scope() as db:
        customer = make_customer(db)
        return [make_terminal(db, customer, f"TC200-SCALE{n}")[1] for n in (1, 2)]


def queue_mails() -> None:
    """E-mails queued as a request would: each also sent to the workers at commit, and swept by dispatch_outbox."""
    with session_scope() as db:
        for n in range(MAILS):
            enqueue(db, channel="email", recipient=f"ops{n}@example.jp", subject=f"scale-out {n}", body="本文")


def test_two_apis_and_two_workers_share_the_work_each_job_once_each_mail_once(cluster):
    shape, sink = cluster
    tokens = seed_terminals()
    with single_flight(HELD_JOB) as taken:  # taken before beat starts: its first ticks of the job find it held
        assert taken
        for replica in (1, 2):  # all at once
            shape.start("api", replica, server_only=True)
        for name, replica in (("worker", 1), ("worker", 2), ("worker-bulk", 1), ("beat", 1)):
            shape.start(name, replica)
        wait_until(lambda: shape.answering("api") and shape.answering("api-2"), START_TIMEOUT, 0.5, "both apis")
        for first, second in (("api", "api-2"), ("api-2", "api")):  # each terminal beats through both APIs
            for token, api in zip(tokens, (first, second), strict=True):
                with httpx.Client(base_url=shape.url(api), timeout=30) as http:
                    assert send(http, token).status_code == 200
        queue_mails()
        wait_until(lambda: periodic_counts(shape)[2][HELD_JOB], START_TIMEOUT, 0.5, "a tick of the held job")
        _, ran, skipped = periodic_counts(shape)
        assert ran[HELD_JOB] <= skipped[HELD_JOB]  # while the lock is held elsewhere, no run does the work

    with session_scope() as db:
        beats = db.scalars(select(Terminal.last_heartbeat_at).where(Terminal.serial_number.like("TC200-SCALE%")))
        assert all(beats.all())
    wait_until(lambda: len(sink.messages) >= MAILS and all_sent(), START_TIMEOUT, 0.5, "every e-mail sent")

    def every_tick_ran_once() -> bool:
        sent, ran, _ = periodic_counts(shape)
        return sent["platform.dispatch_outbox"] >= 2 and sent == ran

    wait_until(every_tick_ran_once, START_TIMEOUT, 0.5, "each job beat sent to run once, on one worker")
    delivered = Counter(message["Subject"] for message in sink.messages)
    assert delivered == Counter({f"scale-out {n}": 1 for n in range(MAILS)})
    assert all(log_matches(shape, RAN, name) for name in ("worker", "worker-2"))  # both critical workers took tasks


def all_sent() -> bool:
    with session_scope() as db:
        statuses = db.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.channel == "email")
            .group_by(OutboxMessage.status)
        ).all()
    return dict(statuses) == {"sent": MAILS}
