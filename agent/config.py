"""Agent configuration: a TOML or JSON file, then DAICHO_AGENT_* environment variables on top.

Example agent.toml:

    server_url = "https://tms.example.jp"
    state_dir = "/var/lib/daicho-agent"
    interval_seconds = 300       # until the server names its own
    interval_override_seconds = 0  # >0 pins the interval and ignores the server (benchmarks, demos only)
    splay_seconds = 30
    device = "serial"            # or "simulated"
    serial_port = "/dev/ttyUSB0"

Every key can be overridden by DAICHO_AGENT_<KEY> (e.g. DAICHO_AGENT_SERVER_URL); the file itself is named by
--config or DAICHO_AGENT_CONFIG.
"""

import dataclasses
import json
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clientkit.config import ConfigError, check, check_server_url, convert

ENV_PREFIX = "DAICHO_AGENT_"
DEVICE_KINDS = ("simulated", "serial")
MIN_INTERVAL_SECONDS = 1
MAX_INTERVAL_SECONDS = 24 * 3600


def default_state_dir() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "DaichoAgent"
    return Path("/var/lib/daicho-agent")


def default_serial_port() -> str:
    return "COM3" if sys.platform == "win32" else "/dev/ttyUSB0"


@dataclass(frozen=True)
class AgentConfig:
    server_url: str = "http://127.0.0.1:8000"
    state_dir: Path = field(default_factory=default_state_dir)
    interval_seconds: int = 300
    interval_override_seconds: int = 0
    splay_seconds: float = 30.0
    device: str = "serial"
    serial_port: str = field(default_factory=default_serial_port)
    serial_baudrate: int = 115200
    serial_timeout_seconds: float = 5.0
    simulated_serial_number: str = "TC200-SIM-0001"
    simulated_firmware_version: str = "1.0.0"
    request_timeout_seconds: float = 10.0
    ca_bundle: str = ""
    allow_insecure_http: bool = False
    backoff_initial_seconds: float = 5.0
    backoff_max_seconds: float = 300.0
    buffer_max_events: int = 10_000
    token_rotate_days: int = 30
    log_level: str = "INFO"
    log_max_bytes: int = 1_000_000
    log_backup_count: int = 5

    def __post_init__(self) -> None:
        check(self.device in DEVICE_KINDS, "device", f"must be one of {', '.join(DEVICE_KINDS)}")
        check(
            MIN_INTERVAL_SECONDS <= self.interval_seconds <= MAX_INTERVAL_SECONDS,
            "interval_seconds",
            f"must be between {MIN_INTERVAL_SECONDS} and {MAX_INTERVAL_SECONDS}",
        )
        check(
            self.interval_override_seconds == 0
            or MIN_INTERVAL_SECONDS <= self.interval_override_seconds <= MAX_INTERVAL_SECONDS,
            "interval_override_seconds",
            f"must be 0 (follow the server) or {MIN_INTERVAL_SECONDS}-{MAX_INTERVAL_SECONDS}",
        )
        for name in ("splay_seconds", "backoff_initial_seconds", "backoff_max_seconds", "token_rotate_days"):
            check(getattr(self, name) >= 0, name, "must not be negative")
        for name in ("request_timeout_seconds", "serial_timeout_seconds", "buffer_max_events", "log_max_bytes"):
            check(getattr(self, name) > 0, name, "must be positive")
        check_server_url(self.server_url, self.allow_insecure_http)

    @property
    def token_path(self) -> Path:
        return self.state_dir / "token"

    @property
    def state_path(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def buffer_path(self) -> Path:
        return self.state_dir / "events.sqlite3"

    @property
    def firmware_dir(self) -> Path:
        return self.state_dir / "firmware"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "logs" / "agent.log"


FIELD_TYPES: dict[str, type] = {f.name: f.type for f in dataclasses.fields(AgentConfig)}  # type: ignore[misc]


def read_config_file(path: Path) -> dict[str, object]:
    """A .toml or .json file of top-level keys."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold an object of keys")
    return data


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> AgentConfig:
    """File values, then environment overrides; unknown keys are refused so a typo is not silently ignored."""
    env = os.environ if env is None else env
    path = path or (Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None)
    values: dict[str, object] = dict(read_config_file(path)) if path else {}
    unknown = sorted(set(values) - set(FIELD_TYPES))
    if unknown:
        raise ConfigError(f"unknown config keys: {', '.join(unknown)}")
    for name in FIELD_TYPES:
        if ENV_PREFIX + name.upper() in env:
            values[name] = env[ENV_PREFIX + name.upper()]
    return AgentConfig(**{name: convert(name, FIELD_TYPES[name], raw) for name, raw in values.items()})
