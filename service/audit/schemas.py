from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditChangeRead(BaseModel):
    """One changed field in words beside its codes; a fact recorded without a before has no before_label."""

    field: str
    field_label: str
    before: Any = None
    after: Any = None
    before_label: str | None = None
    after_label: str


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: datetime
    actor_type: str
    actor_type_label: str
    actor_id: str | None
    actor_label: str = Field(description="who acted, as recorded: a person's name (older entries: a login id)")
    actor_name: str = Field(description="who acted in words: 山田 太郎（yamada）, 管理コマンド（root）, システム")
    client_address: str | None
    request_id: str | None
    action: str
    action_label: str
    domain: str
    domain_label: str
    target_type: str
    target_id: str | None
    target_label: str
    changes: dict[str, Any]
    changed_fields: list[AuditChangeRead]
    entry_hash: str


class AuditVocabularyRead(BaseModel):
    """The codes a log's filters offer, with their words."""

    domains: dict[str, str]
    actions: dict[str, str]
    target_types: dict[str, str]


class ChainReportRead(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
