"""An agent that receives garbage keeps running and logs it.

Our service never answers garbage, so these tests put a deliberately broken HTTP server (a real one, on loopback)
where the service would be: bodies that are not JSON, wrong types, 5xx pages, malformed commands.
"""

import json
import logging
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.buffer import new_event
from agent.config import AgentConfig
from agent.device import SimulatedTC200
from agent.main import Agent
from tests.support.waiting import wait_until

GOOD_REPLY = {"interval_seconds": 60, "commands": []}


class BrokenServer(ThreadingHTTPServer):
    """Answers each request with the next scripted (status, body); records what it was sent."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), BrokenHandler)
        self.script: list[tuple[int, bytes]] = []
        self.fallback: tuple[int, bytes] = (200, json.dumps(GOOD_REPLY).encode())
        self.headers: dict[str, str] = {}  # sent with every answer
        self.received: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, path: str, body: dict) -> tuple[int, bytes]:
        with self.lock:
            self.received.append((path, body))
            return self.script.pop(0) if self.script else self.fallback

    def paths(self) -> list[str]:
        with self.lock:
            return [p for p, _ in self.received]


class BrokenHandler(BaseHTTPRequestHandler):
    server: BrokenServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, body = self.server.answer(self.path, json.loads(raw or b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture
def broken() -> Iterator[BrokenServer]:
    server = BrokenServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def enrolled_agent(broken: BrokenServer, tmp_path: Path, **settings) -> Agent:
    config = AgentConfig(
        server_url=broken.url,
        state_dir=tmp_path / "state",
        device="simulated",
        splay_seconds=0,
        token_rotate_days=0,
        **{"backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.05} | settings,
    )
    agent = Agent(config, device=SimulatedTC200("TC200-0001"), rng=random.Random(7))
    agent.store.store_token("tct_garbage-test")
    return agent


@pytest.fixture
def agent(broken: BrokenServer, tmp_path: Path) -> Iterator[Agent]:
    agent = enrolled_agent(broken, tmp_path)
    yield agent
    agent.close()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html>hello</html>"),
        (200, b'{"interval_seconds": "soon", "commands": []}'),
        (200, b'{"interval_seconds": 0, "commands": []}'),
        (200, b'{"interval_seconds": 60, "commands": "none"}'),
        (200, b"[1, 2, 3]"),
        (200, b""),
        (502, b"<html>Bad Gateway</html>"),
        (404, b"not found"),
    ],
)
def test_garbage_heartbeat_reply_keeps_events_and_the_loop_going(
    agent: Agent, broken: BrokenServer, status: int, body: bytes, caplog
) -> None:
    agent.buffer.append(new_event("info", "probe", "kept until acknowledged"))
    broken.script.append((status, body))
    caplog.set_level(logging.WARNING)

    delay = agent.run_once()

    assert delay > 0
    assert len(agent.buffer) == 1
    assert any(r.levelno >= logging.WARNING for r in caplog.records)

    assert agent.run_once() >= 60
    assert len(agent.buffer) == 0


def test_malformed_commands_are_refused_one_by_one(agent: Agent, broken: BrokenServer, caplog) -> None:
    commands = [
        "junk",
        {"type": "set_interval"},
        {"id": 5, "type": "reboot", "params": {}},
        {"id": 6, "type": "firmware_update", "params": {"sha256": "zz", "size": -1}},
        {
            "id": 7,
            "type": "firmware_update",
            "params": {
                "release_id": 1,
                "version": "2.0.0",
                "sha256": "a" * 64,
                "size": 10,
                "download_url": "https://elsewhere.example/fw.bin",
            },
        },
        {"id": 8, "type": "set_interval", "params": {"interval_seconds": "fast"}},
        {"id": 9, "type": "collect_diagnostics", "params": {"max_lines": True}},
        {"id": 10, "type": "set_interval", "params": {"interval_seconds": 120}},
    ]
    broken.script.append((200, json.dumps({"interval_seconds": 60, "commands": commands}).encode()))

    agent.run_once()

    finals = {path: body for path, body in broken.received if path.endswith("/progress")}
    assert {p.split("/")[-2] for p in finals} == {"5", "6", "7", "8", "9", "10"}
    assert all(finals[f"/api/fleet/agent/commands/{i}/progress"]["state"] == "failed" for i in range(5, 10))
    assert finals["/api/fleet/agent/commands/10/progress"]["state"] == "succeeded"
    assert "相対パス" in finals["/api/fleet/agent/commands/7/progress"]["message"]
    assert agent.interval == 120
    assert "malformed command" in caplog.text


def test_running_loop_survives_a_stream_of_garbage(agent: Agent, broken: BrokenServer) -> None:
    broken.fallback = (200, b"\x00\xffnot json at all")
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    thread.start()

    wait_until(
        lambda: broken.paths().count("/api/fleet/agent/heartbeat") >= 5,
        timeout=10,
        message="five heartbeats answered with garbage",
    )
    assert thread.is_alive()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert agent.buffer.peek(1)[0].kind == "agent_started"


BUSY = json.dumps({"error": {"code": "unavailable", "message": "混み合っています", "details": None}}).encode()


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_server_is_asked_again_no_sooner_than_its_retry_after(
    broken: BrokenServer, tmp_path: Path, status: int, caplog
) -> None:
    agent = enrolled_agent(broken, tmp_path, backoff_initial_seconds=10, backoff_max_seconds=300)
    caplog.set_level(logging.WARNING, logger="agent")
    agent.buffer.append(new_event("info", "probe", "kept until acknowledged"))
    broken.headers = {"Retry-After": "120"}
    broken.script += [(status, BUSY), (status, BUSY)]
    assert [agent.run_once(), agent.run_once()] == [120, 120]  # not 5-10 s, then 10-20 s
    assert f"(server answered HTTP {status}, attempt 2); next try in 120 s; 1 events buffered" in caplog.text

    broken.headers = {"Retry-After": "3600"}
    broken.script.append((status, BUSY))
    assert agent.run_once() == 300  # never beyond backoff_max_seconds

    broken.headers = {}
    broken.script.append((status, BUSY))
    assert 40 <= agent.run_once() <= 80  # the fourth wait of the backoff's own, without Retry-After
    assert agent.run_once() >= 60  # answered: the server's interval
    assert len(agent.buffer) == 0
    broken.script.append((502, b"<html>Bad Gateway</html>"))
    assert 5 <= agent.run_once() <= 10  # a new streak starts from the first wait
    agent.close()
