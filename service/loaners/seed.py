"""The initial data of a fresh install (§8.1), from initial_data.json: the migration inserts `initial_rows()`;
`ensure_initial_data()` adds whatever is missing (tests, the demo loader)."""

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.loaners.models import Counter, DataType, Form, Location, Model, Question
from service.loaners.numbering import MODEL_COUNTER, model_section
from service.loaners.submissions.forms import key_prefixes

DATA_FILE = Path(__file__).with_name("initial_data.json")
POSITION_STEP = 10


@lru_cache
def initial_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _question_row(index: int, question: dict[str, Any]) -> dict[str, Any]:
    status_prefix, nested_prefix = key_prefixes(question["key"])
    return {
        "choices": [],
        "condition": {},
        "help_text": "",
        "status_prefix": status_prefix,
        "nested_prefix": nested_prefix,
        "position": (index + 1) * POSITION_STEP,
        "active": True,
    } | question


def initial_rows(now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Question rows carry their form's `kind` instead of a form id."""
    data = initial_data()
    stamps = {"created_at": now, "updated_at": now}
    models = [m | {"number_section": model_section(m["name"]), "note": ""} | stamps for m in data["models"]]
    return {
        "loaners_location": [loc | stamps for loc in data["locations"]],
        "loaners_model": models,
        "loaners_counter": [{"prefix": MODEL_COUNTER, "last_value": len(models)}],
        "loaners_data_type": [dt | stamps for dt in data["data_types"]],
        "loaners_form": [{k: v for k, v in f.items() if k != "questions"} | stamps for f in data["forms"]],
        "loaners_question": [
            _question_row(i, q) | {"kind": f["kind"], "created_at": now}
            for f in data["forms"]
            for i, q in enumerate(f["questions"])
        ],
    }


def _add_missing(db: Session, model: type, rows: list[dict[str, Any]], *keys: str) -> None:
    taken = {(key, value) for key in keys for value in db.scalars(select(getattr(model, key)))}
    db.add_all(model(**row) for row in rows if not any((key, row[key]) in taken for key in keys))
    db.flush()


def ensure_initial_data(db: Session, *, now: datetime) -> None:
    """Existing rows are left as they are."""
    rows = initial_rows(now)
    _add_missing(db, Location, rows["loaners_location"], "id", "code")
    _add_missing(db, Model, rows["loaners_model"], "id", "name", "number_section")
    _add_missing(db, DataType, rows["loaners_data_type"], "id", "display_order")
    _add_missing(db, Form, rows["loaners_form"], "kind")
    counter = db.get(Counter, MODEL_COUNTER)
    if counter is None:
        db.add(Counter(**rows["loaners_counter"][0]))
    else:
        counter.last_value = max(counter.last_value, rows["loaners_counter"][0]["last_value"])
    form_ids = {kind: form_id for kind, form_id in db.execute(select(Form.kind, Form.id))}
    present = {(form_id, key) for form_id, key in db.execute(select(Question.form_id, Question.key))}
    for row in rows["loaners_question"]:
        form_id = form_ids[row.pop("kind")]
        if (form_id, row["key"]) not in present:
            db.add(Question(form_id=form_id, **row))
    db.flush()
