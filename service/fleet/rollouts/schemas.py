"""Bodies of firmware releases, rollouts in waves and their update tasks."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from service.fields import bounds, rules
from service.fleet import labels
from service.fleet.models import FirmwareRelease, Rollout
from service.fleet.registry.schemas import TerminalFilter
from service.fleet.schemas import Labelled

# A release's upload (a multipart form: POST /firmware/releases).
ReleaseVersion = Annotated[str, rules(FirmwareRelease.version)]
Sha256 = Annotated[str, rules(FirmwareRelease.sha256)]
ReleaseNotes = Annotated[str, rules(FirmwareRelease.notes)]


class ReleaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: str
    sha256: str
    size: int
    filename: str
    notes: str
    created_by: str
    created_at: datetime


def _cumulative_waves(waves: list[float]) -> list[float]:
    if not waves or any(b <= a for a, b in zip(waves, waves[1:], strict=False)) or waves[-1] != 100:
        raise ValueError("波は増加する累積パーセント（最後は100）で指定してください")
    return waves


class RolloutTarget(BaseModel):
    customer_id: int | None = None
    terminal_ids: Annotated[list[int], Field(max_length=labels.ROLLOUT_TERMINALS_MAX)] | None = None
    filter: TerminalFilter | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "RolloutTarget":
        given = [x for x in (self.customer_id, self.terminal_ids, self.filter) if x is not None]
        if len(given) != 1:
            raise ValueError("対象は顧客・端末リスト・条件のいずれか1つを指定してください")
        return self


class RolloutCreate(BaseModel):
    release_id: int
    target: RolloutTarget
    waves: Annotated[list[Annotated[float, Field(gt=0, le=100)]], AfterValidator(_cumulative_waves)] = [1, 10, 100]
    failure_threshold_pct: Annotated[float, bounds(Rollout.failure_threshold_pct)] | None = None
    timeout_minutes: Annotated[int, bounds(Rollout.timeout_minutes)] | None = None


class WaveProgress(BaseModel):
    wave: int
    percent: float
    total: int
    succeeded: int
    failed: int
    active: int
    queued: int
    cancelled: int


class RolloutRead(Labelled):
    LABELS = {"status": labels.ROLLOUT_STATUSES}

    id: int
    release_id: int
    version: str
    customer_id: int | None  # None: its terminals belong to several customers
    company_name: str | None  # the customer's name, as customer_id
    target: dict[str, Any]
    status: str
    status_label: str = ""
    paused_reason: str
    current_wave: int
    failure_threshold_pct: float
    timeout_minutes: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    waves: list[WaveProgress]


class UpdateTaskRead(Labelled):
    LABELS = {"status": labels.TASK_STATUSES}

    id: int
    rollout_id: int
    version: str
    wave: int
    status: str
    status_label: str = ""
    progress: int
    message: str
    started_at: datetime | None
    deadline_at: datetime | None
    finished_at: datetime | None
