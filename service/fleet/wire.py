"""The agent contract: what the store-PC agent sends and is answered."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from service.fleet import labels
from service.fleet.kinds import CommandType, EventLevel, TerminalStatus
from service.fleet.schemas import MAX_DIAGNOSTIC_LINES, Serial, Version
from service.schemas import IsoDatetime, MultiLine, OneOf, SingleLine, plausible_client_time

MAX_EVENTS = 500
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("タイムゾーン付きの日時を指定してください")
    return value


# An agent's clock may be wrong (a store PC's battery): times outside the plausible range are stored as the moment the
# service received them (`device_time`), so a wrong clock never has heartbeats refused.
AgentTimestamp = Annotated[IsoDatetime, AfterValidator(_aware)]


def device_time(at: datetime, now: datetime) -> datetime:
    return at if plausible_client_time(at, now) else now


class EnrollIn(BaseModel):
    enrollment_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), SingleLine]
    serial_number: Serial
    firmware_version: Version
    agent_version: Annotated[str, StringConstraints(max_length=20), SingleLine] = ""


class EnrollOut(BaseModel):
    terminal_id: int
    serial_number: str
    token: str
    interval_seconds: int


class EventIn(BaseModel):
    client_event_id: Annotated[str, StringConstraints(min_length=1, max_length=64), SingleLine]
    occurred_at: AgentTimestamp
    level: EventLevel
    kind: Annotated[str, StringConstraints(min_length=1, max_length=50), SingleLine]
    message: Annotated[str, StringConstraints(max_length=2000), MultiLine] = ""

    def stored(self, now: datetime) -> dict[str, Any]:
        """The device's time is kept in the message."""
        if plausible_client_time(self.occurred_at, now):
            return {"occurred_at": self.occurred_at, "message": self.message}
        note = labels.DEVICE_CLOCK_NOTE.format(device_time=self.occurred_at.isoformat())
        return {"occurred_at": now, "message": self.message + note}


class HeartbeatIn(BaseModel):
    sent_at: AgentTimestamp
    status: Annotated[TerminalStatus, OneOf((TerminalStatus.ONLINE, TerminalStatus.ERROR))]  # what a beat reports
    firmware_version: Version
    cpu: Annotated[Percent, Field(description="CPU use of the store PC the agent runs on (not of the TC-200)")]
    memory: Annotated[Percent, Field(description="memory use of the store PC the agent runs on (not of the TC-200)")]
    disk: Annotated[Percent, Field(description="disk use of the store PC the agent runs on (not of the TC-200)")]
    agent_version: Annotated[str, StringConstraints(max_length=20), SingleLine] = ""
    error_message: Annotated[str, StringConstraints(max_length=500), MultiLine] | None = None
    events: Annotated[list[EventIn], Field(max_length=MAX_EVENTS)] = []


class CommandOut(BaseModel):
    id: int
    type: CommandType
    params: dict[str, Any]


class HeartbeatReply(BaseModel):
    interval_seconds: int
    commands: list[CommandOut] = []


class ProgressIn(BaseModel):
    state: Literal["downloading", "verifying", "installing", "restarting", "succeeded", "failed"]
    progress: Annotated[int, Field(ge=0, le=100)] = 0
    message: Annotated[str, StringConstraints(max_length=500), SingleLine] = ""


class DiagnosticsIn(BaseModel):
    command_id: int
    collected_at: AgentTimestamp
    lines: Annotated[
        list[Annotated[str, StringConstraints(max_length=2000), SingleLine]], Field(max_length=MAX_DIAGNOSTIC_LINES)
    ]


class AgentTokenOut(BaseModel):
    token: str
