"""Status forms as data. Visibility (§2.3.4): a question keyed "N-…" is shown when 0-4.ステータス starts with "N.",
"0-…" always; "N-X-…" only when the answer to "N-0.…" starts with "X." (found from the keys, so any status can gain a
level)."""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.errors import NotFound, ValidationFailed
from service.loaners import labels
from service.loaners.models import Form, Question

KEY = re.compile(r"^(\d{1,3})-(\d{1,3})(?:-(\d{1,3}))?\.\S")
VALUE_PREFIX = re.compile(r"^(\d{1,3})\.")
DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
TEXT_LIMITS = {"text": 200, "textarea": 2000}
# A free-text note (a 段落 question, e.g. 0-5.備考) says something about one submission: never carried into the next.
NOT_CARRIED_TYPES = frozenset({"textarea"})
QUESTION_FIELDS = fields.audited(Question)
ALIASES = {alias: labels.HELD_KEY for alias in labels.HELD_KEY_ALIASES}


def key_prefixes(key: str) -> tuple[str | None, str | None]:
    """ "1-4.x" -> ("1", None), "3-2-1.x" -> ("3", "2")."""
    match = KEY.match(key)
    if match is None or match.group(1) == "0":
        return None, None
    return match.group(1), match.group(3) and match.group(2)


def value_prefix(value: str | None) -> str | None:
    match = VALUE_PREFIX.match(value or "")
    return match.group(1) if match else None


@dataclass
class QuestionSet:
    questions: list[Question]
    by_key: dict[str, Question] = field(init=False)
    nested_keys: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key = {}
        for question in self.questions:
            self.by_key.setdefault(question.key, question)
        self.nested_keys = {}
        for key in self.by_key:
            match = KEY.match(key)
            if match and match.group(2) == "0" and match.group(3) is None and match.group(1) != "0":
                self.nested_keys.setdefault(match.group(1), key)

    @property
    def keys(self) -> list[str]:
        return list(self.by_key)

    def visible(self, question: Question, answers: dict[str, Any]) -> bool:
        if question.status_prefix is None:
            return True
        if value_prefix(answers.get(labels.STATUS_KEY)) != question.status_prefix:
            return False
        if question.nested_prefix is None:
            return True
        nested_key = self.nested_keys.get(question.status_prefix)
        return nested_key is not None and value_prefix(answers.get(nested_key)) == question.nested_prefix

    def visible_keys(self, answers: dict[str, Any]) -> list[str]:
        return [q.key for q in self.by_key.values() if self.visible(q, answers)]

    def carried_over(self, answers: dict[str, str]) -> dict[str, str]:
        """What a new submission's form starts from: the current answers but free-text notes (NOT_CARRIED_TYPES)."""
        notes = {q.key for q in self.by_key.values() if q.type in NOT_CARRIED_TYPES}
        return {key: value for key, value in answers.items() if key not in notes}


def condition_met(question: Question, answers: dict[str, Any]) -> bool:
    return all(answers.get(key) == value for key, value in (question.condition or {}).items())


def _error(question_key: str, rule: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"field": question_key, "rule": rule, "message": message, **extra}


def _checked_value(question: Question, text: str) -> tuple[str, dict | None]:
    key = question.key
    if question.type == "choice":
        if text not in question.choices:
            return text, _error(
                key, "not_a_choice", labels.NOT_A_CHOICE.format(key=key, value=text), allowed=question.choices
            )
        return text, None
    if question.type == "date":
        match = DATE.match(text)
        try:
            return f"{date(*(int(g) for g in match.groups())):%Y/%m/%d}", None  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            return text, _error(key, "date_format", labels.BAD_DATE.format(key=key))
    if question.type == "number":
        try:
            if not math.isfinite(float(text)):
                raise ValueError(text)
        except ValueError:
            return text, _error(key, "number_format", labels.BAD_NUMBER.format(key=key))
        return text, None
    limit = TEXT_LIMITS.get(question.type, TEXT_LIMITS["text"])
    if len(text) > limit:
        return text, _error(key, "too_long", labels.TOO_LONG.format(key=key, limit=limit))
    return text, None


