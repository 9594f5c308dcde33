"""`python -m agent` as a real process: enrol, run until SIGTERM, status; configuration errors."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from service.config import REPO_ROOT
from tests.agent.conftest import Fleet, LiveService
from tests.support.waiting import wait_until


def _agent(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


@pytest.mark.slow
def test_enrol_run_and_stop_at_once_on_sigterm(fleet: Fleet, service: LiveService, tmp_path: Path) -> None:
    terminal_id = fleet.new_terminal("TC200-C0001")
    env = {
        **os.environ,
        "DAICHO_AGENT_SERVER_URL": service.url,
        "DAICHO_AGENT_STATE_DIR": str(tmp_path / "state"),
        "DAICHO_AGENT_DEVICE": "simulated",
        "DAICHO_AGENT_SIMULATED_SERIAL_NUMBER": "TC200-C0001",
        "DAICHO_AGENT_INTERVAL_OVERRIDE_SECONDS": "1",
        "DAICHO_AGENT_SPLAY_SECONDS": "0",
    }

    enrolled = _agent(["enroll", "--code", fleet.enrollment_code(terminal_id)], env)
    assert enrolled.returncode == 0, enrolled.stderr
    assert f"enrolled as terminal {terminal_id}" in enrolled.stdout

    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "run"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: fleet.heartbeats(terminal_id) >= 2, timeout=30, message="two heartbeats from the agent")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()

    log = (tmp_path / "state" / "logs" / "agent.log").read_text()
    assert "agent stopped" in log and "tct_" not in log
    status = json.loads(_agent(["status"], env).stdout)
    assert (status["terminal_id"], status["enrolled"]) == (terminal_id, True)
    assert fleet.terminal(terminal_id)["status"] == "online"


def test_configuration_error_exits_2_naming_the_rule(tmp_path: Path) -> None:
    env = {**os.environ, "DAICHO_AGENT_STATE_DIR": str(tmp_path), "DAICHO_AGENT_SERVER_URL": "http://tms.example.jp"}
    result = _agent(["run"], env)
    assert result.returncode == 2
    assert "server_url must use https" in result.stderr


def test_wrong_enrolment_code_exits_1(service: LiveService, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DAICHO_AGENT_STATE_DIR": str(tmp_path),
        "DAICHO_AGENT_SERVER_URL": service.url,
        "DAICHO_AGENT_DEVICE": "simulated",
    }
    result = _agent(["enroll", "--code", "WRONG-CODE-0000"], env)
    assert result.returncode == 1
    assert "invalid_enrollment_code" in result.stderr and "WRONG-CODE-0000" not in result.stderr
