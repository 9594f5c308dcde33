"""The audit log in words, read with the words each domain registers (service/words.py); the codes stay beside them
for filtering and programs.

A target reads as its kind and name (提携店 渋谷クリーン), taken from the entry's own changes once the record is gone; a
field holding another record's id reads as that record's name (a grant's scope: its domain's tenant's). Who acted reads
as the person's name with the login id an admin looks for (山田 太郎（yamada）), whatever the entry recorded then; other
actors as their kind and label (管理コマンド（root）), the system as システム."""

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import fields
from service.audit.schemas import AuditEntryRead
from service.database import Base
from service.roles import domain_label
from service.words import (
    COMMON_ACTIONS,
    Names,
    Target,
    Vocabulary,
    Words,
    table_words,
    table_yes_no,
    vocabulary_of,
)

ACTOR_TYPES: Words = {
    "user": "ユーザー",
    "anonymous": "未ログイン",
    "system": "システム",
    "cli": "管理コマンド",
    "terminal": "端末",
    "station": "入退登録端末",
    "scim": "SCIM",  # the company's directory, by its token's name (service/identity/scim/tokens.py)
}
NO_VALUE = "（なし）"
HIDDEN = "（非表示）"
REDACTED = "[REDACTED]"
LIST_SEPARATOR = "、"
CHANGE_SEPARATOR = " / "
PAIR = {"before", "after"}
LOCAL_TZ = ZoneInfo("Asia/Tokyo")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def action_label(domain: str, action: str) -> str:
    return vocabulary_of(domain).action(action) or action


def target_kind(domain: str, target_type: str) -> str:
    target = vocabulary_of(domain).targets.get(target_type)
    return target.label if target else target_type


# --- values and changes in words ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    vocabulary: Vocabulary
    target: Target | None
    target_id: str | None
    named: Mapping[str, Words] = field(default_factory=dict)
    action: str = ""

    def field(self, name: str) -> str:
        table = self.vocabulary.action_tables.get(self.action)
        changed = table_words(table) if table else {}
        own = self.target.words if self.target else {}
        return changed.get(name) or own.get(name) or self.vocabulary.words.get(name) or name

    def yes_no(self, name: str) -> tuple[str, str]:
        """Its column's, else the common はい / いいえ."""
        table = self.vocabulary.action_tables.get(self.action)
        changed = table_yes_no(table) if table else {}
        own = self.target.yes_no if self.target else {}
        return changed.get(name) or own.get(name) or self.vocabulary.yes_no.get(name) or fields.YES_NO

    def words(self, name: str) -> Words:
        if name in self.named:
            return self.named[name]
        if self.target is None:
            return self.vocabulary.values.get(name, {})
        by_id = self.target.values_for(self.target_id or "") if self.target.values_for else {}
        return by_id.get(name) or self.target.value_words.get(name) or self.vocabulary.values.get(name, {})

    def value(self, name: str, value: Any) -> str:
        """True -> 有効 (its column's words), "in_progress" -> 対応中, a UTC timestamp -> Japan time, a list -> joined
        with 、."""
        if value is None or value == "":
            return NO_VALUE
        if value == REDACTED:
            return HIDDEN
        if isinstance(value, bool):
            return fields.said(self.yes_no(name), value)
        if isinstance(value, list):
            return LIST_SEPARATOR.join(self.value(name, item) for item in value) or NO_VALUE
        if isinstance(value, dict):
            return self.changes_text(value)
        words = self.words(name)
        if str(value) in words:
            return words[str(value)]
        return local_timestamp(value) if isinstance(value, str) else str(value)

    def changes(self, changes: Mapping[str, Any]) -> list["ChangeWords"]:
        """In name order, as every backend stores it; a fact recorded without a before has none."""
        return [self.change(name, value) for name, value in sorted(changes.items())]

    def change(self, name: str, value: Any) -> "ChangeWords":
        if isinstance(value, dict) and value and set(value) <= PAIR:
            before, after = value.get("before"), value.get("after")
            return ChangeWords(name, self.field(name), before, after, self.value(name, before), self.value(name, after))
        return ChangeWords(name, self.field(name), None, value, None, self.value(name, value))

    def changes_text(self, changes: Mapping[str, Any]) -> str:
        """有効: 有効 → 無効 / 理由: 重複."""
        return CHANGE_SEPARATOR.join(change.text for change in self.changes(changes))


