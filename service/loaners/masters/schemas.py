"""Request and response bodies of the masters: locations, models, categories and data types."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, StrictBool

from service.fields import bounds, rules
from service.loaners.kinds import Category, LocationStatus
from service.loaners.models import DataType, Location, Model
from service.loaners.schemas import ORM
from service.schemas import Text

GroupEmail = Annotated[EmailStr, rules(Location.group_email)]  # email-validator's rule, then the column's shape


class LocationCreate(BaseModel):
    id: Annotated[str, rules(Location.id)]
    code: Annotated[str, rules(Location.code)]
    name: Annotated[str, rules(Location.name)]
    jurisdiction: Annotated[str, rules(Location.jurisdiction)]
    group_email: GroupEmail
    notify_status_change: StrictBool = False
    status: LocationStatus = LocationStatus.ACTIVE


class LocationUpdate(BaseModel):
    code: Annotated[str, rules(Location.code)] | None = None
    name: Annotated[str, rules(Location.name)] | None = None
    jurisdiction: Annotated[str, rules(Location.jurisdiction)] | None = None
    group_email: GroupEmail | None = None
    notify_status_change: StrictBool | None = None
    status: LocationStatus | None = None


class LocationRead(BaseModel):
    model_config = ORM

    id: str
    code: str
    name: str
    jurisdiction: str
    group_email: str
    notify_status_change: bool
    status: str
    created_at: datetime
    updated_at: datetime


class ModelCreate(BaseModel):
    name: Annotated[str, rules(Model.name)]
    maker: Annotated[str, rules(Model.maker)]
    category: Category
    note: Annotated[str, rules(Model.note)] = ""


class ModelUpdate(BaseModel):
    name: Annotated[str, rules(Model.name)] | None = None
    maker: Annotated[str, rules(Model.maker)] | None = None
    category: Category | None = None
    note: Annotated[str, rules(Model.note)] | None = None


class ModelRead(BaseModel):
    model_config = ORM

    id: str
    name: str
    maker: str
    category: str
    category_label: str = ""
    kind: str = ""
    number_section: str
    note: str
    created_at: datetime
    updated_at: datetime


class CategoryRead(BaseModel):
    category: str
    label: str
    number_section: str
    kind: str
    kind_label: str
    device_type: str


DataTypeName = Annotated[str, rules(DataType.name)]
DataTypeDescription = Annotated[str, rules(DataType.description)]
DisplayOrder = Annotated[int, bounds(DataType.display_order)]
FilterCondition = Annotated[str, rules(DataType.filter_condition)]


class DataTypeCreate(BaseModel):
    id: Annotated[str, rules(DataType.id)]
    name: DataTypeName
    description: DataTypeDescription = ""
    display_order: DisplayOrder
    filter_condition: FilterCondition = ""
    source_settings: dict[Text, Any] = {}
    display_settings: dict[Text, Any] = {}
    status: LocationStatus = LocationStatus.ACTIVE


class DataTypeUpdate(BaseModel):
    name: DataTypeName | None = None
    description: DataTypeDescription | None = None
    display_order: DisplayOrder | None = None
    filter_condition: FilterCondition | None = None
    source_settings: dict[Text, Any] | None = None
    display_settings: dict[Text, Any] | None = None
    status: LocationStatus | None = None


class DataTypeRead(BaseModel):
    model_config = ORM

    id: str
    name: str
    description: str
    display_order: int
    filter_condition: str
    source_settings: dict[str, Any]
    display_settings: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime
