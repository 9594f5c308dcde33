"""The gate says what it ran: `make check` cannot pass without its PostgreSQL pass (tools/test.py)."""

import os
import socket
import subprocess
import sys

from service.config import REPO_ROOT


def closed_port() -> int:
    """A port on this machine that nothing listens on (bound, then let go)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        return held.getsockname()[1]


def test_make_check_fails_when_postgresql_is_unreachable() -> None:
    url = f"postgresql+psycopg://127.0.0.1:{closed_port()}/test"
    env = os.environ | {"APP_TEST_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "tools.test", "check"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "PostgreSQL not reachable" in done.stdout
    assert "`make check` FAILED: the gate runs the PostgreSQL pass, and it cannot run here" in done.stdout
    assert "sqlite pass" not in done.stdout.lower()  # nothing ran: the gate stopped before the passes
