"""Scan-station configuration: command-line flags, then DAICHO_STATION_* environment variables, then defaults.

    python -m scanner_station --server https://daicho.example.jp --state-dir /var/lib/daicho-station --station-id gate-1

Every field can also be set as DAICHO_STATION_<FIELD> (e.g. DAICHO_STATION_SERVER_URL,
DAICHO_STATION_HEARTBEAT_SECONDS); a flag wins over the environment. The headless mode's password is read from
DAICHO_STATION_PASSWORD only, never from a flag (a flag shows in the process list).
"""

import argparse
import dataclasses
import os
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The thin clients share one rule for the server URL (HTTPS, SEC-009) and one way of reading settings.
from clientkit.config import ConfigError, check, check_server_url, convert
from clientkit.station_labels import RULES

ENV_PREFIX = "DAICHO_STATION_"
PASSWORD_ENV = ENV_PREFIX + "PASSWORD"
MAX_STATION_ID_CHARS = 64
STATION_ID = re.compile(rf"[\x21-\x7e]{{1,{MAX_STATION_ID_CHARS}}}")
MAX_NURSERY_CODE_CHARS = 32
MAX_QUEUE = 100
ENTRY_TYPES = {"in": "Entry", "out": "Exit"}


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "daicho-station"


def default_station_id() -> str:
    """The host name, as far as it fits the service's rule for a station id."""
    name = "".join(ch for ch in socket.gethostname() if "!" <= ch <= "~")
    return name[:MAX_STATION_ID_CHARS] or "station"


@dataclass(frozen=True)
class StationConfig:
    server_url: str = "http://127.0.0.1:8000"
    state_dir: Path = field(default_factory=default_state_dir)
    station_id: str = field(default_factory=default_station_id)
    allow_insecure_http: bool = False
    request_timeout_seconds: float = RULES.request_timeout_seconds
    heartbeat_seconds: float = RULES.heartbeat_seconds
    retries: int = RULES.retries
    retry_backoff_seconds: float = RULES.retry_backoff_seconds
    queue_max: int = RULES.queue_max
    history_size: int = RULES.history_size
    flash_seconds: float = RULES.flash_seconds
    greeting_seconds: float = RULES.greeting_seconds
    timezone: str = "Asia/Tokyo"
    headless: bool = False
    entry_type: str = "Entry"  # headless: lines without a prefix; kiosk: the 入/出 until staff first choose one
    nursery_code: str = ""

    def __post_init__(self) -> None:
        check_server_url(self.server_url, self.allow_insecure_http)
        check(
            STATION_ID.fullmatch(self.station_id) is not None,
            "station_id",
            f"must be 1 to {MAX_STATION_ID_CHARS} printable ASCII characters without spaces",
        )
        check(
            len(self.nursery_code) <= MAX_NURSERY_CODE_CHARS,
            "nursery_code",
            f"must be at most {MAX_NURSERY_CODE_CHARS} characters",
        )
        for name in (
            "request_timeout_seconds",
            "heartbeat_seconds",
            "queue_max",
            "history_size",
            "flash_seconds",
            "greeting_seconds",
        ):
            check(getattr(self, name) > 0, name, "must be positive")
        for name in ("retries", "retry_backoff_seconds"):
            check(getattr(self, name) >= 0, name, "must not be negative")
        check(self.queue_max <= MAX_QUEUE, "queue_max", f"must be at most {MAX_QUEUE} (SEC-010)")
        check(self.entry_type in ENTRY_TYPES.values(), "entry_type", "must be Entry or Exit")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"timezone {self.timezone!r} is not a known time zone") from None

    @property
    def database_path(self) -> Path:
        """The one local file: the scan queue, the recent history, the session token and the chosen 入/出."""
        return self.state_dir / "station.sqlite3"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


FIELD_TYPES: dict[str, type] = {f.name: f.type for f in dataclasses.fields(StationConfig)}  # type: ignore[misc]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m scanner_station",
        description="入退登録端末: the nursery scan-station kiosk (Textual), or --headless for scripting.",
        epilog="Every setting can also come from DAICHO_STATION_<NAME> (e.g. DAICHO_STATION_SERVER_URL). "
        "Headless exit status: 0 when every scan got an answer, 1 when some are still queued, "
        "2 on a login or setup error.",
    )
    p.add_argument("--server", dest="server_url", help="service base URL (default http://127.0.0.1:8000)")
    p.add_argument("--state-dir", type=Path, help="where the queue and the session token are kept")
    p.add_argument("--station-id", help="this station's name, sent with every scan (default: the host name)")
    p.add_argument("--allow-insecure-http", action="store_const", const=True, help="allow http:// to another machine")
    p.add_argument(
        "--headless",
        action="store_const",
        const=True,
        help='read scans from standard input, one per line ("123", "in 123" or "out 123"), print JSON lines',
    )
    p.add_argument(
        "--type",
        dest="entry_type",
        choices=sorted(ENTRY_TYPES),
        help="headless: 入 (in) or 出 (out) for lines without a prefix (default in)",
    )
    p.add_argument("--nursery-code", help=f"headless: log in with this code and the password in {PASSWORD_ENV}")
    return p


def load_config(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> StationConfig:
    """Flags over environment over defaults."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {
        name: convert(ENV_PREFIX + name.upper(), FIELD_TYPES[name], env[ENV_PREFIX + name.upper()])
        for name in FIELD_TYPES
        if ENV_PREFIX + name.upper() in env
    }
    flags = vars(parser().parse_args(argv))
    values.update({name: value for name, value in flags.items() if value is not None})
    if "entry_type" in values:
        values["entry_type"] = ENTRY_TYPES.get(str(values["entry_type"]).lower(), values["entry_type"])
    return StationConfig(**values)
