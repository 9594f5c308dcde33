"""The production shape without Docker: docker-compose.yml's own commands and environments, started natively with
APP_ENV=production against the test PostgreSQL and Redis (api with two uvicorn workers, a worker per class of work,
beat, dashboards),
driven through a login, an agent heartbeat, a scan, a photo, an MCP booking up to its SMS in the sandbox outbox and a
dashboard page, then stopped. Every kind of link it hands out points at its public names (APP_PUBLIC_BASE_URL,
APP_DASHBOARD_URL), not at the address the test reaches it at (tests/support/public_links.py). Each service is waited
for on its own health page, then its compose health check runs once. The api runs its whole entrypoint here (migrate,
bootstrap-admin, serve; on the run's database, migrated once by the run: the migration finds it at head). Start-up
refuses placeholder secrets; the compose file's structure is checked against this run."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select

from service.access import DASHBOARDS_CLIENT_HEADER, DASHBOARDS_KEY_HEADER
from service.audit.models import AuditEntry
from service.database import session_scope, utcnow
from service.fleet.models import Terminal
from service.outbox.models import OutboxMessage
from service.task_queues import QUEUES
from tests.service.crm.conftest import picture
from tests.service.entry_logs.world import make_world, scan
from tests.service.fleet.conftest import make_customer, make_terminal, send
from tests.service.reservations.conftest import make_mcp_client, make_service, make_shop
from tests.support import public_links
from tests.support.compose import COMPOSE, NativeService, Shape, secret_values, service_environment
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.postgres_only, pytest.mark.stack]

APP_SERVICES = ("api", "worker", "worker-bulk", "beat", "dashboards", "flower")
MONITORING_SERVICES = ("prometheus", "alertmanager", "node-exporter")  # tests/ops/test_monitoring.py runs them
NATIVE_SERVICES = ("api", "worker", "worker-bulk", "beat", "dashboards")
WORKERS = ("worker", "worker-bulk")
DATA_SERVICES = ("api", *WORKERS, "beat")  # those that read or write APP_DATA_DIR
SECRETS = (
    "APP_SECRET_KEY",
    "APP_AUDIT_KEY",
    "APP_CRM_CARD_KEY",
    "APP_ADMIN_PASSWORD",
    "APP_DATABASE_URL",
    "APP_DASHBOARDS_KEY",
)
BROWSER = "198.51.100.7"  # a person's browser, as the dashboards forward it
START_TIMEOUT = 90


@pytest.fixture
def shape(tmp_path: Path) -> Iterator[Shape]:
    data_dir = tmp_path / "app-data"
    data_dir.mkdir()
    running = Shape(secret_values(), data_dir, tmp_path)
    yield running
    running.stop()


def api_worker_processes(api: NativeService) -> int:
    """How many uvicorn worker processes the api's master runs."""
    children = Path(f"/proc/{api.process.pid}/task/{api.process.pid}/children").read_text().split()
    return sum(b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children)


