"""What the sandbox providers recorded (service/outbox/providers/sandbox.py): one JSON object a line per channel."""

import json
from typing import Any

from service.config import Settings
from service.outbox.providers.sandbox import sandbox_dir


def read_sandbox_log(settings: Settings, channel: str) -> list[dict[str, Any]]:
    path = sandbox_dir(settings) / f"{channel}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