def answer_errors(questions: QuestionSet, raw: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Answers to questions the chosen status hides are dropped (as a form skips a section), and so is an answer whose
    condition no longer holds (§2.6.2)."""
    values: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    for raw_key, raw_value in raw.items():
        key = ALIASES.get(raw_key, raw_key)
        text = "" if raw_value is None else str(raw_value).strip()
        question = questions.by_key.get(key)
        if question is None:
            if text:
                errors.append(_error(key, "unknown_question", labels.UNKNOWN_QUESTION.format(key=key)))
            continue
        if text:
            values[key], error = _checked_value(question, text)
            errors += [error] if error else []
    kept: dict[str, str] = {}
    for question in questions.by_key.values():
        value = values.get(question.key)
        asked = questions.visible(question, values) and condition_met(question, values)
        if value is None and asked and question.required:
            errors.append(_error(question.key, "required", labels.REQUIRED.format(key=question.key)))
        elif value is not None and asked:
            kept[question.key] = value
    return kept, errors


def clean_answers(questions: QuestionSet, raw: dict[str, Any]) -> dict[str, str]:
    """A 422 names the first broken rule (all of them in details.errors)."""
    kept, errors = answer_errors(questions, raw)
    if errors:
        first = errors[0]
        raise ValidationFailed(
            first["message"], details={"field": first["field"], "rule": first["rule"], "errors": errors}
        )
    return kept


# --- reading forms ------------------------------------------------------------------------------


def get_form(db: Session, kind: str) -> Form:
    form = db.scalar(select(Form).where(Form.kind == kind))
    if form is None:
        raise NotFound(labels.NOT_FOUND, details={"resource": "loaners_form", "id": kind})
    return form


def form_questions(db: Session, form: Form, *, include_inactive: bool = False) -> list[Question]:
    stmt = select(Question).where(Question.form_id == form.id)
    if not include_inactive:
        stmt = stmt.where(Question.active.is_(True))
    return list(db.scalars(stmt.order_by(Question.position, Question.id)))


def question_set(db: Session, kind: str) -> QuestionSet:
    stmt = select(Question).join(Form).where(Question.active.is_(True), Form.kind == kind)
    return QuestionSet(list(db.scalars(stmt.order_by(Question.position, Question.id))))


def question_sets(db: Session) -> dict[str, QuestionSet]:
    """One query."""
    rows = db.execute(
        select(Form.kind, Question).join(Form).where(Question.active.is_(True)).order_by(Question.position, Question.id)
    ).all()
    return {kind: QuestionSet([q for k, q in rows if k == kind]) for kind in labels.KINDS}


# --- changing forms (admin) ----------------------------------------------------------------------


def _question_prefixes(key: str, status_prefix: str | None) -> tuple[str | None, str | None]:
    """An un-numbered key is shown with the status it names (or always)."""
    return key_prefixes(key) if KEY.match(key) else (status_prefix, None)


def _check_question(db: Session, question: Question) -> None:
    if question.type == "choice" and not question.choices:
        raise ValidationFailed(labels.CHOICES_NEEDED, details={"field": "choices", "rule": "choices_required"})
    others = {q.key: q for q in db.scalars(select(Question).where(Question.form_id == question.form_id))}
    for key, value in (question.condition or {}).items():
        other = others.get(key)
        if other is None or other.type != "choice" or value not in other.choices:
            raise ValidationFailed(
                labels.CONDITION_UNKNOWN.format(key=key, value=value),
                details={"field": "condition", "rule": "condition_unknown"},
            )


def add_question(db: Session, *, form: Form, data: dict[str, Any], actor: Actor) -> Question:
    if db.scalar(select(Question.id).where(Question.form_id == form.id, Question.key == data["key"])):
        raise ValidationFailed(labels.QUESTION_KEY_TAKEN, details={"field": "key", "rule": "unique"})
    status_prefix, nested_prefix = _question_prefixes(data["key"], data.pop("status_prefix", None))
    if data.get("position") is None:
        data["position"] = (db.scalar(select(func.max(Question.position)).where(Question.form_id == form.id)) or 0) + 10
    question = Question(form_id=form.id, status_prefix=status_prefix, nested_prefix=nested_prefix, **data)
    _check_question(db, question)
    db.add(question)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        domain=labels.DOMAIN,
        target_type="question",
        target_id=question.id,
        changes=audit.diff({}, audit.snapshot(question, QUESTION_FIELDS) | {"form": form.kind}),
    )
    return question


def update_question(db: Session, *, question: Question, data: dict[str, Any], actor: Actor) -> Question:
    """Its key (the column) stays."""
    before = audit.snapshot(question, QUESTION_FIELDS)
    for name, value in data.items():
        setattr(question, name, value)
    _check_question(db, question)
    db.flush()
    changes = audit.diff(before, audit.snapshot(question, QUESTION_FIELDS))
    if changes:
        audit.record(
            db,
            actor=actor,
            action="update",
            domain=labels.DOMAIN,
            target_type="question",
            target_id=question.id,
            changes=changes,
        )
    return question


def get_question(db: Session, *, form: Form, question_id: int) -> Question:
    question = db.get(Question, question_id)
    if question is None or question.form_id != form.id:
        raise NotFound(labels.NOT_FOUND, details={"resource": "loaners_question", "id": question_id})
    return question
