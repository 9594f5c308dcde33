"""A field's facts, stated once on its column (issue 52): its Japanese label, the choices it holds (a yes-or-no
column: its two words), the pattern it follows (in words), whether its changes are audited, whether the list's search
box finds it and its CSV holds it. Its length is its column's (String(500)). The rest reads them from here:

    note: Mapped[str] = mapped_column(String(500), default="", info=field_info("備考", searched=True, exported=True))
    active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE))  # 有効 / 無効

- the schemas' constraints: `Annotated[str, rules(Device.note)]` is the body field (its max_length the column's,
  SingleLine or MultiLine, the pattern's rule with its words); `Annotated[int, bounds(DataType.display_order)]` a
  number's least and greatest values (`minimum`, `maximum`);
- the audit words: `labels(Device)` are the audit vocabulary's words for the table's fields (labels.py), so a
  refusal of bad input and the history name the field alike; `audited(Device)` the fields a change records;
- the vocabulary endpoints: `vocabulary(Location, Model, Device)` serves each field's label, length, choices,
  yes-or-no words and pattern words (and the API's refusal in them) to the dashboards, which build their forms,
  lists' headers and tables from it (never a copy of their own);
- the files: a list's CSV and Excel write a yes-or-no cell in its column's words (`word`), never True/False;
- the field walk (tests/test_field_walk.py) fails on a column of an edited table without its facts.
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

FACTS = "field"  # the key of a column's info holding its Facts
# A yes-or-no column's words (true, false): the common pair, and those the spec gives some columns instead
YES_NO = ("はい", "いいえ")
ACTIVE = ("有効", "無効")  # a record in use or retired (CRM §2.1 is_active: 有効/無効)
ON_OFF = ("ON", "OFF")  # a notice sent or not (loaners §3.1.1 ステータス変更通知: 通知ON/OFF)
Modelish = Any  # a mapped class, its Table or the table's name


@dataclass(frozen=True)
class Facts:
    """What a person and the service know about one column, stated once."""

    label: str
    audited: bool = True  # its changes are recorded in the audit log
    group: str = ""  # the audited fields one action changes together ("hours"): its entries hold the group's fields
    searched: bool = False  # its list's search box finds a record by it
    exported: bool = False  # its list's CSV download holds it
    money: bool = False  # an amount in yen (a list's Excel download shows it as #,##0円)
    phone: bool = False  # a phone number (stored E.164; a downloaded file shows it as dialled, 090-1234-5678)
    choices: Mapping[str, str] = field(default_factory=dict)  # code -> words, in display order
    words: tuple[str, str] = YES_NO  # a yes-or-no (Boolean) column's words for true and false
    pattern: str = ""  # the rule its text follows, a regular expression (schemas.coded)
    pattern_words: str = ""  # and that rule in words
    multi_line: bool = False  # a text area: tab and newline pass
    min_length: int = 0
    max_length: int | None = None  # a text column's limit (Text), or a typed form longer than the stored (a phone)
    minimum: int | float | None = None  # a number's least value (a float for a fraction's column: 0.0)
    maximum: int | float | None = None  # a number's greatest value


def field_info(label: str, **facts: Any) -> dict[str, Any]:
    """A column's info holding its facts: mapped_column(String(100), info=field_info("拠点名", exported=True))."""
    return {FACTS: Facts(label, **facts)}


def _table(model: Modelish) -> Table:
    """A mapped class's table, a table, or a table's name."""
    if isinstance(model, str):
        return Base.metadata.tables[model]
    return model if isinstance(model, Table) else model.__table__


def column_of(attribute: InstrumentedAttribute | Column) -> Column:
    return attribute if isinstance(attribute, Column) else attribute.property.columns[0]


def facts_of(column: InstrumentedAttribute | Column) -> Facts | None:
    return column_of(column).info.get(FACTS)


def facts(attribute: InstrumentedAttribute | Column) -> Facts:
    """The column's facts; a column without them is a mistake of the code (the field walk names it)."""
    found = facts_of(attribute)
    if found is None:
        raise LookupError(f"{column_of(attribute)} states no facts (service/fields.py field_info)")
    return found