def local_timestamp(text: str) -> str:
    """2026-01-05 09:30; any other text as it is."""
    if not TIMESTAMP.match(text):
        return text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ChangeWords:
    field: str
    field_label: str
    before: Any
    after: Any
    before_label: str | None
    after_label: str

    @property
    def text(self) -> str:
        if self.before_label is None:
            return f"{self.field_label}: {self.after_label}"
        return f"{self.field_label}: {self.before_label} → {self.after_label}"


# --- whole entries -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryWords:
    action_label: str
    domain_label: str
    actor_type_label: str
    actor_name: str
    target_label: str
    changes: list[ChangeWords]

    @property
    def changes_text(self) -> str:
        return CHANGE_SEPARATOR.join(change.text for change in self.changes)


def _target(entry: Any) -> Target | None:
    return vocabulary_of(entry.domain).targets.get(entry.target_type)


def _names(db: Session, entries: Sequence[Any]) -> dict[tuple[str, str], dict[str, str]]:
    """One query per kind of target that has names."""
    wanted: dict[tuple[str, str], set[str]] = {}
    namers: dict[tuple[str, str], Names] = {}
    for entry in entries:
        target = _target(entry)
        if target is not None and target.names is not None and entry.target_id:
            kind = (entry.domain, entry.target_type)
            namers[kind] = target.names
            wanted.setdefault(kind, set()).add(entry.target_id)
    return {kind: dict(namers[kind](db, sorted(ids))) for kind, ids in wanted.items()}


