"""Start the whole product locally: the API, one Celery worker with beat, and the dashboards.

Each child runs in its own process group. Ctrl-C or SIGTERM stops every group (SIGTERM, then SIGKILL
after a grace period) and exits 0; if one child dies on its own, the others are stopped and the exit is 1.
Ports: APP_API_PORT (8000) and APP_DASHBOARD_PORT (8501).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TICK_SECONDS = 0.2
GRACE_SECONDS = 15.0
READY_TIMEOUT_SECONDS = 120.0


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None

    @property
    def pgid(self) -> int:
        return self.process.pid


def ports() -> tuple[int, int]:
    return int(os.environ.get("APP_API_PORT", "8000")), int(os.environ.get("APP_DASHBOARD_PORT", "8501"))


def children(api_port: int, dashboard_port: int) -> list[Child]:
    python = sys.executable
    return [
        Child(
            "api",
            [python, "-m", "uvicorn", "service.main:create_app", "--factory", "--host", HOST, "--port", str(api_port)],
        ),
        Child(
            "worker",
            [python, "-m", "celery", "-A", "jobs.celery_app", "worker", "-B", "--concurrency", "2", "-l", "info"],
        ),
        Child(
            "dashboards",
            [
                python,
                "-m",
                "streamlit",
                "run",
                "dashboards/streamlit_app.py",
                "--server.port",
                str(dashboard_port),
                "--server.address",
                HOST,
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
        ),
    ]


def child_environment(api_port: int) -> dict[str, str]:
    return os.environ | {"APP_API_URL": f"http://{HOST}:{api_port}", "PYTHONUNBUFFERED": "1"}


def start(child: Child, env: dict[str, str]) -> None:
    child.process = subprocess.Popen(child.argv, cwd=REPO_ROOT, env=env, process_group=0)


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (not zombie) processes of the group, wherever they were reparented."""
    members = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def stop_all(running: list[Child], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM each leader (so it shuts its own helpers down), then the rest of its group once the leader is gone,
    and SIGKILL every group still alive after the grace period."""
    for child in running:
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(child) for child in running):
        for child in running:
            if child.process.poll() is not None:
                signal_group(child.pgid, signal.SIGTERM)
        time.sleep(TICK_SECONDS)
    for child in running:
        if alive(child):
            print(f"[run] {child.name} did not stop within {grace:.0f}s: killing it", flush=True)
            signal_group(child.pgid, signal.SIGKILL)
        child.process.wait()


def alive(child: Child) -> bool:
    child.process.poll()
    return bool(group_members(child.pgid))


def answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def banner(api_port: int, dashboard_port: int) -> str:
    from service.demo.platform import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD, demo_accounts

    others = ", ".join(a.login_id for a in demo_accounts() if a.login_id != ADMIN_LOGIN)
    return "\n".join(
        [
            "",
            "  Daichō is running (Ctrl-C stops everything)",
            f"  Dashboards  http://{HOST}:{dashboard_port}",
            f"  API         http://{HOST}:{api_port}/api   (docs: http://{HOST}:{api_port}/docs)",
            f"  Demo logins {ADMIN_LOGIN} / {ADMIN_PASSWORD} (platform admin)",
            f"              {others} / {DEMO_PASSWORD}",
            "",
        ]
    )


class Stop:
    """Set by SIGINT, SIGTERM or SIGHUP; the main loop notices it on its next tick."""

    requested = False

    @classmethod
    def install(cls) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, cls._handle)

    @classmethod
    def _handle(cls, signum: int, _frame: object) -> None:
        cls.requested = True


def supervise(running: list[Child], api_port: int, dashboard_port: int) -> int:
    """Wait for a stop request (exit 0) or a child's death (exit 1); print the banner once everything answers."""
    ready_deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    announced = False
    while not Stop.requested:
        dead = next((child for child in running if child.process.poll() is not None), None)
        if dead is not None:
            print(f"[run] {dead.name} exited with code {dead.process.returncode}: stopping the others", flush=True)
            return 1
        if not announced and answers(f"http://{HOST}:{api_port}/api/health") and port_open(dashboard_port):
            print(banner(api_port, dashboard_port), flush=True)
            announced = True
        elif not announced and time.monotonic() > ready_deadline:
            print(f"[run] still waiting for the API on :{api_port} and the dashboards on :{dashboard_port}", flush=True)
            ready_deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        time.sleep(TICK_SECONDS)
    print("[run] stopping", flush=True)
    return 0


def main() -> int:
    api_port, dashboard_port = ports()
    Stop.install()
    env = child_environment(api_port)
    running: list[Child] = []
    code = 1
    try:
        for child in children(api_port, dashboard_port):
            start(child, env)
            running.append(child)
        code = supervise(running, api_port, dashboard_port)
    finally:
        stop_all(running)
    print(f"[run] all stopped (exit {code})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
