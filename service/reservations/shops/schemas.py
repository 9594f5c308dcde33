"""Request and response bodies of the service types and partner shops."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool

from service.fields import rules
from service.figures import FigureRead
from service.reservations.models import AMOUNT_MAX, ServiceType, Shop
from service.reservations.schemas import Phone, Read, ShopEmail, Strict
from service.schemas import JapanTime, LocalTime, MultiLine, SingleLine

Price = Annotated[int, Field(ge=0, le=AMOUNT_MAX)]
DURATION_MAX = 24 * 60  # a service's length in minutes: a day at most
DurationMinutes = Annotated[int, Field(ge=1, le=DURATION_MAX)]


class ServiceTypeCreate(Strict):
    name: Annotated[str, rules(ServiceType.name)]
    description: Annotated[str, rules(ServiceType.description, strip=False)] = ""
    price: Price
    duration_minutes: DurationMinutes
    active: StrictBool = True


class ServiceTypeUpdate(Strict):
    name: Annotated[str, rules(ServiceType.name)] | None = None
    description: Annotated[str, rules(ServiceType.description, strip=False)] | None = None
    price: Price | None = None
    duration_minutes: DurationMinutes | None = None
    active: StrictBool | None = None


class ServiceTypeRead(Read):
    id: int
    name: str
    description: str
    price: int
    duration_minutes: int
    active: bool


class ServiceOption(Read):
    id: int
    name: str


ServiceTypeIds = Annotated[list[int], Field(max_length=200)]
ClosedDays = Annotated[str, Field(max_length=20), SingleLine]  # 「水祝」: hours.closed_days reads it
CALL_ORDER_MAX = 100_000  # a shop's place in the call order
CallOrder = Annotated[int, Field(ge=0, le=CALL_ORDER_MAX)]


class ShopCreate(Strict):
    name: Annotated[str, rules(Shop.name)]
    phone: Phone
    email: ShopEmail = ""
    service_type_ids: ServiceTypeIds = Field(default_factory=list)
    call_order: CallOrder = 100
    active: StrictBool = True
    notes: Annotated[str, rules(Shop.notes, strip=False)] = ""
    opens_at: LocalTime | None = None  # 営業時間 (Japan time): both or neither
    closes_at: LocalTime | None = None
    closed_days: ClosedDays = ""


class ShopUpdate(Strict):
    name: Annotated[str, rules(Shop.name)] | None = None
    phone: Phone | None = None
    email: ShopEmail | None = None
    service_type_ids: ServiceTypeIds | None = None
    call_order: CallOrder | None = None
    active: StrictBool | None = None
    notes: Annotated[str, rules(Shop.notes, strip=False)] | None = None
    opens_at: LocalTime | None = None
    closes_at: LocalTime | None = None
    closed_days: ClosedDays | None = None
    all_day: StrictBool | None = None  # true: the hours are removed (called at any time)


class ShopRead(Read):
    id: int
    name: str
    phone: str
    email: str
    call_order: int
    active: bool
    notes: str
    opens_at: JapanTime | None
    closes_at: JapanTime | None
    closed_days: str
    auto_calls_stopped_at: datetime | None
    auto_calls_stopped_reason: str
    services: list[ServiceOption]


class AutoCallsStop(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=500), MultiLine]


class ShopImportResult(BaseModel):
    created: int
    updated: int


class ShopCallFigures(BaseModel):
    """A shop's automated calls today and this month (call_figures.FIGURES, in that order in each)."""

    shop_id: int
    shop_name: str
    auto_calls_stopped: bool
    no_answer_flagged: bool  # this month's calls mostly unanswered (APP_RESERVATIONS_SHOP_NO_ANSWER_ALERT_PCT)
    calls_per_hour: int  # the call budget (budget.Budget)
    calls_per_day: int
    calls_left_today: int  # the day's budget less today's calls
    today: list[FigureRead]
    month: list[FigureRead]


class CallRow(BaseModel):
    id: int
    created_at: datetime
    reservation_code: str
    shop_id: int
    shop_name: str
    round: int
    outcome: str | None
    outcome_label: str
    summary: str