def _referred(changes: Mapping[str, Any], fields: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Before, after and in lists."""
    for name in fields:
        value = changes.get(name)
        values = [value.get("before"), value.get("after")] if isinstance(value, dict) else [value]
        for item in values:
            for one in item if isinstance(item, list) else [item]:
                if one is not None and one != "":
                    yield name, str(one)


def _reference_names(db: Session, entries: Sequence[Any]) -> dict[tuple[str, str], dict[str, str]]:
    """One query per field."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for entry in entries:
        references = vocabulary_of(entry.domain).references
        for name, record_id in _referred(entry.changes, references):
            wanted.setdefault((entry.domain, name), set()).add(record_id)
    return {
        (domain, name): dict(vocabulary_of(domain).references[name](db, sorted(ids)))
        for (domain, name), ids in wanted.items()
    }


def _target_value_names(db: Session, entries: Sequence[Any]) -> dict[tuple[str, str, str], dict[str, str]]:
    """One query per field of a kind of target whose values are named by the target: (domain, target id, field) ->
    value -> name."""
    wanted: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
    for entry in entries:
        target = _target(entry)
        if target is not None and entry.target_id:
            for name, value in _referred(entry.changes, target.value_names):
                wanted.setdefault((entry.domain, entry.target_type, name), set()).add((entry.target_id, value))
    named: dict[tuple[str, str, str], dict[str, str]] = {}
    for (domain, target_type, name), pairs in wanted.items():
        namer = vocabulary_of(domain).targets[target_type].value_names[name]
        for (target_id, value), words in namer(db, sorted(pairs)).items():
            named.setdefault((domain, target_id, name), {})[value] = words
    return named


def _named_in_changes(target: Target | None, changes: Mapping[str, Any]) -> str | None:
    """After, else before: a deleted record's last name."""
    if target is None or target.name_field is None:
        return None
    value = changes.get(target.name_field)
    if isinstance(value, dict) and set(value) <= PAIR:
        value = value.get("after") or value.get("before")
    return str(value) if value else None


def target_label(kind: str, target_id: str | None, name: str | None) -> str:
    """提携店 渋谷クリーン, アラート #12, 予約 QRV-7K2M9X; the kind alone when the entry names no record."""
    if name:
        return f"{kind} {name}"
    if not target_id:
        return kind
    return f"{kind} #{target_id}" if target_id.isdigit() else f"{kind} {target_id}"


def person_with_login(name: str, login_id: str) -> str:
    """山田 太郎（yamada）: a person as the admins' places show them."""
    return f"{name}（{login_id}）"


def _people(db: Session, entries: Sequence[Any]) -> dict[str, str]:
    """The acting users as they are called now, in one query; the accounts table read by name, as the words are."""
    ids = {int(e.actor_id) for e in entries if e.actor_type == "user" and e.actor_id and e.actor_id.isdigit()}
    if not ids:
        return {}
    users = Base.metadata.tables["identity_user"].c
    rows = db.execute(select(users.id, users.name, users.login_id).where(users.id.in_(sorted(ids))))
    return {str(row.id): person_with_login(row.name, row.login_id) for row in rows}


def actor_name(entry: Any, people: Mapping[str, str]) -> str:
    """A user's name and login id (the label recorded, once the account is gone); another actor's kind and label."""
    kind = ACTOR_TYPES.get(entry.actor_type, entry.actor_type)
    label = entry.actor_label
    if entry.actor_type == "user":
        return people.get(entry.actor_id or "") or label or kind
    if entry.actor_type == "system" or not label or label == kind:
        return kind
    return f"{kind}（{label}）"


def entry_words(db: Session, entries: Sequence[Any]) -> list[EntryWords]:
    """Target names and the people who acted read in one go."""
    names, references, people = _names(db, entries), _reference_names(db, entries), _people(db, entries)
    by_target = _target_value_names(db, entries)
    shown = []
    for entry in entries:
        vocabulary, target = vocabulary_of(entry.domain), _target(entry)
        named = {field: references.get((entry.domain, field), {}) for field in vocabulary.references}
        own = target.value_names if target else {}
        named |= {field: by_target.get((entry.domain, entry.target_id or "", field), {}) for field in own}
        name = names.get((entry.domain, entry.target_type), {}).get(entry.target_id or "")
        name = name or _named_in_changes(target, entry.changes)
        shown.append(
            EntryWords(
                action_label=vocabulary.action(entry.action) or entry.action,
                domain_label=domain_label(entry.domain),
                actor_type_label=ACTOR_TYPES.get(entry.actor_type, entry.actor_type),
                actor_name=actor_name(entry, people),
                target_label=target_label(target.label if target else entry.target_type, entry.target_id, name),
                changes=Wording(vocabulary, target, entry.target_id, named, entry.action).changes(entry.changes),
            )
        )
    return shown


# --- the words of the filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterWords:
    domains: dict[str, str]
    actions: dict[str, str]
    target_types: dict[str, str]


def filter_words(domains: Iterable[str]) -> FilterWords:
    """An action code reads the same in every domain."""
    chosen = [vocabulary_of(domain) for domain in domains]
    actions: dict[str, str] = dict(COMMON_ACTIONS)
    target_types: dict[str, str] = {}
    for vocabulary in chosen:
        for code, label in vocabulary.actions.items():
            actions.setdefault(code, label)
        for code, target in vocabulary.targets.items():
            target_types.setdefault(code, target.label)
    return FilterWords(
        domains={vocabulary.domain: domain_label(vocabulary.domain) for vocabulary in chosen},
        actions=dict(sorted(actions.items(), key=lambda item: item[1])),
        target_types=dict(sorted(target_types.items(), key=lambda item: item[1])),
    )


def entry_reads(db: Session, entries: Sequence[Any]) -> list[AuditEntryRead]:
    return [
        AuditEntryRead.model_validate(
            {name: getattr(entry, name) for name in AuditEntryRead.model_fields if hasattr(entry, name)}
            | {
                "action_label": words.action_label,
                "domain_label": words.domain_label,
                "actor_type_label": words.actor_type_label,
                "actor_name": words.actor_name,
                "target_label": words.target_label,
                "changed_fields": [vars(change) for change in words.changes],
            }
        )
        for entry, words in zip(entries, entry_words(db, entries), strict=True)
    ]
