"""The scan station's bodies (the spec's appendix A): sign-in, heartbeat, scan, 「カードを忘れた方」."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictInt, StrictStr, StringConstraints

from service.entry_logs.kinds import DecidedBy, EntryMode, EntryType, PersonKind
from service.entry_logs.schemas import CamelModel, Name, Reason, Token, UtcSeconds
from service.identity.schemas import DeviceToken
from service.schemas import SingleLine


class EntryExitLoginIn(CamelModel):
    nursery_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), SingleLine]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200), SingleLine]
    station_id: Token | None = Field(default=None, description="the station's own id, shown where it can be signed out")
    device_token: DeviceToken | None = None


class EntryExitLoginOut(CamelModel):
    token: str
    nursery_id: int
    nursery_name: str
    expires_at: UtcSeconds
    device_token: str = Field(description="kept by the station for its next login (a known station passes a lock)")
    entry_mode: EntryMode = Field(
        description="auto: each scan is recorded as the opposite of the person's state today; manual: as the button"
    )


class HeartbeatOut(CamelModel):
    token: str
    expires_at: UtcSeconds


class ScanIn(CamelModel):
    """A scan; parentId is the scanned text or a number, checked as 1-10 ASCII digits by the service."""

    parent_id: StrictInt | StrictStr
    entry_type: EntryType
    nursery_id: StrictInt | None = None
    client_scan_id: Token | None = None
    station_id: Token | None = None
    scanned_at: datetime | None = Field(
        default=None, description="when the scan happened, by the station's clock (queued offline scans); default now"
    )
    sent_at: datetime | None = Field(
        default=None,
        description="the station's clock when this request is sent: the scan is recorded (sentAt - scannedAt) before "
        "the service's now, so a station's clock that is off misfiles nothing",
    )


class ScanOut(CamelModel):
    id: int
    parent_id: int
    parent_name: str
    nursery_id: int
    entry_type: EntryType
    timestamp: UtcSeconds
    child_names: list[str] = Field(description="the parent's children expected on the scan's day (欠席 left out)")
    duplicate: bool = Field(description="true when nothing new was written: a replayed clientScanId or a double scan")
    client_scan_id: str | None = Field(
        default=None,
        description="the returned log's clientScanId: the request's own for its own (replayed) write; "
        "another scan's, or null, for a double scan",
    )
    decided_by: DecidedBy = Field(
        description="what decided the log's entryType: presence (自動: the opposite of the person's state today, "
        "whatever entryType was sent), toggle (the station's button), staff (recorded by hand)"
    )
    refused_children: list[str] = Field(
        default_factory=list,
        description="an exit by someone who may not collect these children, expected today (stored all the same)",
    )
    pickup_warning: str | None = Field(
        default=None, description="the red warning the station shows for refusedChildren (null: none)"
    )
    photo_version: int | None = Field(
        default=None, description="the adult has a photo: GET /entry-exit-logs/parents/{parentId}/photo (null: none)"
    )


class UnlockIn(CamelModel):
    """The nursery's PIN, and who unlocks (named on the logs they record)."""

    pin: Annotated[str, StringConstraints(min_length=1, max_length=20), SingleLine]
    staff_name: Name


class UnlockOut(CamelModel):
    token: str = Field(description="the Bearer token of the lookup and its records, until expiresAt")
    expires_at: UtcSeconds


class ForgottenCardPerson(CamelModel):
    parent_id: int
    name: str
    name_kana: str
    kind: PersonKind
    kind_label: str
    relation: str
    phone_last4: str = Field(description="the last 4 digits of the phone (empty: none)")
    child_names: list[str]
    inside: bool = Field(description="their latest log today is an entry")


class ForgottenCardPeople(CamelModel):
    people: list[ForgottenCardPerson] = Field(description="at most 10")
    more: bool = Field(description="more match: a longer search narrows them")


class ForgottenCardIn(CamelModel):
    """An entry or exit recorded by staff at the station, now, with why."""

    parent_id: StrictInt
    entry_type: EntryType
    reason: Reason
