"""The bodies' parts every fleet feature shares (a labelled read, the fields of a terminal, a required text) and
the vocabulary; each feature's own bodies are in its package's schemas.py."""

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from service import fields
from service.fields import FieldWords, rules
from service.fleet import labels
from service.fleet.models import Terminal

MAX_DIAGNOSTIC_LINES = labels.DIAGNOSTIC_LINES["max"]
DiagnosticLines = Annotated[int, Field(ge=labels.DIAGNOSTIC_LINES["min"], le=MAX_DIAGNOSTIC_LINES)]
Version = Annotated[str, rules(Terminal.firmware_version)]
Serial = Annotated[str, rules(Terminal.serial_number)]


def required(label: str) -> BeforeValidator:
    """Blank or only spaces is a 422 naming it (rule `required`)."""

    def refuse_blank(value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticCustomError("required", "{label}を入力してください", {"label": label})
        return value

    return BeforeValidator(refuse_blank)


class Labelled(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    LABELS: ClassVar[dict[str, dict[str, str]]] = {}

    @model_validator(mode="after")
    def _fill_labels(self) -> "Labelled":
        for name, table in self.LABELS.items():
            value = getattr(self, name)
            setattr(self, f"{name}_label", table.get(value, value))
        return self


def columns_of(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


class AlertKindWords(BaseModel):
    label: str
    place: str  # "terminal" or "store" (kinds.Place)
    importance: int  # 重要アラート's order, 0 first


class FleetVocabulary(BaseModel):
    """The wording tables the dashboards show, taken from labels.py (code -> Japanese label, in display order)."""

    contract_types: dict[str, str]
    terminal_statuses: dict[str, str]
    alert_types: dict[str, str]
    alert_kinds: dict[str, AlertKindWords]  # each alert type's words and facts: a "store" one names no terminal
    alert_statuses: dict[str, str]
    import_statuses: dict[str, str]
    pause_reasons: dict[str, str]
    event_levels: dict[str, str]
    event_kinds: dict[str, str]
    command_types: dict[str, str]
    command_statuses: dict[str, str]
    rollout_statuses: dict[str, str]
    task_statuses: dict[str, str]
    terminal_bulk_actions: dict[str, str]
    terminal_bulk_disruptive: dict[str, str]  # asked about with their count before they run: what they interrupt
    alert_bulk_actions: dict[str, str]
    incident_bulk_actions: dict[str, str]
    store_columns: dict[str, str]  # 店舗別's columns (its list and CSV)
    bulk_max: int
    bulk_all_max: int  # terminals one 「条件に合う全件」 request acts on
    rollout_terminals_max: int
    diagnostic_lines: dict[str, int]
    interval_seconds: dict[str, int]
    report_title: str
    report_due: str  # 完了報告's target before the resolution: 「解決後15分以内」
    report_labels: dict[str, str]
    fields: dict[str, dict[str, FieldWords]]  # each table's fields as the forms show and check them (models.py)

    @classmethod
    def current(cls) -> "FleetVocabulary":
        """Each field is the labels.py constant of the same name in capitals."""
        words = {name: getattr(labels, name.upper()) for name in cls.model_fields if name != "fields"}
        return cls(**words, fields=fields.vocabulary(labels.AUDIT.tables))
