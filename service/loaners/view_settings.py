"""What a data type's settings (§2.3.2) choose for its view. `sourceSheets` each stand for one device kind (none: every
kind); フィルタ条件 is a JSON object or `key=value` pairs joined by `&`; 表示列設定's `baseColumns` are NORMAL's (each
row adds the answers its status shows), `columns` the others'."""

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import ValidationFailed
from service.loaners import labels
from service.loaners.models import DataType, Question

SOURCE_SHEETS = {
    "端末マスタ": "terminal",
    "端末ステータス収集": "terminal",
    "プリンタマスタ": "printer",
    "プリンタステータス収集": "printer",
    "その他マスタ": "other",
    "その他ステータス収集": "other",
}
FILTER_KEYS = ("jurisdiction", "location_id", "kind", "status", "held_status")
COLUMN_KEYS = {"NORMAL": "baseColumns"}
DEFAULT_COLUMNS = {"NORMAL": labels.NORMAL_BASE_COLUMNS, "AUDIT": labels.AUDIT_COLUMNS}


@dataclass(frozen=True)
class ViewSettings:
    kinds: tuple[str, ...] | None
    condition: dict[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()


def _invalid(message: str, field_name: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, details={"field": field_name, "rule": rule})


def source_kinds(source_settings: dict[str, Any]) -> tuple[str, ...] | None:
    """None when the settings name none (every kind)."""
    sheets = source_settings.get("sourceSheets")
    if sheets is None:
        return None
    if not isinstance(sheets, list) or not sheets or any(SOURCE_SHEETS.get(s) is None for s in sheets):
        raise _invalid(labels.BAD_SOURCE_SHEETS.format(known="、".join(SOURCE_SHEETS)), "source_settings", "sources")
    chosen = {SOURCE_SHEETS[sheet] for sheet in sheets}
    return tuple(kind for kind in labels.KINDS if kind in chosen)


def parse_condition(text: str) -> dict[str, str]:
    """`{"kind": "terminal"}` or `kind=terminal&status=1.貸出中`."""
    text = (text or "").strip()
    if not text:
        return {}
    try:
        pairs = json.loads(text) if text.startswith("{") else dict(p.split("=", 1) for p in text.split("&"))
    except (ValueError, TypeError):
        pairs = None
    if not isinstance(pairs, dict) or not all(isinstance(v, str) for v in pairs.values()):
        raise _invalid(labels.BAD_FILTER_CONDITION, "filter_condition", "filter_format")
    condition = {str(k).strip(): v.strip() for k, v in pairs.items()}
    unknown = [key for key in condition if key not in FILTER_KEYS]
    if unknown or any(not value for value in condition.values()):
        raise _invalid(labels.BAD_FILTER_CONDITION, "filter_condition", "filter_format")
    if condition.get("kind", "terminal") not in labels.KINDS:
        raise _invalid(labels.BAD_FILTER_CONDITION, "filter_condition", "filter_format")
    return condition


def columns_of(data_type: DataType) -> tuple[str, ...]:
    """The built-in ones when it names none."""
    chosen = data_type.display_settings.get(COLUMN_KEYS.get(data_type.id, "columns"))
    if chosen is None:
        return tuple(DEFAULT_COLUMNS.get(data_type.id, ()))
    if not isinstance(chosen, list) or not all(isinstance(c, str) and c for c in chosen):
        raise _invalid(labels.BAD_COLUMNS.format(column=chosen), "display_settings", "columns")
    return tuple(dict.fromkeys(chosen))


def settings_of(data_type: DataType) -> ViewSettings:
    return ViewSettings(
        kinds=source_kinds(data_type.source_settings),
        condition=parse_condition(data_type.filter_condition),
        columns=columns_of(data_type),
    )


def check(db: Session, data_type: DataType) -> None:
    """422 naming the rule."""
    settings = settings_of(data_type)
    known = set(labels.VIEW_COLUMNS) | set(db.scalars(select(Question.key).distinct()))
    for column in settings.columns:
        if column not in known:
            raise _invalid(labels.BAD_COLUMNS.format(column=column), "display_settings", "columns")
