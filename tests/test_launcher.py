"""tools/run.py: starts the API, a worker per class of work, the dashboards and the demo agents, and leaves no
process behind (what a child's death does is checked on stand-ins: tests/support/stand_in_run.py). It starts on a copy
of the run's database, which the run migrated once (Alembic's `upgrade heads`, as `make run` migrates)."""

import os
import queue
import re
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
from service.database import get_engine
from service.demo.framework import demo_logins
from service.demo.platform import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD
from service.task_queues import BULK, CRITICAL, QUEUES
from tests.support import stand_in_run
from tests.support.database import copy_sqlite_database
from tests.support.waiting import wait_until
from tools import run

# embedded_only: tools.run always starts the embedded defaults
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.stack]

START_TIMEOUT = 120
STOP_TIMEOUT = 60
AGENTS_TIMEOUT = 120  # enrolment, then a first heartbeat within one 30 s interval
BANNER = "Daichō is running"
FIRST_STEPS = "最初に開く: "
NEW_STORE = "横浜みなとみらい店"  # the demo's terminals that no agent holds yet
STAND_IN_RUN = "tests.support.stand_in_run"  # tools.run supervising stand-ins: what a death does, in a second


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
        self.admin_token: str | None = None
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.api_port}")  # one client for every poll

    def environment(self) -> dict[str, str]:
        return os.environ | {
            "APP_DATA_DIR": str(self.data_dir),
            "APP_DATABASE_URL": f"sqlite:///{self.data_dir / 'daicho.db'}",
            "APP_REDIS_URL": "",
            "APP_API_PORT": str(self.api_port),
            "APP_DASHBOARD_PORT": str(self.dashboard_port),
        }

    def prepare(self, *argv: str) -> None:
        subprocess.run([sys.executable, *argv], cwd=REPO_ROOT, env=self.environment(), check=True, capture_output=True)

    def start(self) -> None:
        """Copy the run's migrated database, load the demo accounts and a small fleet demo into the copy
        (tests/support/small_demo.py), start tools.run."""
        copy_sqlite_database(get_engine(), self.data_dir / "daicho.db")
        self.prepare("-m", "tests.support.small_demo")
        self.launch("tools.run")

    def launch(self, module: str, **env: str) -> None:
        """`python -m module` with the launcher's environment and these variables."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=REPO_ROOT,
            env=self.environment() | env,
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

    def wait_for_line(self, text: str | None, timeout: float) -> bool:
        """Read output until a line contains text (True) or the output ends or the deadline passes (False);
        with None, read to the end."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                return False
            self.output.append(line)
            if text is not None and text in line:
                return True
        return False

    def log(self) -> str:
        """The last lines of the output read so far, and of whatever else is already waiting to be read."""
        while not self.lines.empty():
            line = self.lines.get()
            if line is not None:
                self.output.append(line)
        return "".join(self.output[-60:])

    def api(self, path: str, **params) -> dict:
        """GET as the demo admin (signed in once: a bcrypt check per poll would load the machine under test)."""
        if self.admin_token is None:
            login = self.http.post("/api/auth/login", json={"login_id": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
            self.admin_token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return self.http.get(path, params=params, headers=headers).json()

    def stop(self) -> int:
        """Ctrl-C, then the exit code; the output up to the end is kept."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=STOP_TIMEOUT)
        self.wait_for_line(None, timeout=5)
        return code


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
    launched.http.close()
    if launched.process and launched.process.poll() is None:
        os.killpg(launched.process.pid, signal.SIGKILL)
        launched.process.wait()
    for straggler in processes_of(tmp_path):
        straggler.kill()


def test_everything_answers_the_demo_agents_heartbeat_and_ctrl_c_stops_every_process(launcher: Launcher):
    launcher.start()
    assert launcher.wait_for_line(BANNER, START_TIMEOUT), launcher.log()
    assert httpx.get(f"http://127.0.0.1:{launcher.api_port}/api/health").json() == {"status": "ok"}
    assert httpx.get(f"http://127.0.0.1:{launcher.dashboard_port}/").status_code == 200

    def agents_online() -> bool:
        return launcher.api("/api/fleet/terminals", q=NEW_STORE, status="online")["total"] == run.DEMO_AGENTS

    try:
        wait_until(agents_online, AGENTS_TIMEOUT, interval=1, message="the demo agents' terminals online")
    except AssertionError:
        launcher.stop()
        raise AssertionError(f"the demo agents' terminals are not online:\n{launcher.log()}") from None
    started = processes_of(launcher.data_dir)
    names = " ".join(" ".join(proc.cmdline()) for proc in started)
    assert "service.serve" in names and "celery" in names and "streamlit" in names and "agent.simulate" in names
    assert all(f"-Q {queue} " in names for queue in QUEUES)  # a worker per class of work
    children = [proc.environ() for proc in started if proc.pid != launcher.process.pid]
    links = {(env["APP_PUBLIC_BASE_URL"], env["APP_DASHBOARD_URL"]) for env in children}
    assert links == {(f"http://127.0.0.1:{launcher.api_port}", f"http://127.0.0.1:{launcher.dashboard_port}")}
    assert ADMIN_PASSWORD not in names
    assert launcher.stop() == 0, launcher.log()
    assert processes_of(launcher.data_dir) == []
    assert '"heartbeats_ok"' in launcher.log()  # the agents said goodbye with their summary
    assert "daicho.access" not in launcher.log()  # the agents' logins and enrolments went unlogged
    assert printed_after_the_banner(launcher.output) == []  # start-up output came before it, quiet logs since


def printed_after_the_banner(output: list[str]) -> list[str]:
    """What was printed after the banner's last line (where to start) and before the launcher began to stop."""
    lines = [line.strip() for line in output]
    start = next(i for i, line in enumerate(lines) if line.startswith(FIRST_STEPS))
    return [line for line in lines[start + 1 : lines.index("[run] stopping")] if line]


def test_a_dead_demo_agent_is_logged_and_the_platform_keeps_running(launcher: Launcher):
    launcher.launch(STAND_IN_RUN)
    assert launcher.wait_for_line("[run] agents exited with code 1: the platform keeps running", START_TIMEOUT), (
        launcher.log()
    )
    assert launcher.process.poll() is None
    still_running = " ".join(" ".join(proc.cmdline()) for proc in processes_of(launcher.data_dir))
    assert stand_in_run.HEALTH_ONLY_API in still_running and stand_in_run.WITH_HELPER in still_running
    assert launcher.stop() == 0, launcher.log()
    assert processes_of(launcher.data_dir) == []


def test_app_demo_agents_0_leaves_the_agents_out_and_their_password_stays_off_the_command_line(monkeypatch):
    agents = run.demo_agents(8000)
    assert ADMIN_PASSWORD not in agents.argv and agents.env["DAICHO_SIM_ADMIN_PASSWORD"] == ADMIN_PASSWORD
    assert not agents.essential and run.demo_agents_wanted()
    monkeypatch.setenv("APP_DEMO_AGENTS", "0")
    assert not run.demo_agents_wanted()


def test_the_banner_names_every_demo_login_and_ends_with_where_to_start():
    """Every login the demo's hooks declare (tests/test_demo.py: those a full load creates), with its password."""
    text = run.banner(9100, 9601, agents=True)
    named = set(re.findall(r"[\w-]+", text))
    assert {login.login_id for login in demo_logins()} <= named
    assert f"password {DEMO_PASSWORD}" in text and f"{ADMIN_LOGIN} / {ADMIN_PASSWORD}" in text
    last = text.strip().splitlines()[-1].strip()
    assert last == "最初に開く: http://127.0.0.1:9601 → admin / daicho-admin で ログイン → 端末管理 › ダッシュボード"


def test_the_children_log_warnings_and_errors_unless_asked_for_more(monkeypatch):
    def levels() -> dict[str, str]:
        flags = ("--log-level", "--loglevel", "--logger.level")
        return {
            child.name: child.argv[child.argv.index(flag) + 1]
            for child in run.children(9100, 9601)
            for flag in flags
            if flag in child.argv
        }

    monkeypatch.delenv("APP_RUN_LOG_LEVEL", raising=False)
    assert levels() == {"api": "warning", "worker": "warning", "worker-bulk": "warning", "dashboards": "warning"}
    monkeypatch.setenv("APP_RUN_LOG_LEVEL", "INFO")
    assert levels() == {"api": "info", "worker": "info", "worker-bulk": "info", "dashboards": "info"}
    monkeypatch.setenv("APP_RUN_LOG_LEVEL", "chatty")
    with pytest.raises(SystemExit, match="APP_RUN_LOG_LEVEL must be one of debug, info, warning, error"):
        run.children(9100, 9601)


def test_the_dashboards_believe_a_forwarded_address_only_from_the_trusted_proxies(monkeypatch):
    """tests/browser/test_proxy.py: a browser's own X-Forwarded-For is not believed by the server so started."""
    monkeypatch.delenv("APP_TRUSTED_PROXIES", raising=False)
    dashboards = next(child for child in run.children(9100, 9601) if child.name == "dashboards")
    assert dashboards.env == {"FORWARDED_ALLOW_IPS": ""}  # uvicorn's own default would believe loopback
    assert "--server.fileWatcherType" in dashboards.argv and "dashboards/serve.py" in dashboards.argv
    monkeypatch.setenv("APP_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    assert run.dashboards_environment() == {"FORWARDED_ALLOW_IPS": "10.0.0.5,10.1.0.0/16"}


def test_a_worker_per_class_of_work_and_beat_beside_the_critical_one_only():
    workers = [child.argv for child in run.children(9100, 9601) if "celery" in child.argv]
    taken = {argv[argv.index("-Q") + 1]: "-B" in argv for argv in workers}
    assert taken == {CRITICAL: True, BULK: False}
    assert len({argv[argv.index("-n") + 1] for argv in workers}) == len(workers)  # node names of their own


def test_the_access_log_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("APP_ACCESS_LOG", raising=False)
    assert run.child_environment(9100, 9601)["APP_ACCESS_LOG"] == "0"
    monkeypatch.setenv("APP_ACCESS_LOG", "1")
    assert run.child_environment(9100, 9601)["APP_ACCESS_LOG"] == "1"


def test_make_run_passes_its_access_log_and_log_level_options_on():
    dry = subprocess.run(
        ["make", "-n", "run", "ACCESS_LOG=1", "LOG_LEVEL=info"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    launch = next(line for line in dry.stdout.splitlines() if line.endswith("-m tools.run"))
    assert launch.startswith("APP_ACCESS_LOG=1 APP_RUN_LOG_LEVEL=info ")


def test_public_links_follow_moved_ports_unless_set_explicitly(monkeypatch):
    monkeypatch.delenv("APP_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("APP_DASHBOARD_URL", raising=False)
    env = run.child_environment(9100, 9601)
    assert (env["APP_API_URL"], env["APP_PUBLIC_BASE_URL"]) == ("http://127.0.0.1:9100", "http://127.0.0.1:9100")
    assert env["APP_DASHBOARD_URL"] == "http://127.0.0.1:9601"  # loaner QR codes
    monkeypatch.setenv("APP_PUBLIC_BASE_URL", "https://qrv.example.jp")
    env = run.child_environment(9100, 9601)
    assert (env["APP_PUBLIC_BASE_URL"], env["APP_DASHBOARD_URL"]) == ("https://qrv.example.jp", "http://127.0.0.1:9601")


def test_the_api_and_the_dashboards_share_a_dashboards_key_without_setup(monkeypatch):
    monkeypatch.delenv("APP_DASHBOARDS_KEY", raising=False)
    made = run.child_environment(9100, 9601)["APP_DASHBOARDS_KEY"]
    assert len(made) >= 32  # every child gets this one environment: the API and the dashboards hold the same key
    monkeypatch.setenv("APP_DASHBOARDS_KEY", "k" * 40)
    assert run.child_environment(9100, 9601)["APP_DASHBOARDS_KEY"] == "k" * 40


def test_a_child_that_dies_stops_the_others_and_their_helpers_and_fails(launcher: Launcher):
    launcher.launch(STAND_IN_RUN, **{stand_in_run.EXIT_CODE_ENV: "3"})
    assert launcher.wait_for_line("[run] api exited with code 3: stopping the others", START_TIMEOUT), launcher.log()
    assert launcher.process.wait(timeout=STOP_TIMEOUT) == 1, launcher.log()
    assert processes_of(launcher.data_dir) == []
