"""The access log as the API server writes it: a request's line, never the secret a link carries in its path."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.config import REPO_ROOT
from service.entry_logs import parent_links
from service.logs import REDACTED, loggable_path
from tests.service.entry_logs.world import make_world
from tests.support.live_server import answers, free_port
from tests.support.waiting import wait_until

START_TIMEOUT = 60  # a deadline, not a wait


class ServedApi:
    """`python -m service.serve` in a process of its own (the test's environment and database), output in a file."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{free_port()}"
        command = [sys.executable, "-m", "service.serve", "--port", self.url.rsplit(":", 1)[1]]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "APP_ACCESS_LOG": "1"}
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, timeout=START_TIMEOUT, message="the API server to answer /api/health")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the API server stopped while starting:\n{self.log_path.read_text()}")
        return answers(f"{self.url}/api/health")

    def stop(self) -> str:
        """Stop the server as a process manager does and return everything it wrote."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=START_TIMEOUT)
        return self.log_path.read_text(encoding="utf-8")


@pytest.fixture
def served_api(tmp_path) -> Iterator[ServedApi]:
    api = ServedApi(tmp_path / "api.log")
    yield api
    api.stop()


def test_the_access_log_writes_a_barcode_links_path_without_its_secret(served_api, db):
    parent = make_world(db, "sakura").parents[0]
    db.commit()
    token = parent_links.link_token(parent)
    assert token is not None
    with httpx.Client(base_url=served_api.url, timeout=30) as http:
        assert http.get(f"/api/parent-barcode/{token}").status_code == 200
        assert http.get(f"/api/parent-barcode/{token}", headers={"X-Request-ID": "second-visit"}).status_code == 200
        assert http.get(f"/api/parent-barcode/{token}x").status_code == 404  # a guess is a secret's look-alike too
        assert http.get("/api/parent-barcode/sw.js").status_code == 200
        assert http.get("/api/reservations/cancel/R-0001", params={"token": "cancel-secret"}).status_code == 404

    log = served_api.stop()
    assert token not in log and "cancel-secret" not in log
    assert log.count(f"daicho.access: GET /api/parent-barcode/{REDACTED} 200") == 2
    assert "[second-visit] daicho.access: GET /api/parent-barcode/[REDACTED] 200" in log
    assert f"daicho.access: GET /api/parent-barcode/{REDACTED} 404" in log
    assert "daicho.access: GET /api/parent-barcode/sw.js 200" in log  # a path without a secret is written as it is
    assert "daicho.access: GET /api/reservations/cancel/R-0001 404" in log


@pytest.mark.parametrize(
    ("path", "params", "written"),
    [
        ("/api/parent-barcode/7.1.abc", {"token": "7.1.abc"}, f"/api/parent-barcode/{REDACTED}"),
        ("/api/fleet/terminals/7", {"terminal_id": 7}, "/api/fleet/terminals/7"),
        ("/api/nowhere/7.1.abc", None, "/api/nowhere/7.1.abc"),
    ],
)
def test_only_a_secret_path_parameter_is_redacted(path, params, written):
    scope = {"path": path} | ({"path_params": params} if params is not None else {})
    assert loggable_path(scope) == written
