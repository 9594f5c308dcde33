"""The scan-station API's wire models (entry-logs.md appendix A, §3.6.3) as the station sends and reads them.

They mirror service.entry_logs.door.schemas for the station's bodies (its scans, and staff's 「カードを忘れた方」, whose
record answers with service.entry_logs.logs.schemas.LogRead), so a tablet needs pydantic, not the service;
tests/scanner_station/test_wire_models.py keeps the two in step.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, StringConstraints
from pydantic.alias_generators import to_camel

EntryType = Literal["Entry", "Exit"]
EntryMode = Literal["auto", "manual"]
DecidedBy = Literal["presence", "toggle", "staff"]
Token = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
# 「カードを忘れた方」's limits, as the service takes them (a form's fields hold no more)
STAFF_NAME_MAX = 100
PIN_MAX = 20
SEARCH_MAX = 50
REASON_MAX = 200


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class EntryExitLoginIn(CamelModel):
    nursery_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    station_id: Token | None = None
    device_token: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None


class EntryExitLoginOut(CamelModel):
    token: str
    nursery_id: int
    nursery_name: str
    expires_at: datetime
    device_token: str
    entry_mode: EntryMode  # auto: the service records the opposite of the person's state today


class HeartbeatOut(CamelModel):
    token: str
    expires_at: datetime


class ScanIn(CamelModel):
    """A scan; parentId is the scanned text or a number, checked as 1-10 ASCII digits by the service."""

    parent_id: StrictInt | StrictStr
    entry_type: EntryType
    nursery_id: StrictInt | None = None
    client_scan_id: Token | None = None
    station_id: Token | None = None
    scanned_at: datetime | None = None
    sent_at: datetime | None = None


class ScanOut(CamelModel):
    id: int
    parent_id: int
    parent_name: str
    nursery_id: int
    entry_type: EntryType
    timestamp: datetime
    child_names: list[str]
    duplicate: bool
    client_scan_id: str | None = None
    decided_by: DecidedBy  # presence (自動), toggle (the 入/出 sent), staff (by hand)
    refused_children: list[str] = []
    pickup_warning: str | None = None
    photo_version: int | None = None


# 「カードを忘れた方」: staff unlock it with the nursery's PIN, find a person, record their 入/出 by hand


class UnlockIn(CamelModel):
    pin: Annotated[str, StringConstraints(min_length=1, max_length=PIN_MAX)]
    staff_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=STAFF_NAME_MAX)]


class UnlockOut(CamelModel):
    token: str  # the Bearer token of the lookup and its records, until expiresAt
    expires_at: datetime


class ForgottenCardPerson(CamelModel):
    parent_id: int
    name: str
    name_kana: str
    kind: Literal["parent", "pass"]
    kind_label: str
    relation: str
    phone_last4: str
    child_names: list[str]
    inside: bool  # their latest log today is an entry


class ForgottenCardPeople(CamelModel):
    people: list[ForgottenCardPerson]
    more: bool  # more match than are shown: a longer search narrows them


class ForgottenCardIn(CamelModel):
    parent_id: StrictInt
    entry_type: EntryType
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX)]


class LogRead(CamelModel):
    """A log as the service lists it: what a record by hand answers."""

    id: int
    parent_id: int
    parent_name: str
    nursery_id: int
    nursery_name: str
    entry_type: EntryType
    timestamp: datetime
    child_names: list[str]
    station_id: str | None
    station_name: str | None  # the name staff gave the station
    received_at: datetime
    station_time: datetime | None
    recorded_by: str | None  # the staff member who recorded it by hand
    manual_reason: str | None
    late: bool
