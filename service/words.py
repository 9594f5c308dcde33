"""The words each domain registers (its labels.py): the Japanese of its actions, targets, fields and values, beside
the codes. The audit log reads its entries with them (service/audit/vocabulary.py) and a refusal of bad input names its
fields with them (service/errors.py), so every request body field has words here (tests/service/test_field_words.py)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from typing import Self, TypeVar, cast

from sqlalchemy import Integer, select
from sqlalchemy.orm import Session

from service import fields
from service.database import Base
from service.roles import PLATFORM

Words = Mapping[str, str]
Names = Callable[[Session, Sequence[str]], Mapping[str, str]]  # target ids -> readable names
# (target id, value) pairs -> the values' names, for a field whose value means something by its target (a grant's scope:
# a tenant of the grant's domain)
ValueNames = Callable[[Session, Sequence[tuple[str, str]]], Mapping[tuple[str, str], str]]

COMMON_ACTIONS: Words = {"create": "作成", "update": "更新", "delete": "削除", "demo_load": "デモデータ投入"}


class Kind(StrEnum):
    """A code and its words (`label`): each domain's kinds (its kinds.py) are declared once as these, and its labels
    tables, API types and OpenAPI enums, CSV words and rules read them. A kind with facts takes them in `__new__`."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        return kind_member(cls, value, label)

    @classmethod
    def of(cls, code: str) -> Self:
        """The member of a stored code (a KeyError for an unknown one)."""
        return cast(Self, cls._value2member_map_[code])

    @classmethod
    def words(cls) -> dict[str, str]:
        """Code -> words, in the declared order (the vocabulary's table)."""
        return {kind.value: kind.label for kind in cls}


K = TypeVar("K", bound=Kind)


def kind_member(cls: type[K], value: str, label: str, **facts: object) -> K:
    """A member of `cls` with its code, words and facts (a kind's `__new__` names them)."""
    member = str.__new__(cls, value)
    member._value_ = value
    member.label = label
    for name, fact in facts.items():
        setattr(member, name, fact)
    return member


def by_column(table: str, name: str, key: str = "id") -> Names:
    def names(db: Session, ids: Sequence[str]) -> Mapping[str, str]:
        columns = Base.metadata.tables[table].c
        numeric = isinstance(columns[key].type, Integer)
        keys = [int(i) for i in ids if i.isdigit()] if numeric else list(ids)
        if not keys:
            return {}
        rows = db.execute(select(columns[key], columns[name]).where(columns[key].in_(keys)))
        return {str(k): str(v) for k, v in rows if v}

    return names


@dataclass(frozen=True)
class Target:
    label: str
    names: Names | None = None
    name_field: str | None = None  # for a record deleted since
    fields: Words = field(default_factory=dict)
    values: Mapping[str, Words] = field(default_factory=dict)
    values_for: Callable[[str], Mapping[str, Words]] | None = None
    value_names: Mapping[str, ValueNames] = field(default_factory=dict)  # by field
    table: str = ""  # the words and choices its columns declare (service/fields.py) are its own too

    @classmethod
    def named_by(cls, label: str, table: str, column: str) -> "Target":
        """Read by id, or from a deleted record's last changes."""
        return cls(label, by_column(table, column), name_field=column, table=table)

    @cached_property  # read for every field of every entry shown
    def words(self) -> Words:
        return {**table_words(self.table), **self.fields} if self.table else self.fields

    @cached_property
    def value_words(self) -> Mapping[str, Words]:
        return {**table_choices(self.table), **self.values} if self.table else self.values

    @cached_property
    def yes_no(self) -> Mapping[str, tuple[str, str]]:
        return table_yes_no(self.table) if self.table else {}


@dataclass(frozen=True)
class Vocabulary:
    domain: str
    actions: Words
    targets: Mapping[str, Target]
    fields: Words = field(default_factory=dict)
    values: Mapping[str, Words] = field(default_factory=dict)
    statuses: Mapping[str, Words] = field(default_factory=dict)
    references: Mapping[str, Names] = field(default_factory=dict)
    tables: Sequence[str] = ()
    # action -> the table whose record it changes, where the entry names its parent: that table's words come first (a
    # nursery's care hours: their closing_time is 保育終了時刻, not the nursery's 閉園時刻)
    action_tables: Mapping[str, str] = field(default_factory=dict)

    def action(self, code: str) -> str | None:
        return self.actions.get(code) or COMMON_ACTIONS.get(code)

    @cached_property
    def words(self) -> Words:
        """The first table naming a field wins."""
        return {**table_words(*self.tables), **self.fields}

    @cached_property
    def yes_no(self) -> Mapping[str, tuple[str, str]]:
        return table_yes_no(*self.tables)


@cache
def table_words(*tables: str) -> Words:
    """Read once the models are all imported."""
    return fields.labels(*(Base.metadata.tables[name] for name in tables))


@cache
def table_choices(table: str) -> Mapping[str, Words]:
    return fields.choices(Base.metadata.tables[table])


@cache
def table_yes_no(*tables: str) -> Mapping[str, tuple[str, str]]:
    return fields.yes_no_words(*(Base.metadata.tables[name] for name in tables))


VOCABULARIES: dict[str, Vocabulary] = {}


def register(vocabulary: Vocabulary) -> Vocabulary:
    VOCABULARIES[vocabulary.domain] = vocabulary
    return vocabulary


EMPTY = Vocabulary("", {}, {})


def vocabulary_of(domain: str) -> Vocabulary:
    return VOCABULARIES.get(domain, EMPTY)


def field_words(domain: str, name: str, target: str = "") -> str | None:
    """The target kind's own, the domain's, its other kinds', else the platform's; None when none has words for it."""
    own = vocabulary_of(domain).targets.get(target)
    for vocabulary in (vocabulary_of(domain), vocabulary_of(PLATFORM)):
        for words in (
            own.words if own else {},
            vocabulary.words,
            *(kind.words for kind in vocabulary.targets.values()),
        ):
            if name in words:
                return words[name]
    return None
