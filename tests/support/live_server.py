"""A real API server for dashboard and browser tests: uvicorn in a background thread on a free port."""

import functools
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from service import serve
from tests.support.ports import free_port
from tests.support.waiting import wait_until

START_TIMEOUT_SECONDS = 60.0  # a deadline, not a wait: the API starts in ~2 s, in ~30 s on a machine under load 10


@functools.cache
def _probe() -> httpx.Client:
    """One client for every readiness probe: a client made per probe builds a TLS context each time (a CA bundle
    parsed under the GIL), which starved the in-process server it was waiting for of the CPU it needed to start."""
    return httpx.Client(timeout=1.0)


def answers(url: str) -> bool:
    """True once a GET of the URL returns 200."""
    try:
        return _probe().get(url).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def server_process(command: list[str], health_url: str, log_path: Path, **options: Any) -> Iterator[None]:
    """A server run as a process of its own (Popen `options`: cwd, env), its output in `log_path`, until it answers
    `health_url`; terminated (killed if it will not stop) when the block ends."""
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **options)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{log_path.read_text()}")
        return answers(health_url)

    try:
        wait_until(ready, timeout=START_TIMEOUT_SECONDS, message=f"{health_url} to answer")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serving(app: Any, *, factory: bool = False) -> Iterator[str]:
    """Serve an ASGI app (or an app factory's import string) with the service's options; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, factory=factory, host="127.0.0.1", port=port, log_level="warning", **serve.OPTIONS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-api", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if not thread.is_alive():
            raise RuntimeError("the API server stopped while starting; its log is above")
        return answers(f"{base_url}/api/health")

    wait_until(ready, timeout=START_TIMEOUT_SECONDS, message="the API to answer /api/health")
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_api(migrated_database: None) -> Iterator[str]:
    """The API served by uvicorn against the test database; its base URL is also put in APP_API_URL."""
    with serving(serve.APP, factory=True) as base_url:
        previous = os.environ.get("APP_API_URL")
        os.environ["APP_API_URL"] = base_url
        yield base_url
        if previous is None:
            os.environ.pop("APP_API_URL", None)
        else:
            os.environ["APP_API_URL"] = previous
