"""拠点管理番号 (§4) and 機種ID: LOC_CAT_MODEL_SERIAL_NNN, NNN counted per prefix by counters safe under concurrent
requests."""

import re
from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from service import fields
from service.dialect import insert
from service.errors import ValidationFailed
from service.loaners import labels
from service.loaners.kinds import Category
from service.loaners.models import Counter, Device, Location, Model

LOCATION_CODE = re.compile(fields.facts(Location.code).pattern)  # a section is its column's value: their rules
SERIAL = re.compile(fields.facts(Device.serial_number).pattern)
MODEL_SECTION = re.compile(r"^[A-Za-z0-9-]+$")
NUMBER = re.compile(fields.facts(Device.management_number).pattern)  # its characters and five sections (§4 3.4)
SEQUENCE = re.compile(r"^\d{3}$")
MAX_LENGTH = fields.length(Device.management_number)
MAX_SEQUENCE = 999
MODEL_COUNTER = "MODEL"
CATEGORY_BY_SECTION = {category.section: category.value for category in Category}


@dataclass(frozen=True)
class ParsedNumber:
    location_code: str
    category_section: str
    model_section: str
    serial_number: str
    sequence: int

    @property
    def prefix(self) -> str:
        return "_".join((self.location_code, self.category_section, self.model_section, self.serial_number))

    @property
    def category(self) -> str:
        return CATEGORY_BY_SECTION[self.category_section]


def invalid(reason: str, rule: str, field: str = "management_number") -> ValidationFailed:
    return ValidationFailed(labels.INVALID_NUMBER.format(reason=reason), details={"field": field, "rule": rule})


def model_section(name: str) -> str:
    """§4 3.2.3: hyphens kept, everything else that is not an ASCII letter or digit removed."""
    return re.sub(r"[^A-Za-z0-9-]", "", name)


def category_section(category: str) -> str:
    return Category.of(category).section


def number_prefix(location: Location, model: Model, serial_number: str) -> str:
    return "_".join((location.code, category_section(model.category), model.number_section, serial_number))


def format_number(prefix: str, sequence: int) -> str:
    return f"{prefix}_{sequence:03d}"


SECTION_RULES = (
    (LOCATION_CODE, "number_location_section", "拠点セクションは大文字英字20文字以内です"),
    (None, "number_category_section", "カテゴリセクションが定義済みの略称ではありません"),
    (MODEL_SECTION, "number_model_section", "モデルセクションは英数字とハイフンのみです"),
    (SERIAL, "number_serial_section", "製造番号セクションは英数字・ハイフン20文字以内です"),
    (SEQUENCE, "number_sequence_section", "連番セクションは001〜999の3桁です"),
)


def parse(number: str) -> ParsedNumber:
    """§4 3.4."""
    if len(number) > MAX_LENGTH:
        raise invalid(f"{MAX_LENGTH}文字以内です", "number_too_long")
    if not NUMBER.fullmatch(number):
        raise invalid(f"{labels.NUMBER_FORMAT}にしてください", "number_format")
    sections = number.split("_")
    for value, (pattern, rule, reason) in zip(sections, SECTION_RULES, strict=True):
        valid = value in CATEGORY_BY_SECTION if pattern is None else pattern.match(value)
        if not valid or value == "000":
            raise invalid(reason, rule)
    location_code, category_section, model_section, serial_number, sequence = sections
    return ParsedNumber(location_code, category_section, model_section, serial_number, int(sequence))


def check_matches(parsed: ParsedNumber, *, location: Location, model: Model, serial_number: str) -> None:
    expected = number_prefix(location, model, serial_number)
    if parsed.prefix != expected:
        raise invalid(f"拠点・カテゴリ・機種・製造番号から作られる「{expected}_NNN」と一致しません", "number_mismatch")


def _upsert(db: Session, prefix: str, value: int, *, increment: bool) -> int:
    """The row lock orders writers."""
    stmt = insert(db, Counter).values(prefix=prefix, last_value=value)
    table = Counter.__table__
    current, proposed = table.c.last_value, stmt.excluded.last_value
    new_value = current + 1 if increment else case((current < proposed, proposed), else_=current)
    stmt = stmt.on_conflict_do_update(index_elements=["prefix"], set_={"last_value": new_value})
    return db.execute(stmt.returning(table.c.last_value)).scalar_one()


def next_sequence(db: Session, prefix: str) -> int:
    return _upsert(db, prefix, 1, increment=True)


def claim_sequence(db: Session, prefix: str, sequence: int) -> None:
    """So generated ones continue after it."""
    _upsert(db, prefix, sequence, increment=False)


def generate_number(db: Session, *, location: Location, model: Model, serial_number: str) -> str:
    prefix = number_prefix(location, model, serial_number)
    sequence = next_sequence(db, prefix)
    if sequence > MAX_SEQUENCE:
        raise ValidationFailed(
            labels.NUMBER_EXHAUSTED, details={"field": "management_number", "rule": "number_sequence_exhausted"}
        )
    return format_number(prefix, sequence)


def ensure_unused(db: Session, number: str) -> None:
    if db.scalar(select(Device.id).where(Device.management_number == number)):
        raise ValidationFailed(labels.NUMBER_TAKEN, details={"field": "management_number", "rule": "number_unique"})


def next_model_id(db: Session) -> str:
    return f"{MODEL_COUNTER}_{next_sequence(db, MODEL_COUNTER):03d}"
