"""マスタ管理 (§8–9): admins add, edit, deactivate and delete option services and the choices of the editable kinds,
audited; the kinds the carrier's format fixes (請求書・支払証明書・サービス種別) are not edited. A code in use is never
deleted, only deactivated: it stays valid where it is already stored."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.crm import auditing, labels, locking
from service.crm.masters import CORPORATION_CHOICE_FIELDS, SITE_CHOICE_FIELDS, options
from service.crm.models import CHOICE_CODE_MAX, Choice, Corporation, OptionService, Site
from service.errors import Conflict, NotFound, ValidationFailed
from service.fields import audited, length

FIXED_KINDS = ("invoice", "payment_certificate", "service_type")  # the carrier's format fixes them
EDITABLE_KINDS = tuple(
    kind
    for kind in (*CORPORATION_CHOICE_FIELDS.values(), *SITE_CHOICE_FIELDS.values(), *labels.OCR_LABEL_KINDS)
    if kind not in FIXED_KINDS
)
# An edit of a master's entry changes its audited fields but its code (its key).
OPTION_FIELDS = tuple(name for name in audited(OptionService) if name != "code")
CHOICE_FIELDS = tuple(name for name in audited(Choice) if name != "code")
IN_USE = "使用中の{what}は削除できません（{count}件で使用中）。無効にしてください"


def option_use_count(db: Session, code: str) -> int:
    listed = cast(Site.option_plans, String).contains(f'"{code}"', autoescape=True)
    return db.scalar(select(func.count()).select_from(Site).where(listed)) or 0


def choice_use_counts(db: Session) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for model, fields in ((Corporation, CORPORATION_CHOICE_FIELDS), (Site, SITE_CHOICE_FIELDS)):
        for field, kind in fields.items():
            column = getattr(model, field)
            for code, count in db.execute(select(column, func.count()).where(column != "").group_by(column)):
                counts[(kind, code)] = counts.get((kind, code), 0) + count
    return counts


def option_use_counts(db: Session) -> dict[str, int]:
    return {option.code: option_use_count(db, option.code) for option in options(db)}


def _option(db: Session, code: str) -> OptionService:
    option = db.get(OptionService, code)
    if option is None:
        raise NotFound("オプションサービスが見つかりません")
    return option


def _choice(db: Session, kind: str, code: str) -> Choice:
    choice = db.get(Choice, (kind, code)) if kind in EDITABLE_KINDS else None
    if choice is None:
        raise NotFound("選択肢が見つかりません")
    return choice


def _editable_kind(kind: str) -> None:
    if kind not in EDITABLE_KINDS:
        raise ValidationFailed(
            f"選択肢マスタ（{labels.CHOICE_KIND_LABELS.get(kind, kind)}）は編集できません",
            details={"field": "kind", "rule": "editable_kind", "value": kind, "allowed": list(EDITABLE_KINDS)},
        )


def _fits(kind: str, code: str) -> None:
    """契約者区分's 2 characters, 業種's 3; a kind no field stores (OCR's label words), the master's own."""
    most = min(
        (
            length(getattr(model, field))
            for model, stored in ((Corporation, CORPORATION_CHOICE_FIELDS), (Site, SITE_CHOICE_FIELDS))
            for field, of_kind in stored.items()
            if of_kind == kind
        ),
        default=CHOICE_CODE_MAX,
    )
    if len(code) > most:
        raise ValidationFailed(
            f"{labels.CHOICE_KIND_LABELS[kind]}のコードは{most}文字以内で入力してください",
            details={"field": "code", "rule": "string_too_long", "max_length": most},
        )


def _unique(exists: bool, what: str) -> None:
    if exists:
        raise Conflict(f"この{what}のコードは既に使われています", details={"field": "code", "rule": "unique"})


def _apply(db: Session, row: Any, fields: Mapping[str, Any], version: int, names: tuple[str, ...]) -> dict:
    """None leaves a field."""
    row = locking.lock_version(db, row, version)
    before = auditing.snapshot(row, names)
    for name, value in fields.items():
        if value is not None:
            setattr(row, name, value)
    db.flush()
    return before


def _in_use(count: int, what: str) -> None:
    if count:
        raise Conflict(IN_USE.format(what=what, count=count), code="in_use", details={"rule": "in_use", "count": count})


def create_option(db: Session, *, fields: Mapping[str, Any], actor: Actor) -> OptionService:
    _unique(db.get(OptionService, fields["code"]) is not None, "オプション")
    option = OptionService(**fields, is_active=True)
    db.add(option)
    db.flush()
    auditing.record_change(
        db, actor, "create", "option_service", option.code, {}, auditing.snapshot(option, ("code", *OPTION_FIELDS))
    )
    return option


def update_option(db: Session, *, code: str, fields: Mapping[str, Any], version: int, actor: Actor) -> OptionService:
    option = _option(db, code)
    before = _apply(db, option, fields, version, OPTION_FIELDS)
    auditing.record_change(
        db, actor, "update", "option_service", code, before, auditing.snapshot(option, OPTION_FIELDS)
    )
    return option


def delete_option(db: Session, *, code: str, version: int, actor: Actor) -> None:
    """409 `in_use` while a site lists it: deactivate it instead."""
    option = locking.lock(db, _option(db, code))
    locking.check_version(option, version)
    _in_use(option_use_count(db, code), "オプション")
    before = auditing.snapshot(option, ("code", *OPTION_FIELDS))
    db.delete(option)
    db.flush()
    auditing.record_change(db, actor, "delete", "option_service", code, before, {})


def create_choice(db: Session, *, kind: str, fields: Mapping[str, Any], actor: Actor) -> Choice:
    _editable_kind(kind)
    _fits(kind, fields["code"])
    _unique(db.get(Choice, (kind, fields["code"])) is not None, "選択肢")
    choice = Choice(kind=kind, **fields, is_active=True)
    db.add(choice)
    db.flush()
    target = f"{kind}:{choice.code}"
    auditing.record_change(
        db, actor, "create", "choice", target, {}, auditing.snapshot(choice, ("code", *CHOICE_FIELDS))
    )
    return choice


def update_choice(
    db: Session, *, kind: str, code: str, fields: Mapping[str, Any], version: int, actor: Actor
) -> Choice:
    choice = _choice(db, kind, code)
    before = _apply(db, choice, fields, version, CHOICE_FIELDS)
    auditing.record_change(
        db, actor, "update", "choice", f"{kind}:{code}", before, auditing.snapshot(choice, CHOICE_FIELDS)
    )
    return choice


def delete_choice(db: Session, *, kind: str, code: str, version: int, actor: Actor) -> None:
    """409 `in_use` while something stores it: deactivate it instead."""
    choice = locking.lock(db, _choice(db, kind, code))
    locking.check_version(choice, version)
    _in_use(choice_use_counts(db).get((kind, code), 0), "選択肢")
    before = auditing.snapshot(choice, ("code", *CHOICE_FIELDS))
    db.delete(choice)
    db.flush()
    auditing.record_change(db, actor, "delete", "choice", f"{kind}:{code}", before, {})
