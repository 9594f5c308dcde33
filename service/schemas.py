"""Schema helpers shared by the domains."""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from fastapi import Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?")
EARLIEST_CLIENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
CLIENT_CLOCK_AHEAD = timedelta(days=1)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode's category Cc: C0, DEL and C1
CONTROL_CHARACTERS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and newline pass


FORMAT = "Cf"  # Unicode's format characters: invisible, they change how the text around them is shown


def format_character(value: str) -> str | None:
    """Bidi controls, zero-width characters, the soft hyphen, tag characters: each shows as nothing or turns the text
    around it, so 山田<U+200B>太郎 passes for another parent's 山田太郎 and a name can read backwards. Names are what
    this guards, so the zero-width joiner is refused too (an emoji ZWJ sequence; each emoji alone passes)."""
    if value.isascii():
        return None
    return next((char for char in value if unicodedata.category(char) == FORMAT), None)


def _refuse(value: str, rule: re.Pattern[str], multiline: bool) -> str:
    found = rule.search(value)
    if found:
        raise PydanticCustomError(
            "control_character",
            "制御文字（{character}）は使用できません",
            {"character": f"U+{ord(found.group()):04X}", "multiline": multiline},
        )
    invisible = format_character(value)
    if invisible:
        raise PydanticCustomError(
            "format_character",
            "表示されない書式文字（{character}: 文字の向きを変える文字やゼロ幅の文字など）は使用できません",
            {"character": f"U+{ord(invisible):04X}", "multiline": multiline},
        )
    return value


def single_line(value: str) -> str:
    return _refuse(value, CONTROL_CHARACTERS, False)


def multi_line(value: str) -> str:
    return _refuse(value, CONTROL_CHARACTERS_BUT_LINES, True)


# Every text field of a request schema ends with one of these, after its length and pattern constraints (so those keep
# pydantic's own rules): Annotated[str, StringConstraints(max_length=100), SingleLine].
SingleLine = AfterValidator(single_line)
MultiLine = AfterValidator(multi_line)
Text = Annotated[str, SingleLine]
MultilineText = Annotated[str, MultiLine]


def nfkc(value: Any) -> Any:
    """Full-width letters, digits and signs (ＯＰＴ２７０５６４, ０９０－１２３４) as the ASCII a person meant with the
    IME left on, half-width katakana as full-width."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


# First of a search box, code, number or phone field: Annotated[str, ..., Normalised, SingleLine].
Normalised = BeforeValidator(nfkc)

# Each pattern's rule in Japanese words: errors.py says a pattern mismatch with these words, never the expression.
# tests/service/test_pattern_words.py fails on a pattern without them.
PATTERN_WORDS: dict[str, str] = {}
PATTERN_REFUSAL = "形式が正しくありません（{words}で入力してください）"


def matching(pattern: str, words: str) -> str:
    """The words end 「…で入力してください」 in a refusal: 「半角英数字と「-」の1〜20文字」."""
    known = PATTERN_WORDS.setdefault(pattern, words)
    if known != words:
        raise ValueError(f"pattern {pattern!r} is already worded {known!r}")
    return pattern


def pattern_refusal(words: str) -> str:
    """The vocabulary serves it with the field (service/fields.py)."""
    return PATTERN_REFUSAL.format(words=words)


def coded(pattern: str, words: str, **constraints: Any) -> "Rules":
    """Read NFKC, then its constraints and pattern (refused in `words`), then SingleLine."""
    return Rules((StringConstraints(pattern=matching(pattern, words), **constraints), Normalised, SingleLine))


MONTH_PATTERN = matching(r"^\d{4}-\d{2}$", "年月（YYYY-MM）")

# Checked after email-validator's rule and by a form before sending, both in these words.
EMAIL_WORDS = "「名前@ドメイン」の形（例: name@example.com）"
EMAIL_SHAPE = {"pattern": matching(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", EMAIL_WORDS), "pattern_words": EMAIL_WORDS}

# A text query parameter follows the same rules, after its Query constraints.
QueryText = Annotated[str | None, Query(max_length=100), Normalised, SingleLine]


@dataclass(frozen=True)
class Rules(GroupedMetadata):
    """A field's rules as one Annotated item (StringConstraints unpacked): a helper builds them and the annotation stays
    a type."""

    rules: tuple[Any, ...]

    def __iter__(self) -> Iterator[object]:
        for rule in self.rules:
            if isinstance(rule, GroupedMetadata):
                yield from rule
            else:
                yield rule


@dataclass(frozen=True)
class OneOf(GroupedMetadata):
    """Some members of a kind, as one Annotated item: `Annotated[HeldStatus, OneOf(followed)]` takes only those, and
    its OpenAPI enum lists them alone (the kind declares them; the annotation stays the kind)."""

    codes: tuple[str, ...]

    def __iter__(self) -> Iterator[object]:
        yield AfterValidator(self._taken)
        yield WithJsonSchema({"type": "string", "enum": [str(code) for code in self.codes]})

    def _taken(self, code: str) -> str:
        if code not in self.codes:
            expected = ", ".join(f"'{code}'" for code in self.codes)
            raise PydanticCustomError("enum", "次のいずれかを指定してください: {expected}", {"expected": expected})
        return code


def _iso_date(value: Any) -> Any:
    """Not a number, a timestamp or another format."""
    if (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and ISO_DATE.fullmatch(value)
    ):
        return value
    raise PydanticCustomError("iso_date", "日付はYYYY-MM-DD形式の文字列で指定してください")


def _iso_datetime(value: Any) -> Any:
    """Not a number of seconds since 1970."""
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_DATETIME.fullmatch(value)):
        return value
    raise PydanticCustomError("iso_datetime", "日時はISO 8601形式の文字列で指定してください")


def plausible_client_time(value: datetime, now: datetime) -> bool:
    """A naive time is read as UTC."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return EARLIEST_CLIENT_TIME <= aware <= now + CLIENT_CLOCK_AHEAD


def _client_time(value: datetime) -> datetime:
    if not plausible_client_time(value, datetime.now(UTC)):
        raise PydanticCustomError(
            "client_time_range",
            "日時は2000-01-01以降、現在から1日後までの範囲で指定してください",
            {"earliest": EARLIEST_CLIENT_TIME.isoformat(), "latest_ahead": "P1D"},
        )
    return value


def _local_time(value: time) -> time:
    if value.tzinfo is not None or value.second or value.microsecond:
        raise PydanticCustomError("local_time", "時刻は日本時間の時:分（例: 22:00）で指定してください")
    return value


# RFC 3339's partial-time (no offset), not its "time", as the OpenAPI says.
JapanTime = Annotated[time, WithJsonSchema({"type": "string", "format": "partial-time"})]
LocalTime = Annotated[JapanTime, AfterValidator(_local_time)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDatetime = Annotated[datetime, BeforeValidator(_iso_datetime)]
ClientTimestamp = Annotated[IsoDatetime, AfterValidator(_client_time)]


class VersionedPatch(BaseModel):
    """What mypy sees of a PATCH model optional_fields builds at run time."""

    version: int


def optional_fields(model: type[BaseModel], name: str, *, exclude: Iterable[str] = (), **extra: Any) -> type[BaseModel]:
    """None = leave unchanged."""
    left_out = set(exclude)
    unknown = left_out - set(model.model_fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    fields: dict[str, Any] = {}
    for field, info in model.model_fields.items():
        if field in left_out:
            continue
        annotation: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        fields[field] = (annotation | None, None)
    return create_model(name, __config__=model.model_config, **fields, **extra)
