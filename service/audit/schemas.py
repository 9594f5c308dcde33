from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_label: str
    client_address: str | None
    request_id: str | None
    action: str
    domain: str
    target_type: str
    target_id: str | None
    changes: dict[str, Any]
    entry_hash: str


class ChainReportRead(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
