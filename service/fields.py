"""A field's facts, stated once on its column's info (issue 52): label, choices, yes-or-no words, pattern, whether it is
audited, searched and exported. Schemas (`rules`, `bounds`), the audit vocabulary (`labels`, `audited`), the dashboards'
vocabulary endpoints and the list downloads all read them from here; the field walk (tests/test_field_walk.py) fails on
a column of an edited table without its facts.

    note: Mapped[str] = mapped_column(String(500), default="", info=field_info("備考", searched=True, exported=True))
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import Boolean, Column, String, Table
from sqlalchemy.orm import InstrumentedAttribute

from service.database import Base
from service.schemas import MultiLine, Rules, SingleLine, coded, pattern_refusal

FACTS = "field"
# A yes-or-no column's words (true, false): the common pair, and those the spec gives some columns instead
YES_NO = ("はい", "いいえ")
ACTIVE = ("有効", "無効")  # a record in use or retired (CRM §2.1 is_active: 有効/無効)
ON_OFF = ("ON", "OFF")  # a notice sent or not (loaners §3.1.1 ステータス変更通知: 通知ON/OFF)
Modelish = Any  # a mapped class, its Table or the table's name


@dataclass(frozen=True)
class Facts:
    label: str
    audited: bool = True
    group: str = ""  # the audited fields one action changes together ("hours"): its entries hold the group's fields
    searched: bool = False
    exported: bool = False
    money: bool = False  # an amount in yen (a list's Excel download shows it as #,##0円)
    phone: bool = False  # a phone number (stored E.164; a downloaded file shows it as dialled, 090-1234-5678)
    choices: Mapping[str, str] = field(default_factory=dict)  # in display order
    words: tuple[str, str] = YES_NO
    pattern: str = ""  # schemas.coded
    pattern_words: str = ""
    multi_line: bool = False  # a text area: tab and newline pass
    min_length: int = 0
    max_length: int | None = None  # a text column's limit (Text), or a typed form longer than the stored (a phone)
    minimum: int | float | None = None  # a number's least value (a float for a fraction's column: 0.0)
    maximum: int | float | None = None  # a number's greatest value


def field_info(label: str, **facts: Any) -> dict[str, Any]:
    return {FACTS: Facts(label, **facts)}


def _table(model: Modelish) -> Table:
    if isinstance(model, str):
        return Base.metadata.tables[model]
    return model if isinstance(model, Table) else model.__table__


def column_of(attribute: InstrumentedAttribute | Column) -> Column:
    return attribute if isinstance(attribute, Column) else attribute.property.columns[0]


def facts_of(column: InstrumentedAttribute | Column) -> Facts | None:
    return column_of(column).info.get(FACTS)


def facts(attribute: InstrumentedAttribute | Column) -> Facts:
    """A column without them is a mistake of the code (the field walk names it)."""
    found = facts_of(attribute)
    if found is None:
        raise LookupError(f"{column_of(attribute)} states no facts (service/fields.py field_info)")
    return found


def max_length(attribute: InstrumentedAttribute | Column) -> int | None:
    """Its facts' own, else its column's (a foreign key's: the column it names); None for Text."""
    column = column_of(attribute)
    if FACTS in column.info and column.info[FACTS].max_length is not None:
        return column.info[FACTS].max_length
    kind = next((key.column.type for key in column.foreign_keys), column.type) if column.foreign_keys else column.type
    return kind.length if isinstance(kind, String) else None


def is_yes_no(attribute: InstrumentedAttribute | Column) -> bool:
    return isinstance(column_of(attribute).type, Boolean)


def word(found: Facts, value: bool | None) -> str:
    """word(facts(Shop.active), False) -> 無効."""
    return said(found.words, value)


def said(words: tuple[str, str], value: bool | None) -> str:
    """For a yes-or-no no column holds (a share's row: 初回完了, 提案のまま採用)."""
    return "" if value is None else words[0 if value else 1]


def length(attribute: InstrumentedAttribute | Column) -> int:
    found = max_length(attribute)
    if found is None:
        raise LookupError(f"{column_of(attribute)} has no length")
    return found


def declared(model: Modelish) -> dict[str, Facts]:
    return {column.name: column.info[FACTS] for column in _table(model).columns if FACTS in column.info}


def labels(*models: Modelish) -> dict[str, str]:
    """The first table naming a field wins."""
    words: dict[str, str] = {}
    for model in models:
        for name, found in declared(model).items():
            words.setdefault(name, found.label)
    return words


def choices(*models: Modelish) -> dict[str, Mapping[str, str]]:
    return {name: found.choices for model in models for name, found in declared(model).items() if found.choices}


def yes_no_words(*models: Modelish) -> dict[str, tuple[str, str]]:
    """The first table naming a field wins."""
    words: dict[str, tuple[str, str]] = {}
    for model in models:
        for column in _table(model).columns:
            if FACTS in column.info and is_yes_no(column):
                words.setdefault(column.name, column.info[FACTS].words)
    return words


def audited(model: Modelish, group: str = "") -> tuple[str, ...]:
    """Those of the record's own edit, or of one group of fields another action changes (business hours)."""
    return tuple(name for name, found in declared(model).items() if found.audited and found.group == group)


def searched(model: Modelish) -> tuple[Column, ...]:
    return tuple(column for column in _table(model).columns if FACTS in column.info and column.info[FACTS].searched)


def exported(model: Modelish) -> tuple[Column, ...]:
    return tuple(column for column in _table(model).columns if FACTS in column.info and column.info[FACTS].exported)


def rules(attribute: InstrumentedAttribute, *, min_length: int | None = None, strip: bool = True) -> Rules:
    """`note: Annotated[str, rules(Device.note)] = ""`."""
    found = facts(attribute)
    constraints: dict[str, Any] = {"max_length": max_length(attribute)}
    least = found.min_length if min_length is None else min_length
    if least:
        constraints["min_length"] = least
    if strip:
        constraints["strip_whitespace"] = True
    if found.pattern:
        return coded(found.pattern, found.pattern_words, **constraints)
    return Rules((StringConstraints(**constraints), MultiLine if found.multi_line else SingleLine))


def bounds(attribute: InstrumentedAttribute) -> Any:
    found = facts(attribute)
    return PydanticField(ge=found.minimum, le=found.maximum)


class FieldWords(BaseModel):
    """One field as a form shows and checks it: GET /api/<domain>/vocabulary `fields`."""

    label: str
    min_length: int = 0
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: dict[str, str] = {}
    pattern: str = ""
    pattern_words: str = ""
    pattern_refusal: str = ""
    multi_line: bool = False
    words: list[str] = []
    searched: bool = False
    exported: bool = False


def field_words(attribute: Column, found: Facts) -> FieldWords:
    return FieldWords(
        label=found.label,
        min_length=found.min_length,
        max_length=max_length(attribute),
        minimum=found.minimum,
        maximum=found.maximum,
        choices=dict(found.choices),
        pattern=found.pattern,
        pattern_words=found.pattern_words,
        pattern_refusal=pattern_refusal(found.pattern_words) if found.pattern else "",
        multi_line=found.multi_line,
        words=list(found.words) if is_yes_no(attribute) else [],
        searched=found.searched,
        exported=found.exported,
    )


def vocabulary(models: Iterable[Modelish]) -> dict[str, dict[str, FieldWords]]:
    """What the dashboards' forms read."""
    return {
        _table(model).name: {name: field_words(_table(model).c[name], found) for name, found in declared(model).items()}
        for model in models
    }
