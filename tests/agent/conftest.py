"""A live service the agent talks to (uvicorn on the test database, stoppable for outage tests), the fleet API
as an operator uses it, and agents with simulated TC-200s."""

import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from agent.config import AgentConfig
from agent.device import SimulatedTC200
from agent.main import Agent
from service.database import session_scope
from tests.factories import auth_headers, make_user
from tests.support.live_server import START_TIMEOUT_SECONDS, answers, free_port
from tests.support.waiting import HTTP_DEADLINE_SECONDS, wait_until


class LiveService:
    """create_app() under uvicorn in a thread, on one port for its whole life so it can be stopped and started."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        config = uvicorn.Config(
            "service.main:create_app", factory=True, host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="agent-test-api", daemon=True)
        self._thread.start()
        wait_until(
            lambda: answers(f"{self.url}/api/health"),
            timeout=START_TIMEOUT_SECONDS,  # the other live servers' deadline: 20 s failed under load 16
            message="the API to answer /api/health",
        )

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the API server did not stop"


@pytest.fixture(scope="session")
def live_service(migrated_database: None) -> Iterator[LiveService]:
    service = LiveService()
    service.start()
    yield service
    if service.running:
        service.stop()


@pytest.fixture
def service(live_service: LiveService) -> Iterator[LiveService]:
    """The live service, running again after a test that stopped it."""
    yield live_service
    if not live_service.running:
        live_service.start()


class Fleet:
    """The fleet API as an operator (fleet admin) uses it."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=f"{url}/api/fleet", headers=headers, timeout=10)
        self._customer_id: int | None = None

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def new_customer(self, name: str) -> int:
        body = {"company_name": name, "contact_person": "田中", "contact_email": "tanaka@example.jp"}
        return self.call("POST", "/customers", 201, json=body | {"contact_phone": "03-1234-5678"})["id"]

    def new_terminal(self, serial: str) -> int:
        if self._customer_id is None:
            self._customer_id = self.new_customer("エージェント試験商事")
        body = {"serial_number": serial, "customer_id": self._customer_id, "store_name": f"試験店舗 {serial}"}
        return self.call("POST", "/terminals", 201, json=body)["id"]

    def enrollment_code(self, terminal_id: int) -> str:
        return self.call("POST", f"/terminals/{terminal_id}/enrollment-code", 201)["code"]

    def terminal(self, terminal_id: int) -> dict:
        return self.call("GET", f"/terminals/{terminal_id}")

    def events(self, terminal_id: int) -> list[dict]:
        return self.call("GET", f"/terminals/{terminal_id}/events", params={"page_size": 100})["items"]

    def commands(self, terminal_id: int) -> dict[int, dict]:
        return {c["id"]: c for c in self.call("GET", f"/terminals/{terminal_id}/commands")}

    def heartbeats(self, terminal_id: int) -> int:
        """Stored heartbeats (one raw metric point each)."""
        return len(self.call("GET", f"/terminals/{terminal_id}/metrics", params={"range": "24h"})["points"])

    def upload_release(self, version: str, data: bytes) -> dict:
        import hashlib

        form = {"version": version, "sha256": hashlib.sha256(data).hexdigest()}
        return self.call("POST", "/firmware/releases", 201, data=form, files={"file": (f"{version}.bin", data)})

    def roll_out(self, release_id: int, terminal_id: int) -> dict:
        body = {"release_id": release_id, "target": {"terminal_ids": [terminal_id]}, "waves": [100]}
        return self.call("POST", "/rollouts", 201, json=body)


@pytest.fixture
def fleet(service: LiveService) -> Iterator[Fleet]:
    with session_scope() as db:
        headers = auth_headers(make_user(db, "agent-test-admin", grants={"fleet": "admin"}))
    client = Fleet(service.url, headers)
    yield client
    client.http.close()


AgentFactory = Callable[..., Agent]


@pytest.fixture
def make_agent(service: LiveService, tmp_path: Path) -> Iterator[AgentFactory]:
    """Agents with a simulated TC-200 each; state lives in tmp_path/<serial> so a 'restart' is a new Agent there."""
    made: list[Agent] = []

    def make(serial: str, device: SimulatedTC200 | None = None, **overrides: Any) -> Agent:
        settings = {
            "server_url": service.url,
            "state_dir": tmp_path / serial,
            "device": "simulated",
            "splay_seconds": 0,
            "backoff_initial_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "token_rotate_days": 0,
            "request_timeout_seconds": HTTP_DEADLINE_SECONDS,  # a loaded machine may take longer than an agent waits
            **overrides,
        }
        agent = Agent(AgentConfig(**settings), device=device or SimulatedTC200(serial), rng=random.Random(3))
        made.append(agent)
        return agent

    yield make
    for agent in made:
        agent.close()


@pytest.fixture
def enrolled(fleet: Fleet, make_agent: AgentFactory) -> tuple[Agent, int]:
    """A terminal registered by the operator and an agent enrolled for it."""
    terminal_id = fleet.new_terminal("TC200-A0001")
    agent = make_agent("TC200-A0001")
    agent.enroll(fleet.enrollment_code(terminal_id))
    return agent, terminal_id
