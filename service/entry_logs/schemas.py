"""What the features' bodies share (JSON names camelCase as in the spec's appendix A: CamelModel), the form rules and
the vocabulary; each feature's own bodies are in its schemas.py."""

import math
import re
import time
import unicodedata
from datetime import datetime
from datetime import time as clock_time
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from service.entry_logs.labels import (
    ABSENT_WITH_LOGS_MARK,
    ATTENDANCE_LABELS,
    AUDIT,
    BAD_HOUR_MINUTE,
    DECIDED_BY,
    ENTRY_MODES,
    ENTRY_TYPE_LABELS,
    FROM_DOOR_MARK,
    LATE_MARK,
    MANUAL_MARK,
    MISSING_EXIT_MARK,
    PERSON_KINDS,
    ROSTER_COLUMNS,
)
from service.entry_logs.models import Attendance, Child, Nursery, Parent
from service.fields import FieldWords, length, rules, vocabulary
from service.schemas import SingleLine, coded, matching


def utc_seconds(moment: datetime) -> str:
    """UTC, whole seconds, "Z"."""
    return _utc_seconds_text(math.floor(moment.timestamp()))


@lru_cache(maxsize=256)
def _utc_seconds_text(epoch_seconds: int) -> str:
    """Formatted once per second: formatting costs more than the rest of a heartbeat's answer."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


UtcSeconds = Annotated[datetime, PlainSerializer(utc_seconds, return_type=str)]

# Also served to the dashboards by GET /entry-logs/vocabulary; lengths and patterns are the columns'.
NAME_MAX = length(Parent.name)
PHONE_MAX = length(Parent.phone)
CLASS_NAME_MAX = length(Child.class_name)
NURSERY_CODE_MAX = length(Nursery.code)
PASSWORD_MIN, PASSWORD_MAX = 8, 72
NOTE_MAX = length(Attendance.note)
PARENTS_MAX = 10  # parents named on one child
NO_CONTROL_CHARACTERS = matching(r"^[^\x00-\x1f\x7f]*$", "制御文字を含まない文字")
HOUR_MINUTE_PATTERN = matching(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "時刻（HH:MM、00:00〜23:59）")

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX, pattern=NO_CONTROL_CHARACTERS),
    SingleLine,
]
Phone = Annotated[str, rules(Parent.phone)]
ClassName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=CLASS_NAME_MAX, pattern=NO_CONTROL_CHARACTERS), SingleLine
]
STATION_PIN_MIN, STATION_PIN_MAX = 4, 8
STATION_PIN_PATTERN = rf"^[0-9]{{{STATION_PIN_MIN},{STATION_PIN_MAX}}}$"
KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def hiragana(text: str) -> str:
    """NFKC (half-width kana), katakana as hiragana, blanks as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(KATAKANA_TO_HIRAGANA).split())


NameKana = Annotated[str, BeforeValidator(lambda value: hiragana(value) if isinstance(value, str) else value)]
ParentKana = Annotated[NameKana, rules(Parent.name_kana)]
ChildKana = Annotated[NameKana, rules(Child.name_kana)]


def _hour_minute(value: Any) -> Any:
    """HH:MM: no seconds, no zone, no number."""
    if isinstance(value, clock_time) or (isinstance(value, str) and re.fullmatch(HOUR_MINUTE_PATTERN, value)):
        return value
    raise PydanticCustomError("hour_minute", BAD_HOUR_MINUTE)


HourMinute = Annotated[
    clock_time,
    BeforeValidator(_hour_minute),
    PlainSerializer(lambda at: at.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": HOUR_MINUTE_PATTERN}),
]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX), SingleLine]
OccurredAt = Annotated[datetime, Field(description="when it happened, with its zone (e.g. 2026-01-14T08:05:00+09:00)")]


# The dashboards' wording and form rules ----------------------------------------------------------


class FormRules(CamelModel):
    """The limits and patterns (Python regular expressions) the API checks, for the forms to check first.

    note_max bounds an attendance note and a deletion reason; parents_max the parents named on one child.
    """

    name_max: int = NAME_MAX
    phone_max: int = PHONE_MAX
    class_name_max: int = CLASS_NAME_MAX
    nursery_code_max: int = NURSERY_CODE_MAX
    password_min: int = PASSWORD_MIN
    password_max: int = PASSWORD_MAX
    note_max: int = NOTE_MAX
    parents_max: int = PARENTS_MAX
    no_control_characters: str = NO_CONTROL_CHARACTERS
    hour_minute_pattern: str = HOUR_MINUTE_PATTERN
    station_pin_min: int = STATION_PIN_MIN
    station_pin_max: int = STATION_PIN_MAX
    station_pin_pattern: str = STATION_PIN_PATTERN


class EntryLogsVocabulary(CamelModel):
    """The wording tables of labels.py (code -> Japanese label, in display order) and the form rules."""

    entry_types: dict[str, str] = ENTRY_TYPE_LABELS
    entry_modes: dict[str, str] = ENTRY_MODES
    decided_by: dict[str, str] = DECIDED_BY
    person_kinds: dict[str, str] = PERSON_KINDS
    attendance_statuses: dict[str, str] = ATTENDANCE_LABELS
    roster_columns: dict[str, str] = ROSTER_COLUMNS
    late_mark: str = Field(default=LATE_MARK, description="shown with a log stored well after it happened")
    missing_exit_mark: str = Field(
        default=MISSING_EXIT_MARK, description="shown with a parent still inside after the closing time"
    )
    manual_mark: str = Field(default=MANUAL_MARK, description="shown with a log staff recorded by hand")
    absent_with_logs_mark: str = Field(
        default=ABSENT_WITH_LOGS_MARK, description="shown by the times of a child registered 欠席 whose parent scanned"
    )
    from_door_mark: str = Field(
        default=FROM_DOOR_MARK, description="shown by 出席 taken from a parent's 入 (no record by staff)"
    )
    rules: FormRules = Field(default_factory=FormRules)
    fields: dict[str, dict[str, FieldWords]] = Field(
        default_factory=lambda: vocabulary(AUDIT.tables),
        description="each table's fields as the forms show and check them: label, length, choices, pattern in words",
    )


Token = Annotated[str, coded(r"^[\x21-\x7e]+$", "空白を含まない半角英数字・記号", min_length=1, max_length=64)]
