"""Response bodies of 返却待ち."""

from datetime import datetime

from pydantic import BaseModel, Field


class HeldDevice(BaseModel):
    device_id: int
    management_number: str
    location_id: str
    location_name: str
    model_name: str
    device_type: str
    held_status: str
    category: str
    held_since: datetime | None
    held_days: int | None


class ReturnDevice(HeldDevice):
    """A row of 返却待ち: a device in custody followed until it comes back, with its status age."""

    status_since: datetime = Field(description="when its current 預かり機のステータス began")
    status_days: int = Field(description="whole days in that status")
    customer: str = Field(description="1-1.貸出先 of its current answers")
    person: str = Field(description="0-1.担当者 of its current answers")
