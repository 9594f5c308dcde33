from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class OutboxAttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    error: str | None
    provider_message_id: str | None


class OutboxMessageRead(BaseModel):
    """One row of 送信履歴; attempts counts the current series (a manual retry starts a new one)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    recipient: str
    subject: str
    status: str
    attempts: int
    provider_message_id: str | None
    delivery_status: str | None
    last_error: str | None
    domain: str
    ref_type: str | None
    ref_id: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime


class OutboxMessageDetail(OutboxMessageRead):
    body: str
    attempts_log: list[OutboxAttemptRead] = Field(validation_alias="attempt_log")


class OutboxVocabulary(BaseModel):
    """The codes 送信履歴's filters offer, with their words (code -> Japanese, in display order)."""

    statuses: dict[str, str]
    channels: dict[str, str]
