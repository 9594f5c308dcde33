"""A form field's facts as the service states them: its label, length and choices, read from its register's vocabulary
(GET …/vocabulary `fields`, by table and column; service/fields.py declares them on the columns). A page keeps only
layout: where the widget goes, its key, its value and its placeholder.

The vocabulary is reference data (api.reference): a page asking for ten fields calls the API once, and every user with
the same grants in the domain reads the same cached copy."""

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from dashboards import api, crm_api, entry_logs_api, fleet_api, loaners_api, reservations_api

SEARCH_MAX_CHARS = 100  # a list's search text, as the API takes it (service/schemas.py QueryText): no column's
VOCABULARIES: Mapping[str, Callable[[], dict]] = {
    "platform": api.vocabulary,
    "fleet": fleet_api.vocabulary,
    "reservations": reservations_api.vocabulary,
    "loaners": loaners_api.vocabulary,
    "crm": crm_api.vocabulary,
    "entry_logs": entry_logs_api.vocabulary,
}


@dataclass(frozen=True)
class Field:
    """One column as a form shows and checks it."""

    label: str
    max_chars: int | None = None
    min_chars: int = 0  # the least a text takes (a password's 8), 0 for none
    min_value: int | float | None = None  # a number's least value, None for none
    max_value: int | float | None = None  # a number's greatest value, None for none
    choices: dict[str, str] = dataclass_field(default_factory=dict)  # code -> words, in display order
    pattern: str = ""  # the rule its text follows (a Python regular expression), "" for none
    pattern_words: str = ""  # and that rule in words
    pattern_refusal: str = ""  # a value breaking it, in the API's refusal's words
    multi_line: bool = False
    words: tuple[str, ...] = ()  # a yes-or-no field's words for true and false (有効, 無効), () for another field

    def word(self, value: bool | None) -> str:
        """A yes-or-no value as a table or a filter shows it, in the field's words ("" for none)."""
        return "" if value is None else self.words[0 if value else 1]

    def text(self) -> dict[str, Any]:
        return {"label": self.label, "max_chars": self.max_chars}

    def number(self) -> dict[str, Any]:
        """A whole number's bounds are served as integers, a fraction's as floats, as Streamlit wants them to match the
        value's type."""
        return {"label": self.label, "min_value": self.min_value, "max_value": self.max_value}

    def matches(self, value: str) -> bool:
        """The value follows the field's rule (a field without one takes any text), read NFKC as the service reads it
        (full-width digits and signs as the ASCII meant)."""
        return not self.pattern or re.match(self.pattern, unicodedata.normalize("NFKC", value)) is not None

    def required_message(self) -> str:
        """A form's word for the field left blank: 「件名を入力してください。」."""
        return f"{self.label}を入力してください。"

    def choose_message(self) -> str:
        """A form's word for the field's select left unchosen: 「拠点を選択してください。」."""
        return f"{self.label}を選択してください。"

    def pattern_message(self) -> str:
        """A value breaking the field's rule, as the API refuses it: 「予約ID: 形式が正しくありません（…で入力して
        ください）」."""
        return f"{self.label}: {self.pattern_refusal}"

    def pattern_problems(self, value: str) -> list[str]:
        """The rule's message when the value breaks it, else none (an empty value is the caller's to judge)."""
        return [] if self.matches(value) else [self.pattern_message()]


def field(register: str, table: str, column: str) -> Field:
    """The column's facts from its register's vocabulary (register: "platform" or a domain, e.g. "loaners")."""
    served = VOCABULARIES[register]()["fields"][table][column]
    return Field(
        label=served["label"],
        max_chars=served.get("max_length"),
        min_chars=served.get("min_length") or 0,
        min_value=served.get("minimum"),
        max_value=served.get("maximum"),
        choices=dict(served.get("choices") or {}),
        pattern=served.get("pattern", ""),
        pattern_words=served.get("pattern_words", ""),
        pattern_refusal=served.get("pattern_refusal", ""),
        multi_line=bool(served.get("multi_line")),
        words=tuple(served.get("words") or ()),
    )


def headers(register: str, table: str) -> dict[str, str]:
    """A list's headers for the table's columns, by column: their labels ({"received_at": "受付日時", ...}), so a row
    is {head["received_at"]: ...} and a header no column states (a figure, a joined name) stays the page's."""
    return {column: served["label"] for column, served in VOCABULARIES[register]()["fields"][table].items()}


def text(register: str, table: str, column: str) -> dict[str, Any]:
    return field(register, table, column).text()


def search(label: str) -> dict[str, Any]:
    """The API's search text, not a column."""
    return {"label": label, "max_chars": SEARCH_MAX_CHARS}
