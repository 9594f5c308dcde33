"""docker-compose.yml's services run natively: their environment and commands as compose would resolve them, and
`Shape`, a set of them started with one .env's values against the test run's PostgreSQL and Redis (the production
shape and scale-out tests). The run's database is migrated once, by the run: only the api's own entrypoint migrates it
again (a no-op at head), and a test that is not about that entrypoint starts the api's server step alone
(`server_step`). A service is waited for on its own health page, asked from the test's process (`answering`); its
compose health check then runs once, natively (`healthy`).

Only what the test run needs of compose's rules: `${NAME}`, `${NAME:-default}`, `${NAME:?message}` and `$$`.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from cryptography.fernet import Fernet

from service.config import REPO_ROOT
from tests.factories import PUBLIC_ADDRESSES
from tests.support.live_server import answers, free_port

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")
STOP_TIMEOUT = 20
SERVER_STEP = " && exec "  # the api's entrypoint: `sh -c "<set-up steps> && exec <server>"`
HEALTH_URL = re.compile(r"urlopen\('(?P<url>http://[^']+)'")  # a health check that is an HTTP GET


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


COMPOSE = load_compose()
# a worker's own /metrics and /health (APP_WORKER_METRICS_ADDRESS, 9808): moved, as the api's and the dashboards' ports
# are, to a free one for each service started
WORKER_PAGE_PORT = int(COMPOSE["services"]["worker"]["environment"]["APP_WORKER_METRICS_ADDRESS"].rsplit(":", 1)[1])


def interpolate(value: Any, values: dict[str, str]) -> Any:
    """A compose value with its variables filled in from `values`; a missing `${X:?…}` raises as compose refuses."""
    if isinstance(value, list):
        return [interpolate(item, values) for item in value]
    if not isinstance(value, str):
        return value

    def fill(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        given = values.get(name, "")
        if op == ":?" and not given:
            raise ValueError(f"compose refuses to start: {arg}")
        return given or (arg if op == ":-" else "")

    return VARIABLE.sub(fill, value)


def service_environment(service: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    return {name: str(interpolate(value, values)) for name, value in (service.get("environment") or {}).items()}


class NativeService:
    """One compose service's command run as a local process group, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.command = command
        bin_dir = str(Path(sys.executable).parent)
        self.env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", "/tmp"), **env}
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "NativeService":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def running(self) -> bool:
        """True while the process lives; fails with its log when it has exited."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
        return True

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """SIGTERM the process group as `docker compose stop` does; SIGKILL what is left after the grace."""
        self.terminate()
        self.reap()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def reap(self) -> None:
        """Wait for a terminated process group to end, SIGKILLing it after the grace."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def secret_values() -> dict[str, str]:
    """What an operator puts in .env; the login secret is the test run's, so tokens made here are the service's."""
    return {
        "POSTGRES_PASSWORD": "unused-natively",
        "APP_SECRET_KEY": os.environ["APP_SECRET_KEY"],
        "APP_AUDIT_KEY": secrets.token_urlsafe(40),
        "APP_CRM_CARD_KEY": Fernet.generate_key().decode(),
        "APP_DASHBOARDS_KEY": secrets.token_urlsafe(40),
        "APP_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "APP_PUBLIC_BASE_URL": PUBLIC_ADDRESSES["public_base_url"],
        "APP_DASHBOARD_URL": PUBLIC_ADDRESSES["dashboard_url"],
        "FLOWER_BASIC_AUTH": "admin:" + secrets.token_urlsafe(12),
        "API_WORKERS": "2",
    }


def server_step(command: list[str]) -> list[str]:
    """An entrypoint `sh -c "<set-up steps> && exec <server>"` reduced to its server: for a replica started on the run's
    database, which the run migrated and which holds what the set-up steps make (the api's: migrate, bootstrap-admin,
    run in full by test_production_shape)."""
    shell, flag, script = command
    if (shell, flag) != ("sh", "-c") or SERVER_STEP not in script:
        raise ValueError(f"not an entrypoint with set-up steps before its server: {command}")
    return [shell, flag, "exec " + script.rsplit(SERVER_STEP, 1)[1]]


