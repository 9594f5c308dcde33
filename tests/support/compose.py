"""docker-compose.yml's services run natively: their environment and commands as compose would resolve them.

Only what the test run needs of compose's rules: `${NAME}`, `${NAME:-default}`, `${NAME:?message}` and `$$`.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from service.config import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")
STOP_TIMEOUT = 20


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


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
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