async def book_through_mcp(api_url: str, key: str, service_id: int) -> dict:
    """A booking through the MCP server's create_reservation tool; its answer."""
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30)
    async with Client(streamable_http_client(f"{api_url}/mcp", http_client=http)) as mcp:
        desired = (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        arguments = {
            "service_id": service_id,
            "requester_name": "山田太郎",
            "requester_phone": "090-1234-5678",
            "desired_at": desired,
            "details": "3LDK",
        }
        result = await mcp.call_tool("create_reservation", arguments)
        assert not result.is_error, result.content
        return result.structured_content


def sms_sent(code: str) -> bool:
    with session_scope() as db:
        rows = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
        return any(m.status == "sent" and code in (m.body or "") for m in rows)


def seed() -> dict:
    """A terminal with its agent token, a nursery with a station, a service two shops offer, an MCP client key."""
    with session_scope() as db:
        terminal, agent_token = make_terminal(db, make_customer(db))
        world = make_world(db, "prod")
        service = make_service(db)
        for order in (1, 2):
            make_shop(db, f"提携店{order}", [service], order=order)
        seeded = {
            "terminal": terminal.id,
            "agent": agent_token,
            "world": world,
            "parent": world.parents[0].id,
            "service": service.id,
        }
    return seeded | {"mcp_key": make_mcp_client()[1]}


def test_the_compose_services_run_natively_in_production_and_do_each_main_job(shape):
    seeded, linked = seed(), public_links.seed()
    api = shape.start("api")
    wait_until(lambda: shape.answering("api"), timeout=START_TIMEOUT, interval=0.5, message="the api ready")
    assert shape.healthy("api")
    for name in NATIVE_SERVICES[1:]:
        shape.start(name)
    assert api_worker_processes(api) == 2

    with httpx.Client(base_url=shape.api_url, timeout=30) as http:
        through_dashboards = {
            DASHBOARDS_KEY_HEADER: shape.values["APP_DASHBOARDS_KEY"],
            DASHBOARDS_CLIENT_HEADER: BROWSER,
        }
        credentials = {"login_id": "admin", "password": shape.values["APP_ADMIN_PASSWORD"]}
        login = http.post("/api/auth/login", json=credentials, headers=through_dashboards)
        assert login.status_code == 200, login.text  # bootstrap-admin made `admin` from APP_ADMIN_PASSWORD
        admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = http.get("/api/auth/me", headers=admin)
        assert me.status_code == 200 and me.json()["login_id"] == "admin"
        assert "server" not in me.headers  # service.serve: the software is not advertised
        heartbeat = send(http, seeded["agent"])
        assert heartbeat.status_code == 200
        scanned = scan(http, seeded["world"], str(seeded["parent"]))
        assert scanned.status_code == 201 and scanned.json()["duplicate"] is False
        photo = {"file": ("me.png", picture(), "image/png")}
        for _ in range(2):  # decoded by a child of the decoder its worker started (service/pictures)
            put = http.put(f"/api/entry-logs/parents/{seeded['parent']}/photo", files=photo, headers=admin)
            assert put.status_code == 200, put.text

    with session_scope() as db:
        assert db.get(Terminal, seeded["terminal"]).last_heartbeat_at is not None
        assert db.scalar(select(AuditEntry.client_address).where(AuditEntry.action == "login")) == BROWSER
    booked = asyncio.run(book_through_mcp(shape.api_url, seeded["mcp_key"], seeded["service"]))
    wait_until(lambda: sms_sent(booked["reservation_id"]), timeout=START_TIMEOUT, message="the worker to send the SMS")
    public_links.check_every_kind(shape.api_url, linked, booked)

    for name in NATIVE_SERVICES[1:]:
        wait_until(lambda name=name: shape.answering(name), START_TIMEOUT, 0.5, f"{name} answering its health check")
        assert shape.healthy(name)
    for name in WORKERS:  # each worker's own page, which Prometheus scrapes (tests/ops/test_monitoring.py)
        page = httpx.get(f"http://{shape.services[name].env['APP_WORKER_METRICS_ADDRESS']}/metrics", timeout=10)
        assert page.status_code == 200 and "# TYPE daicho_worker_tasks_active gauge" in page.text
    page = httpx.get(shape.dashboards_url, timeout=10)
    assert page.status_code == 200 and "<noscript>" in page.text  # the Streamlit app's page

    shape.stop()
    assert all(service.process.returncode is not None for service in shape.services.values())
    # one access log, the service's own: uvicorn's is off, and the heartbeats' successes are counted, not logged
    assert "daicho.access: GET /api/auth/me 200" in api.log_path.read_text()
    assert '"GET /api/auth/me HTTP/1.1" 200' not in api.log_path.read_text()
    assert "/api/fleet/agent/heartbeat" not in api.log_path.read_text()


@pytest.mark.parametrize(
    ("name", "secret", "refusal"),
    [
        ("api", "APP_SECRET_KEY", "APP_SECRET_KEY must be a real secret"),
        ("api", "APP_CRM_CARD_KEY", "APP_CRM_CARD_KEY must be"),
        ("api", "APP_DASHBOARDS_KEY", "APP_DASHBOARDS_KEY must be a real secret"),
        ("worker", "APP_AUDIT_KEY", "APP_AUDIT_KEY must be a real secret"),
    ],
)
def test_start_up_refuses_a_placeholder_secret(shape, name, secret, refusal):
    shape.values[secret] = "change-me"
    service = shape.start(name)
    assert service.wait(timeout=START_TIMEOUT) != 0
    assert refusal in service.log_path.read_text()


def test_start_up_refuses_a_public_address_only_this_machine_opens(shape):
    shape.values["APP_PUBLIC_BASE_URL"] = "http://localhost:8000"
    worker = shape.start("worker")
    assert worker.wait(timeout=START_TIMEOUT) != 0
    assert "APP_PUBLIC_BASE_URL must be the address people open in production" in worker.log_path.read_text()


def test_compose_refuses_to_start_without_a_secret():
    values = secret_values()
    del values["APP_SECRET_KEY"]
    with pytest.raises(ValueError, match="set APP_SECRET_KEY in .env"):
        service_environment(COMPOSE["services"]["api"], values)


def test_the_compose_file_has_the_shape_this_test_ran():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "redis", "proxy", *APP_SERVICES, *MONITORING_SERVICES}
    assert all("healthcheck" in services[name] for name in services)
    for name in APP_SERVICES:
        assert services[name]["image"] == "daicho:latest" and "env_file" not in services[name]
        needs = services[name]["depends_on"]
        assert needs["postgres"]["condition"] == needs["redis"]["condition"] == "service_healthy"
        assert name == "api" or needs["api"]["condition"] == "service_healthy"
    values = secret_values()
    env = {name: service_environment(services[name], values) for name in APP_SERVICES}
    assert all(env[name].get("APP_ENV") == "production" for name in APP_SERVICES if name != "dashboards")
    processes = [env[name].get("APP_PROCESS") for name in APP_SERVICES]
    assert processes == ["api", "worker", "worker", "scheduler", None, "scheduler"]
    held = {name: {secret for secret in SECRETS if secret in env[name]} for name in APP_SERVICES}
    assert held == {
        "api": set(SECRETS),
        "worker": {"APP_SECRET_KEY", "APP_AUDIT_KEY", "APP_DATABASE_URL"},
        "worker-bulk": {"APP_SECRET_KEY", "APP_AUDIT_KEY", "APP_DATABASE_URL"},
        "beat": set(),
        "dashboards": {"APP_DASHBOARDS_KEY"},  # the key their calls carry, which the api checks
        "flower": set(),
    }
    data_mounts = {name: services[name].get("volumes") for name in APP_SERVICES}
    assert data_mounts == {**dict.fromkeys(DATA_SERVICES, ["app-data:/app/var"]), "dashboards": None, "flower": None}
    assert "app-data" in COMPOSE["volumes"]
    published = [port for name in services for port in services[name].get("ports", [])]
    assert published and all(port.startswith("127.0.0.1:") for port in published)  # /metrics and Flower stay local
    assert all(services[name]["stop_grace_period"] for name in WORKERS)


