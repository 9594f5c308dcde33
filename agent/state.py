"""What the agent remembers between runs: its token (file mode 0600) and a small JSON state file.

Both are written atomically (temporary file, then rename) so a power cut leaves the old or the new version.
"""

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("agent.state")

MAX_REMEMBERED_COMMANDS = 100


@dataclass
class AgentState:
    terminal_id: int | None = None
    serial_number: str | None = None
    interval_seconds: int | None = None
    token_issued_at: str | None = None
    revoked_at: str | None = None
    # command id -> final progress report {"state", "progress", "message", "reported"}
    commands: dict[str, dict] = field(default_factory=dict)


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600 on POSIX), replacing any previous version atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class StateStore:
    """The token file and state.json of one state directory."""

    def __init__(self, token_path: Path, state_path: Path) -> None:
        self.token_path = token_path
        self.state_path = state_path
        self.state = self._read_state()

    def reload(self) -> None:
        """Pick up what another process (e.g. `python -m agent enroll`) wrote."""
        self.state = self._read_state()

    def _read_state(self) -> AgentState:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            return AgentState(**{k: v for k, v in data.items() if k in AgentState.__dataclass_fields__})
        except FileNotFoundError:
            return AgentState()
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.error("state file %s is unreadable (%s); starting from an empty state", self.state_path, exc)
            return AgentState()

    def save(self) -> None:
        commands = self.state.commands
        if len(commands) > MAX_REMEMBERED_COMMANDS:
            self.state.commands = dict(list(commands.items())[-MAX_REMEMBERED_COMMANDS:])
        write_private(self.state_path, json.dumps(asdict(self.state), ensure_ascii=False, indent=1))

    def token(self) -> str | None:
        try:
            return self.token_path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def store_token(self, token: str, now: datetime | None = None) -> None:
        write_private(self.token_path, token)
        self.state.token_issued_at = (now or datetime.now(UTC)).isoformat()
        self.state.revoked_at = None
        self.save()

    def forget_token(self, now: datetime | None = None) -> None:
        """The server revoked the token: drop it and wait for `python -m agent enroll`."""
        self.token_path.unlink(missing_ok=True)
        self.state.revoked_at = (now or datetime.now(UTC)).isoformat()
        self.save()

    def token_age_days(self, now: datetime) -> float | None:
        if not self.state.token_issued_at:
            return None
        try:
            issued = datetime.fromisoformat(self.state.token_issued_at)
        except ValueError:
            return None
        return (now - issued).total_seconds() / 86400
