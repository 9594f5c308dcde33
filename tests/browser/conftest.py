"""Browser tests: the real Streamlit server, run as a subprocess against the live API, driven by headless Chromium."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import live_server
from tests.support.live_server import answers, free_port
from tests.support.waiting import wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT_SECONDS = 60.0

live_api = live_server.live_api


@pytest.fixture
def dashboards_url(live_api: str, tmp_path: Path) -> Iterator[str]:
    """`streamlit run dashboards/streamlit_app.py` on a free port, talking to the live API."""
    port = free_port()
    streamlit = Path(sys.executable).parent / "streamlit"
    command = [
        str(streamlit), "run", "dashboards/streamlit_app.py", "--server.headless", "true", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    log_path = tmp_path / "streamlit.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=os.environ | {"APP_API_URL": live_api}, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log_path.read_text()}")
        return answers(f"{url}/_stcore/health")

    try:
        wait_until(ready, timeout=START_TIMEOUT_SECONDS, message="Streamlit to answer /_stcore/health")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def browser():
    """Headless Chromium from the system package (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed: {CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