def max_length(attribute: InstrumentedAttribute | Column) -> int | None:
    """The field's length: its facts' own, else its column's: String(500) -> 500 (a foreign key's, the column it
    names); None for Text and the rest."""
    column = column_of(attribute)
    if FACTS in column.info and column.info[FACTS].max_length is not None:
        return column.info[FACTS].max_length
    kind = next((key.column.type for key in column.foreign_keys), column.type) if column.foreign_keys else column.type
    return kind.length if isinstance(kind, String) else None


def is_yes_no(attribute: InstrumentedAttribute | Column) -> bool:
    """A Boolean column: its cells are its facts' two words wherever a person reads them."""
    return isinstance(column_of(attribute).type, Boolean)


def word(found: Facts, value: bool | None) -> str:
    """A yes-or-no value in its column's words ("" for none): word(facts(Shop.active), False) -> 無効."""
    return said(found.words, value)


def said(words: tuple[str, str], value: bool | None) -> str:
    """A yes-or-no in these words (true, false), "" for none: said(YES_NO, True) -> はい, for one no column holds
    (a share's row: 初回完了, 提案のまま採用)."""
    return "" if value is None else words[0 if value else 1]


def length(attribute: InstrumentedAttribute | Column) -> int:
    """The field's length, for a text field that has one (a form's limit the service serves as a number)."""
    found = max_length(attribute)
    if found is None:
        raise LookupError(f"{column_of(attribute)} has no length")
    return found


def declared(model: Modelish) -> dict[str, Facts]:
    """The table's columns that state their facts, in the table's order."""
    return {column.name: column.info[FACTS] for column in _table(model).columns if FACTS in column.info}


def labels(*models: Modelish) -> dict[str, str]:
    """The fields' words for the audit vocabulary (the first table naming a field wins)."""
    words: dict[str, str] = {}
    for model in models:
        for name, found in declared(model).items():
            words.setdefault(name, found.label)
    return words


def choices(*models: Modelish) -> dict[str, Mapping[str, str]]:
    """The coded values' words by field, for the audit vocabulary's values."""
    return {name: found.choices for model in models for name, found in declared(model).items() if found.choices}


def yes_no_words(*models: Modelish) -> dict[str, tuple[str, str]]:
    """The yes-or-no fields' words by field, for the audit vocabulary's values (the first table naming a field wins)."""
    words: dict[str, tuple[str, str]] = {}
    for model in models:
        for column in _table(model).columns:
            if FACTS in column.info and is_yes_no(column):
                words.setdefault(column.name, column.info[FACTS].words)
    return words


def audited(model: Modelish, group: str = "") -> tuple[str, ...]:
    """The fields an entry about the record holds (created, changed from → to, deleted): those of the record's own
    edit, or of one group of fields another action changes (a customer's business hours, a device's current state)."""
    return tuple(name for name, found in declared(model).items() if found.audited and found.group == group)


def searched(model: Modelish) -> tuple[Column, ...]:
    """The columns its list's search box reads (search.contains(q, *searched(User)))."""
    return tuple(column for column in _table(model).columns if FACTS in column.info and column.info[FACTS].searched)


def exported(model: Modelish) -> tuple[Column, ...]:
    """The columns its list's CSV holds, in the table's order (exports.declared heads each with its label)."""
    return tuple(column for column in _table(model).columns if FACTS in column.info and column.info[FACTS].exported)


def rules(attribute: InstrumentedAttribute, *, min_length: int | None = None, strip: bool = True) -> Rules:
    """A request body's text rules for the column: its length and pattern from the column and its facts, then the
    single- or multi-line guard: `note: Annotated[str, rules(Device.note)] = ""`."""
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
    """A number field's constraint: the least and greatest values its column's facts state."""
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
    pattern_refusal: str = ""  # a value not following the pattern, in the API's refusal's words
    multi_line: bool = False
    words: list[str] = []  # a yes-or-no field's words for true and false; none for another field
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
    """Every declared field of these tables, by table name then column: what the dashboards' forms read."""
    return {
        _table(model).name: {name: field_words(_table(model).c[name], found) for name, found in declared(model).items()}
        for model in models
    }
