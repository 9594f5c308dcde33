"""The log list's bodies and 再登録's."""

from pydantic import Field

from service.entry_logs.kinds import EntryType
from service.entry_logs.schemas import CamelModel, OccurredAt, Reason, UtcSeconds


class LogRead(CamelModel):
    id: int
    parent_id: int
    parent_name: str
    nursery_id: int
    nursery_name: str
    entry_type: EntryType
    timestamp: UtcSeconds
    child_names: list[str]
    station_id: str | None
    station_name: str | None = Field(description="the name staff gave the station (null: none yet, or by hand)")
    received_at: UtcSeconds = Field(description="when the service stored it")
    station_time: UtcSeconds | None = Field(
        description="the station's own clock reading of the scan, where it was off by more than a minute"
    )
    recorded_by: str | None = Field(description="the staff member who recorded it by hand (no station)")
    manual_reason: str | None = Field(description="why it was recorded by hand (再登録)")
    late: bool = Field(description="stored well after it happened (a scan queued offline): APP_ENTRY_LOGS_LATE_MINUTES")


class LogPage(CamelModel):
    logs: list[LogRead]
    total_count: int
    page: int
    page_size: int


class ManualLogIn(CamelModel):
    """再登録: an entry or exit a scan missed, at its real time, with the reason (required)."""

    entry_type: EntryType
    occurred_at: OccurredAt
    reason: Reason
