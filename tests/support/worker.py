"""A real Celery worker process (prefork, one child) with the test environment, started and stopped per test.
It takes both classes' queues (service/task_queues.py) unless told which: a test can start one worker per class.
Each is the `celery worker` command, run with the test's environment in a session of its own by a child of the run's
worker parent (tests/support/worker_forks.py), which has imported the service once.

The conftest put APP_DATABASE_URL/APP_REDIS_URL/APP_DATA_DIR in os.environ, so the worker shares the test's
database and broker (the filesystem transport under APP_DATA_DIR on the SQLite pass, Redis on PostgreSQL).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from service.config import REPO_ROOT
from service.task_queues import QUEUES
from tests.support.waiting import wait_until

CELERY = str(Path(sys.executable).with_name("celery"))
START_TIMEOUT = 60
STOP_TIMEOUT = 10
# the run's environment as the conftest set it (its database and broker), before any test changed it: the worker
# parent imports the service with it
RUN_ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO_ROOT)}


class WorkerParent:
    """The run's worker parent (tests/support/worker_forks.py), started at the first worker; fork() answers a pid.
    It ends when the run does: its input closes with the run's process."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def fork(self, argv: list[str], env: dict[str, str], log_path: Path) -> int:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "tests.support.worker_forks"],
                    cwd=REPO_ROOT,
                    env=RUN_ENV,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            assert self.process.stdin is not None and self.process.stdout is not None
            self.process.stdin.write(json.dumps({"argv": argv, "env": env, "log": str(log_path)}) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise AssertionError(f"the worker parent exited (code {self.process.wait()}): its output is above")
        return int(answer)


PARENT = WorkerParent()


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path, queues: Sequence[str] = QUEUES) -> None:
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO_ROOT), **env}
        self.log_path = log_path
        self.queues = queues
        self.node = ""
        self.pid = 0

    def start(self) -> "WorkerProcess":
        """Start the worker in its own process group and return once it answers a ping."""
        self.node = f"{'-'.join(self.queues)}-test-{uuid.uuid4().hex[:8]}@localhost"
        command = [
            CELERY,
            "-A",
            "jobs.celery_app",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            ",".join(self.queues),
            "-n",
            self.node,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.log_path.touch()
        self.pid = PARENT.fork(command, self.env, self.log_path)
        wait_until(self._ready, timeout=START_TIMEOUT, message=f"worker {self.node} to say it is ready")
        return self

    def _ready(self) -> bool:
        """The worker logged that it is ready: its pool started and it consumes its queues (what a ping waited for,
        without the ping's round trips through the broker)."""
        if not self.alive():
            raise AssertionError(f"worker exited during start-up:\n{self.log_tail()}")
        return f"{self.node} ready." in self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        """The worker's main process still runs (the kernel reaps it at its end: its parent ignores SIGCHLD)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the whole process group (main process and pool children) at once, as a crash would."""
        if self.pid and self.alive():
            os.killpg(self.pid, signal.SIGKILL)
            wait_until(lambda: not self.alive(), timeout=STOP_TIMEOUT, message=f"worker {self.node} to end")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def purge_queue() -> None:
    """Drop task messages earlier tests left in the broker (deliveries queued by commits with no worker running)."""
    from jobs.celery_app import app

    app.control.purge()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """start_worker(**env) starts a real worker taking both queues with extra environment variables;
    start_worker(queues=[CRITICAL], **env) one taking only the given queues. Every one is killed after the test."""
    workers: list[WorkerProcess] = []
    purge_queue()

    def start(queues: Sequence[str] = QUEUES, **env: str) -> WorkerProcess:
        worker = WorkerProcess(env, tmp_path / f"worker-{len(workers) + 1}.log", queues)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.kill()  # a graceful shutdown takes seconds and nothing is left for the worker to finish