def test_the_dashboards_replicas_are_reached_through_their_proxy_whose_forwarded_address_alone_they_believe():
    """The proxy runs ops/caddy/Caddyfile (tests/browser/test_proxy.py runs it in front of two dashboards servers)."""
    proxy, dashboards = COMPOSE["services"]["proxy"], COMPOSE["services"]["dashboards"]
    assert proxy["ports"] == ["127.0.0.1:8501:8501"] and "ports" not in dashboards
    assert "./ops/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    believed = service_environment(dashboards, secret_values() | {"APP_TRUSTED_PROXIES": "192.0.2.10"})
    assert believed["FORWARDED_ALLOW_IPS"] == f"{proxy['networks']['dashboards']['ipv4_address']},192.0.2.10"
    assert "--server.fileWatcherType=none" in dashboards["command"] and dashboards["deploy"]["replicas"]


def test_compose_runs_a_worker_per_class_of_work_and_beat_once():
    services = COMPOSE["services"]
    commands = {name: services[name]["command"] for name in WORKERS}
    taken = {name: command[command.index("-Q") + 1] for name, command in commands.items()}
    assert sorted(taken.values()) == sorted(QUEUES)  # each class its own worker, none both
    for name, command in commands.items():
        node = command[command.index("-n") + 1]
        assert node == f"{taken[name]}@%h"
        assert "-B" not in command and "--beat" not in command
        # healthy while the worker's own page (jobs/worker_metrics.py) says it consumes, asked on its own address
        page = service_environment(services[name], secret_values())["APP_WORKER_METRICS_ADDRESS"]
        health = page.replace("0.0.0.0", "http://127.0.0.1") + "/health'"
        assert health in " ".join(services[name]["healthcheck"]["test"])
    assert [name for name in services if "beat" in services[name].get("command", [])] == ["beat"]
