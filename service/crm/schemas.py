"""What the 代理店CRM features' bodies are built from: text and coded fields with their rules, the version an edit
names, the optional `base` of a stale edit's three-way merge and the read models built from a form's fields. Field
names are the spec's (§2); each feature's bodies are in its own `schemas.py`.

mypy cannot read a model built at run time (optional_fields, read_model): under TYPE_CHECKING the features declare
the base the code relies on."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model

from service.crm import validation
from service.fields import length
from service.schemas import MultiLine, Rules, SingleLine, optional_fields


def text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> Rules:
    """Annotated[str, text(50)]."""
    constraints = StringConstraints(strip_whitespace=True, max_length=max_length, min_length=min_length)
    return Rules((constraints, MultiLine if multiline else SingleLine))


def checked(max_length: int | None, check: Callable[[str], str]) -> Rules:
    """Its length (surrounding spaces aside), then `check`, which normalises it."""
    return Rules((StringConstraints(strip_whitespace=True, max_length=max_length), AfterValidator(check), SingleLine))


def ruled(attribute: Any, check: Callable[[str], str]) -> Rules:
    """The column's length, so a form never takes what the column cannot hold."""
    return checked(length(attribute), check)


def kana(attribute: Any) -> Rules:
    return ruled(attribute, validation.katakana)


Version = Annotated[int, Field(ge=1, description="the version you read; a stale one is refused with 409")]
WRITE_ONLY = ("credit_card_number", "credit_card_security_code")  # never read back, so never in a `base`


def opened(fields: type[BaseModel]) -> type[BaseModel]:
    """All optional, the write-only ones left out, for the three-way merge of a stale edit (locking.lock_edit)."""
    secret = [name for name in WRITE_ONLY if name in fields.model_fields]
    return optional_fields(fields, fields.__name__.replace("Fields", "Base"), exclude=secret)


def _required(spec: Any) -> tuple[Any, Any]:
    return spec if isinstance(spec, tuple) else (spec, ...)


def read_model(
    model: type[BaseModel], name: str, *, exclude: tuple[str, ...] = (), first: dict[str, Any], last: dict[str, Any]
) -> type[BaseModel]:
    fields: dict[str, Any] = {key: _required(spec) for key, spec in first.items()}
    fields |= {field: (info.annotation, ...) for field, info in model.model_fields.items() if field not in exclude}
    fields |= {key: _required(spec) for key, spec in last.items()}
    return create_model(name, __config__=ConfigDict(from_attributes=True), **fields)


class VersionIn(BaseModel):
    version: Version


class RequestTimes(BaseModel):
    """The time a request's statuses have taken (service/crm/timing.py), as of the moment it was read."""

    status_since: datetime = Field(description="since when it is in its status")
    closed_at: datetime | None = Field(description="when it became 投入済 or キャンセル")
    in_status_seconds: int = Field(description="how long it has been in its status")
    total_seconds: int = Field(description="from 依頼日 to its close, or to now while open")
    agency_seconds: int = Field(description="of the total, the time in 不備: waiting on the agency")
    input_team_seconds: int = Field(description="of the total, the rest: the input team's time")
    days_to_submitted: float | None = Field(description="投入済: days from 依頼日 to 投入済, to one decimal")
    first_time_right: bool | None = Field(description="投入済: whether it was entered without any 不備")
