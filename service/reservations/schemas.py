"""Request and response bodies the reservations features share: the base models, phone numbers, e-mail
addresses and local times as read, the words of labels.py's dictionaries, and a page as an operation or incident shows
it; each feature's own are in its `schemas.py`, the MCP tools' in booking/schemas.py."""

from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, StringConstraints
from pydantic_core import PydanticCustomError

from service.config import get_settings
from service.fields import FieldWords, rules
from service.reservations.models import PHONE_MAX, Reservation, Shop
from service.reservations.phones import PHONE_WORDS, PhoneFormatError, normalise_phone
from service.schemas import ClientTimestamp, IsoDatetime, SingleLine


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except PhoneFormatError as exc:
        raise PydanticCustomError("phone_format", f"電話番号は{PHONE_WORDS}で入力してください") from exc


def local_datetime(value: datetime) -> datetime:
    """A time without a zone is read in the service's time zone (Asia/Tokyo); kept in UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=ZoneInfo(get_settings().timezone))).astimezone(UTC)


REASON_MAX = 500  # a cancellation's reason (its event's)
CODE_MAX = 10  # a reservation's code as typed: QRV-XXXXXX
Phone = Annotated[str, StringConstraints(max_length=PHONE_MAX), AfterValidator(_phone), SingleLine]
# email-validator's rule, then the column's length and shape (service/schemas.py EMAIL_SHAPE); "" for none
RequesterEmail = Annotated[EmailStr, rules(Reservation.requester_email)] | Literal[""]
ShopEmail = Annotated[EmailStr, rules(Shop.email)] | Literal[""]
LocalDateTime = Annotated[IsoDatetime, AfterValidator(local_datetime)]
ClientLocalDateTime = Annotated[ClientTimestamp, AfterValidator(local_datetime)]  # when something happened


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ReservationsVocabulary(BaseModel):
    """What the dashboards' pages show and mirror: labels (code -> Japanese, in display order), the status
    transitions ({from: [to, ...]}) and the text limits of the forms."""

    statuses: dict[str, str]
    actor_types: dict[str, str]
    operation_types: dict[str, str]
    priorities: dict[str, str]
    operation_statuses: dict[str, str]
    incident_levels: dict[str, str]
    incident_policies: dict[str, dict[str, str]]
    inquiry_channels: dict[str, str]
    inquiry_requester_types: dict[str, str]
    inquiry_statuses: dict[str, str]
    satisfaction_sources: dict[str, str]
    survey_channels: dict[str, str]
    link_channels: dict[str, str]  # the payment link's
    transitions: dict[str, list[str]]
    limits: dict[str, int]
    fields: dict[str, dict[str, FieldWords]]  # each table's fields as the forms show and check them (models.py)


class PagingRead(BaseModel):
    """The page of an operation or incident: who was paged last (step 0 the person on duty, then the chain), by
    when they are to acknowledge, and the acknowledgement."""

    steps: int
    paged_name: str | None
    paged_at: datetime | None
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str
