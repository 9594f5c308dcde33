"""Request and response bodies of the device register."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from service.fields import rules
from service.loaners.models import Device
from service.loaners.schemas import ORM


class DeviceCreate(BaseModel):
    location_id: Annotated[str, rules(Device.location_id)]
    model_id: Annotated[str, rules(Device.model_id)]
    serial_number: Annotated[str, rules(Device.serial_number)]
    asset_number: Annotated[str, rules(Device.asset_number)] = ""
    software: Annotated[str, rules(Device.software)] = ""
    os: Annotated[str, rules(Device.os)] = ""
    management_number: Annotated[str, rules(Device.management_number)] | None = Field(
        None, description="Keep an existing label's number (checked against §4); generated when left out"
    )
    confirm: bool = Field(False, description="Register although a device with this serial number exists (else 409)")


class DeviceUpdate(BaseModel):
    asset_number: Annotated[str, rules(Device.asset_number)] | None = None
    software: Annotated[str, rules(Device.software)] | None = None
    os: Annotated[str, rules(Device.os)] | None = None


class DeviceRead(BaseModel):
    id: int
    management_number: str
    location_id: str
    location_name: str
    jurisdiction: str
    model_id: str
    model_name: str
    maker: str
    category: str
    kind: str
    kind_label: str
    device_type: str
    serial_number: str
    asset_number: str
    software: str
    os: str
    status: str | None
    held_status: str | None
    held_since: datetime | None
    held_days: int | None
    last_submitted_at: datetime | None
    form_url: str
    created_at: datetime
    updated_at: datetime


class CurrentState(BaseModel):
    submission_id: int
    submitted_at: datetime
    submitter_email: str
    answers: dict[str, str]


class DeviceDetail(DeviceRead):
    current: CurrentState | None
    held_status_since: datetime | None = Field(None, description="when its current 預かり機のステータス began")
    held_status_days: int | None = Field(None, description="whole days in that status (返却可能 for how long)")


class SubmissionRead(BaseModel):
    model_config = ORM

    id: int
    device_id: int
    submitted_at: datetime
    submitter_email: str
    status: str | None
    held_status: str | None
    answers: dict[str, str]
    source: str
    archived: bool = Field(default=False, description="moved to an archive by the rotation (read back from it)")
    status_changed: bool = False
