"""Agent footprint: RSS and CPU of one real agent process heartbeating against a real service.

    .venv/bin/python bench/agent_footprint.py [--seconds 120] [--interval 5]

Starts what it needs: its own PostgreSQL bench database (created and migrated; APP_BENCH_DATABASE_URL
overrides), the API under uvicorn, and `python -m agent run` installed from its wheel into a fresh venv (as a store
PC runs it: only its own dependencies, none of the repository's), with a simulated TC-200 and a pinned short interval
(far busier than the 5-minute production interval, so the CPU figure is an upper bound). Samples the agent with
psutil once a second, stops everything, removes its temporary files and prints ONE final JSON line, e.g.
{"agent_rss_mb": 31.2, "agent_cpu_percent_avg": 0.4, ...}. Targets: ≤ 40 MB RSS, < 1 % CPU on average.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from common import BENCH_DB

from tests.support.client_wheels import install_client

ROOT = Path(__file__).resolve().parent.parent
SERIAL = "BENCH-AGENT-0001"
BENCH_CUSTOMER = {
    "company_name": "ベンチ顧客",
    "contact_person": "ベンチ担当",
    "contact_email": "bench@example.jp",
    "contact_phone": "03-0000-0000",
}
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        pause.wait(0.2)


def configure_service_env(db_url: str, data_dir: Path) -> dict[str, str]:
    """Point this process (before any service import) and the service it starts at the bench database."""
    os.environ.update({"APP_DATABASE_URL": db_url, "APP_DATA_DIR": str(data_dir), "APP_ENV": "development"})
    sys.path.insert(0, str(ROOT))
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def prepare_database() -> None:
    """The bench database created when missing, emptied and migrated to head (bench/common.py)."""
    from common import fresh_bench_database

    fresh_bench_database()


def enrolment_code() -> str:
    """The bench terminal (created once) and a fresh one-time code for it, through the service layer."""
    from sqlalchemy import select

    from service.audit.service import Actor
    from service.database import session_scope, utcnow
    from service.fleet import credentials
    from service.fleet.models import Customer, Terminal
    from service.fleet.registry import customers, terminals
    from service.fleet.registry.schemas import CustomerCreate, TerminalCreate
    from service.tenancy import TenantScope

    actor = Actor(type="cli", label="bench")
    with session_scope() as db:
        terminal = db.scalar(select(Terminal).where(Terminal.serial_number == SERIAL))
        if terminal is None:
            customer = db.scalar(
                select(Customer).where(Customer.company_name == BENCH_CUSTOMER["company_name"])
            ) or customers.create_customer(db, data=CustomerCreate(**BENCH_CUSTOMER), actor=actor)
            terminal = terminals.create_terminal(
                db,
                data=TerminalCreate(serial_number=SERIAL, customer_id=customer.id, store_name="ベンチ店舗"),
                scope=TenantScope("fleet", "customer", None),
                actor=actor,
            )
        code, _ = credentials.create_enrollment_code(db, terminal=terminal, actor=actor, now=utcnow())
    return code


def start_service(env: dict[str, str], port: int, log_file) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=log_file,
    )

    def up() -> bool:
        if proc.poll() is not None:
            raise SystemExit("the service exited while starting")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, START_TIMEOUT, "the service")
    return proc


def agent_env(state_dir: Path, port: int, interval: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DAICHO_AGENT_")) and k != "PYTHONPATH"}
    return {
        **env,
        "DAICHO_AGENT_SERVER_URL": f"http://127.0.0.1:{port}",
        "DAICHO_AGENT_STATE_DIR": str(state_dir),
        "DAICHO_AGENT_DEVICE": "simulated",
        "DAICHO_AGENT_SIMULATED_SERIAL_NUMBER": SERIAL,
        "DAICHO_AGENT_INTERVAL_OVERRIDE_SECONDS": str(interval),
        "DAICHO_AGENT_SPLAY_SECONDS": "0",
    }


def sample(proc: psutil.Process, seconds: float) -> dict[str, float]:
    """RSS every second; CPU as the process's CPU time over the wall time of the window."""
    pause = threading.Event()
    rss: list[int] = []
    cpu_start, wall_start = sum(proc.cpu_times()[:2]), time.monotonic()
    while time.monotonic() - wall_start < seconds:
        rss.append(proc.memory_info().rss)
        pause.wait(1.0)
    cpu = sum(proc.cpu_times()[:2]) - cpu_start
    wall = time.monotonic() - wall_start
    return {
        "agent_rss_mb": round(max(rss) / 2**20, 1),
        "agent_rss_mb_avg": round(sum(rss) / len(rss) / 2**20, 1),
        "agent_cpu_percent_avg": round(100 * cpu / wall, 2),
    }


def heartbeats_since(since) -> int:
    """Heartbeats the service stored for the bench terminal since the given time (one metric sample each)."""
    from sqlalchemy import func, select

    from service.database import session_scope
    from service.fleet.models import MetricSample, Terminal

    with session_scope() as db:
        stmt = (
            select(func.count())
            .select_from(MetricSample)
            .join(Terminal, Terminal.id == MetricSample.terminal_id)
            .where(Terminal.serial_number == SERIAL, MetricSample.recorded_at >= since)
        )
        return db.scalar(stmt) or 0


def stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="sampling window")
    parser.add_argument("--interval", type=int, default=5, help="heartbeat interval pinned on the agent")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="daicho-agent-bench-"))
    env = configure_service_env(BENCH_DB, work / "data")
    service = agent = None
    try:
        prepare_database()
        port = free_port()
        with (work / "service.log").open("wb") as service_log:
            service = start_service(env, port, service_log)
            state_dir = work / "agent"
            a_env = agent_env(state_dir, port, args.interval)
            agent_python = install_client("agent", work) / "python"
            subprocess.run(
                [agent_python, "-m", "agent", "enroll", "--code", enrolment_code()],
                cwd=work,
                env=a_env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            started = datetime.now(UTC)
            agent = subprocess.Popen(
                [agent_python, "-m", "agent", "run"],
                cwd=work,
                env=a_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_until(lambda: heartbeats_since(started) > 0, START_TIMEOUT, "the agent's first heartbeat")
            result = sample(psutil.Process(agent.pid), args.seconds)
            if agent.poll() is not None:
                raise SystemExit("the agent exited during the run")
            result["heartbeats"] = heartbeats_since(started)
    finally:
        stop(agent)
        stop(service)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({**result, "interval_seconds": args.interval, "seconds": args.seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
