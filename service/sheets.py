"""What a downloaded file holds, whichever writer writes it (CSV in service/exports.py, Excel in service/xlsx.py): its
columns, each a header, a record's value and what kind of value it is, and its rows in batches."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GENERAL, CODE, PHONE, MONEY = "general", "code", "phone", "money"  # what a column holds (Column.kind)
TEXT_KINDS = frozenset({CODE, PHONE})  # written as text cells formatted as text (@), so an edit keeps them text


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]  # a record -> its cell's value
    # CODE: an id or code, always text (an id 42 is "42"); PHONE: written as dialled (090-1234-5678); MONEY: yen
    kind: str = GENERAL


@dataclass(frozen=True)
class Printed:
    """A sheet made to be printed (Excel): A4 landscape fitted to the page's width, its title and a note in the page's
    header and the table's header row on every page; its cells are the table alone, as the CSV's."""

    title: str
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    columns: Sequence[Column]
    batches: Iterable[list[list[Any]]]
    printed: Printed | None = None