def native(text: str, ports: dict[int, int]) -> str:
    """A compose command or health check as run on this machine: loopback only, each port moved to a free one."""
    text = text.replace("0.0.0.0", "127.0.0.1")
    compose_ports = re.compile(rf"(?<!\d)({'|'.join(map(str, ports))})(?!\d)")  # in one pass: a moved one stays
    return compose_ports.sub(lambda found: str(ports[int(found[1])]), text) if ports else text


class Shape:
    """The compose services started natively with one .env's values."""

    def __init__(self, values: dict[str, str], data_dir: Path, log_dir: Path) -> None:
        self.values = values
        self.data_dir = data_dir
        self.ports = {8000: free_port(), 8501: free_port()}
        self.api_url = f"http://127.0.0.1:{self.ports[8000]}"
        self.dashboards_url = f"http://127.0.0.1:{self.ports[8501]}"
        self.log_dir = log_dir
        self.services: dict[str, NativeService] = {}
        self.published: dict[str, dict[int, int]] = {}  # each started service's ports, by its name
        self.compose_name: dict[str, str] = {}  # each started service's compose service (`api` of `api-2`)

    def environment(self, name: str, ports: dict[int, int]) -> dict[str, str]:
        """The service's compose environment; what points at a container points here (same keys, nothing added)."""
        env = service_environment(COMPOSE["services"][name], self.values)
        local = {
            "APP_DATABASE_URL": os.environ["APP_DATABASE_URL"],
            "APP_REDIS_URL": os.environ["APP_REDIS_URL"],
            "APP_API_URL": self.api_url,
            "APP_WORKER_METRICS_ADDRESS": native(env.get("APP_WORKER_METRICS_ADDRESS", ""), ports),
        }
        env |= {key: value for key, value in local.items() if key in env}
        return env | {"APP_DATA_DIR": str(self.data_dir)}

    def command(self, name: str, ports: dict[int, int]) -> list[str]:
        return [native(part, ports) for part in interpolate(COMPOSE["services"][name]["command"], self.values)]

    def start(self, name: str, replica: int = 1, *, server_only: bool = False) -> NativeService:
        """Start the service, or its n-th replica as `docker compose up --scale` would: a container (host name, and
        so Celery node name, `<queue>@%h`) and ports of its own, started as `<name>-<n>`. With `server_only`, the
        server step of its entrypoint alone (`server_step`)."""
        key = name if replica == 1 else f"{name}-{replica}"
        ports = self.ports if replica == 1 else {port: free_port() for port in self.ports}
        ports = ports | {WORKER_PAGE_PORT: free_port()}
        host = socket.gethostname() if replica == 1 else f"{key}.{socket.gethostname()}"
        command = self.command(name, ports)
        command = [part.replace("%h", host) for part in (server_step(command) if server_only else command)]
        env = self.environment(name, ports) | {"HOSTNAME": host}
        self.services[key] = NativeService(key, command, env, self.log_dir).start()
        self.published[key] = ports
        self.compose_name[key] = name
        return self.services[key]

    def url(self, key: str) -> str:
        """The address of a started api (or api replica)."""
        return f"http://127.0.0.1:{self.published[key][8000]}"

    def healthy(self, name: str) -> bool:
        """The service's own compose health check, run natively, passes (and the service still runs)."""
        self.services[name].running()
        test = COMPOSE["services"][self.compose_name[name]]["healthcheck"]["test"]
        command = ["sh", "-c", test[1]] if test[0] == "CMD-SHELL" else test[1:]
        command = [native(part.replace("$$", "$"), self.published[name]) for part in command]
        env = self.services[name].env
        return subprocess.run(command, env=env, capture_output=True, timeout=30).returncode == 0

    def answering(self, name: str) -> bool:
        """The service answers the URL its compose health check asks for, asked from this process (a check per poll
        without a process per poll: the check itself is `healthy`, run once it answers); a health check that is no
        HTTP request (beat's file age) is run as it is. Fails with the service's log when it has exited."""
        test = " ".join(COMPOSE["services"][self.compose_name[name]]["healthcheck"]["test"])
        asked = HEALTH_URL.search(test)
        if asked is None:
            return self.healthy(name)
        self.services[name].running()
        return answers(native(asked["url"], self.published[name]))

    def stop(self) -> None:
        """Stop every service at once, as `docker compose stop` does, and wait for them all."""
        for service in self.services.values():
            service.terminate()
        for service in self.services.values():
            service.reap()
