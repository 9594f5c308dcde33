"""tools/run.py: starts the API, the worker and the dashboards, and leaves no process behind when it stops."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from service.config import REPO_ROOT

pytestmark = pytest.mark.slow

START_TIMEOUT = 120
STOP_TIMEOUT = 60
BANNER = "Daichō is running"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Launcher:
    """tools.run in a subprocess; its output (and its children's) is read line by line on a thread."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.api_port, self.dashboard_port = free_port(), free_port()
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        return os.environ | {
            "APP_DATA_DIR": str(self.data_dir),
            "APP_DATABASE_URL": f"sqlite:///{self.data_dir / 'daicho.db'}",
            "APP_REDIS_URL": "",
            "APP_API_PORT": str(self.api_port),
            "APP_DASHBOARD_PORT": str(self.dashboard_port),
        }

    def start(self) -> None:
        env = self.environment()
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "heads"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.run"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_line(self, text: str, timeout: float) -> bool:
        """Read output until a line contains text (True) or the output ends or the deadline passes (False)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                return False
            self.output.append(line)
            if text in line:
                return True
        return False

    def log(self) -> str:
        return "".join(self.output[-60:])


def processes_of(data_dir: Path) -> list[psutil.Process]:
    """Every live process started with this data dir in its environment."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and proc.environ().get("APP_DATA_DIR") == str(data_dir):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    launched = Launcher(tmp_path)
    yield launched
    if launched.process and launched.process.poll() is None:
        os.killpg(launched.process.pid, signal.SIGKILL)
        launched.process.wait()
    for straggler in processes_of(tmp_path):
        straggler.kill()


def test_everything_answers_and_ctrl_c_stops_every_process(launcher: Launcher):
    launcher.start()
    assert launcher.wait_for_line(BANNER, START_TIMEOUT), launcher.log()
    assert httpx.get(f"http://127.0.0.1:{launcher.api_port}/api/health").json() == {"status": "ok"}
    assert httpx.get(f"http://127.0.0.1:{launcher.dashboard_port}/").status_code == 200
    started = processes_of(launcher.data_dir)
    names = " ".join(" ".join(proc.cmdline()) for proc in started)
    assert "uvicorn" in names and "celery" in names and "streamlit" in names
    launcher.process.send_signal(signal.SIGINT)
    assert launcher.process.wait(timeout=STOP_TIMEOUT) == 0, launcher.log()
    assert processes_of(launcher.data_dir) == []


def test_a_child_that_dies_stops_the_others_and_fails(launcher: Launcher):
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", launcher.api_port))
        squatter.listen()
        launcher.start()
        assert launcher.wait_for_line("[run] api exited", START_TIMEOUT), launcher.log()
        assert launcher.process.wait(timeout=STOP_TIMEOUT) == 1, launcher.log()
    assert processes_of(launcher.data_dir) == []
