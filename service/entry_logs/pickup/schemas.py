"""お迎え管理's bodies: who may collect a child, 「本日のみ」 passes, alerts."""

from datetime import date
from typing import Annotated

from pydantic import Field, StrictInt

from service.entry_logs.kinds import PickupKind
from service.entry_logs.models import Parent, PickupRule
from service.entry_logs.schemas import CamelModel, Name, ParentKana, UtcSeconds
from service.fields import rules


class Collector(CamelModel):
    """An adult in a child's pick-up list: a guardian (restricted or not) or a 「本日のみ」 person."""

    parent_id: int
    name: str
    relation: str
    kind: PickupKind
    kind_label: str = ""
    pass_date: date | None
    note: str
    has_photo: bool


class ChildPickup(CamelModel):
    child_id: int
    child_name: str
    collectors: list[Collector]


class RestrictionIn(CamelModel):
    note: Annotated[str, rules(PickupRule.note)] = Field("", description="why (a court order, the family's request)")


class PassCreate(CamelModel):
    """A 「本日のみ」 person: who, who they are to the child, the one date, and the children they may collect."""

    name: Name
    name_kana: ParentKana = ""
    relation: Annotated[str, rules(Parent.relation)] = ""
    date: date
    child_ids: Annotated[list[StrictInt], Field(min_length=1, max_length=10)]


class PassRead(CamelModel):
    parent_id: int
    nursery_id: int
    name: str
    name_kana: str
    relation: str
    pass_date: date | None = Field(description="the one day they may collect; null once revoked")
    child_names: list[str]
    url: str | None = Field(description="their phone barcode page")


class PickupAlertRead(CamelModel):
    id: int
    log_id: int
    parent_id: int
    parent_name: str
    child_names: str
    warning: str
    created_at: UtcSeconds
