"""docker-compose.yml's services run natively: their environment and commands as compose would resolve them, and
`Shape`, a set of them started with one .env's values against the test run's PostgreSQL and Redis (the production
shape and scale-out tests).

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
from tests.support.live_server import free_port

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")
STOP_TIMEOUT = 20


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


COMPOSE = load_compose()


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


def native(text: str, ports: dict[int, int]) -> str:
    """A compose command or health check as run on this machine: loopback only, each port moved to a free one."""
    text = text.replace("0.0.0.0", "127.0.0.1")
    for compose_port, port in ports.items():
        text = text.replace(str(compose_port), str(port))
    return text


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

    def environment(self, name: str) -> dict[str, str]:
        """The service's compose environment; what points at a container points here (same keys, nothing added)."""
        env = service_environment(COMPOSE["services"][name], self.values)
        local = {
            "APP_DATABASE_URL": os.environ["APP_DATABASE_URL"],
            "APP_REDIS_URL": os.environ["APP_REDIS_URL"],
            "APP_API_URL": self.api_url,
            "APP_WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}",  # each worker replica its own
        }
        env |= {key: value for key, value in local.items() if key in env}
        return env | {"APP_DATA_DIR": str(self.data_dir)}

    def command(self, name: str, ports: dict[int, int]) -> list[str]:
        return [native(part, ports) for part in interpolate(COMPOSE["services"][name]["command"], self.values)]

    def start(self, name: str, replica: int = 1) -> NativeService:
        """Start the service, or its n-th replica as `docker compose up --scale` would: a container (host name, and
        so Celery node name, `<queue>@%h`) and ports of its own, started as `<name>-<n>`."""
        key = name if replica == 1 else f"{name}-{replica}"
        ports = self.ports if replica == 1 else {port: free_port() for port in self.ports}
        host = socket.gethostname() if replica == 1 else f"{key}.{socket.gethostname()}"
        command = [part.replace("%h", host) for part in self.command(name, ports)]
        env = self.environment(name) | {"HOSTNAME": host}
        self.services[key] = NativeService(key, command, env, self.log_dir).start()
        self.published[key] = ports
        return self.services[key]

    def url(self, key: str) -> str:
        """The address of a started api (or api replica)."""
        return f"http://127.0.0.1:{self.published[key][8000]}"

    def healthy(self, name: str) -> bool:
        """The service's own compose health check, run natively, passes (and the service still runs)."""
        self.services[name].running()
        test = COMPOSE["services"][name]["healthcheck"]["test"]
        command = ["sh", "-c", test[1]] if test[0] == "CMD-SHELL" else test[1:]
        command = [native(part.replace("$$", "$"), self.ports) for part in command]
        env = self.services[name].env
        return subprocess.run(command, env=env, capture_output=True, timeout=30).returncode == 0

    def stop(self) -> None:
        """Stop every service at once, as `docker compose stop` does, and wait for them all."""
        for service in self.services.values():
            service.terminate()
        for service in self.services.values():
            service.reap()
