"""法人 (§2.4): the 1page/2page information, search for 既存法人に地点追加, and card data handling.

One company is one corporation (decision 1, §3.1b): a new one matching the agency's existing one (same 法人番号, or
without one same name and 電話番号1) is a 409 duplicate_corporation naming it; only a name-and-phone match may be
registered when confirmed. Card data is encrypted at rest and read back only through the audited `reveal_card`; audit
entries carry it only as [REDACTED] markers of change."""

import hashlib
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from service import dialect
from service.audit import service as audit
from service.audit.service import Actor
from service.crm import auditing, crypto, labels, locking, masters
from service.crm.corporations.schemas import CardReveal, CorporationFields, CorporationRead
from service.crm.models import Corporation, Request, Site
from service.errors import Conflict, ValidationFailed, unknown_reference
from service.search import contains
from service.tenancy import TenantScope, scoped

CARD_NUMBER, SECURITY_CODE = "credit_card_number", "credit_card_security_code"
SECRET_FIELDS = (CARD_NUMBER, SECURITY_CODE)
PLAIN_FIELDS = tuple(name for name in CorporationFields.model_fields if name not in SECRET_FIELDS)
CARD_FIELDS = ("credit_card_expire_month", "credit_card_expire_year", "credit_card_name")
BILLING_FIELDS = tuple(name for name in PLAIN_FIELDS if name.startswith("billing_") and name != "billing_address_same")
NULLABLE_FIELDS = ("birthday", "representative_birthday")
CREDIT_CARD = "1"
CHOICE_FIELDS = masters.CORPORATION_CHOICE_FIELDS
SAME_NUMBER, SAME_NAME_AND_PHONE = "corporation_number", "name_and_phone"
DUPLICATES_NAMED = 10


def state(corporation: Corporation) -> dict[str, Any]:
    """Card data only as change markers."""
    plain = auditing.snapshot(corporation, PLAIN_FIELDS)
    return plain | {
        CARD_NUMBER: corporation.card_revision if corporation.card_number_encrypted else None,
        SECURITY_CODE: corporation.card_revision if corporation.card_security_code_encrypted else None,
    }


def read(corporation: Corporation) -> CorporationRead:
    return CorporationRead.model_validate(corporation).model_copy(
        update={
            "credit_card_number_masked": crypto.mask(corporation.card_last4),
            "has_security_code": corporation.card_security_code_encrypted is not None,
            "security_code_needed": security_code_needed(corporation),
        }
    )


def _set_card(corporation: Corporation, number: str | None, code: str | None) -> None:
    """None leaves it, "" clears it; any change counts a new card revision."""
    if number is not None and (number or corporation.card_number_encrypted):
        corporation.card_number_encrypted = crypto.encrypt(number) if number else None
        corporation.card_last4 = number[-4:]
        corporation.card_revision += 1
    if code is not None and (code or corporation.card_security_code_encrypted):
        corporation.card_security_code_encrypted = crypto.encrypt(code) if code else None
        corporation.card_revision += 1


def _apply(corporation: Corporation, fields: dict[str, Any]) -> None:
    """None leaves a field as it is (a date: clears it); "" clears text."""
    for name, value in fields.items():
        if name not in SECRET_FIELDS and (value is not None or name in NULLABLE_FIELDS):
            setattr(corporation, name, value)
    _set_card(corporation, fields.get(CARD_NUMBER), fields.get(SECURITY_CODE))
    if corporation.payment_type != CREDIT_CARD:
        _set_card(corporation, "", "")
        for name in CARD_FIELDS:
            setattr(corporation, name, "")
    if corporation.billing_address_same:
        for name in BILLING_FIELDS:
            setattr(corporation, name, "")
    corporation.display_name = display_name(corporation.last_name, corporation.first_name)


def display_name(last_name: str, first_name: str) -> str:
    return " ".join(filter(None, (last_name, first_name)))[:101]


def _phone_digits(column: Any) -> Any:
    return func.replace(func.replace(column, "-", ""), " ", "")


def _same(agency_id: int, number: str, name: str, phone: str) -> tuple[str, Any] | None:
    stmt = select(Corporation).where(Corporation.agency_id == agency_id)
    if number:
        return SAME_NUMBER, stmt.where(Corporation.corporation_number == number)
    digits = phone.replace("-", "").replace(" ", "")
    if name and digits:
        return SAME_NAME_AND_PHONE, stmt.where(
            Corporation.display_name == name, _phone_digits(Corporation.phone1) == digits
        )
    return None


def _named(db: Session, corporation: Corporation) -> dict[str, Any]:
    requests = db.scalar(select(func.count()).where(Request.corporation_id == corporation.id)) or 0
    return {
        "id": corporation.id,
        "display_name": corporation.display_name,
        "corporation_number": corporation.corporation_number,
        "phone1": corporation.phone1,
        "address": f"{corporation.prefecture}{corporation.city}{corporation.town}",
        "requests": requests,
        "security_code_needed": security_code_needed(corporation),
    }


def _lock_agency(db: Session, agency_id: int) -> None:
    """Two requests naming one new company at once take turns, so the second finds the first's corporation."""
    key = int.from_bytes(hashlib.sha256(f"crm-corporation:{agency_id}".encode()).digest()[:8], "big", signed=True)
    dialect.of(db).lock(db, key)


def ensure_one_corporation(
    db: Session, *, agency_id: int, number: str, name: str, phone: str, confirmed: bool, except_id: int | None = None
) -> None:
    """`confirmed`: a different company of the same name and phone."""
    _lock_agency(db, agency_id)
    same = _same(agency_id, number, name, phone)
    if same is None:
        return
    match, stmt = same
    if except_id is not None:
        stmt = stmt.where(Corporation.id != except_id)
    found = list(db.scalars(stmt.order_by(Corporation.id).limit(DUPLICATES_NAMED)))
    if not found or (confirmed and match == SAME_NAME_AND_PHONE):
        return
    names = "、".join(f"{c.display_name}（#{c.id}）" for c in found)
    message = labels.DUPLICATE_NUMBER if match == SAME_NUMBER else labels.DUPLICATE_NAME_AND_PHONE
    raise Conflict(
        message.format(number=number, names=names),
        code="duplicate_corporation",
        details={
            "field": "corporation_number" if match == SAME_NUMBER else "phone1",
            "rule": "duplicate_corporation",
            "match": match,
            "confirmable": match == SAME_NAME_AND_PHONE,
            "corporations": [_named(db, c) for c in found],
        },
    )


def _required(corporation: Corporation, names: tuple[str, ...], rule: str, message: str) -> None:
    missing = [name for name in names if not getattr(corporation, name)]
    if missing:
        raise ValidationFailed(message, details={"field": missing[0], "rule": rule, "missing": missing})


def _check(db: Session, corporation: Corporation, stored: dict[str, Any] | None = None) -> None:
    values = {field: (kind, getattr(corporation, field)) for field, kind in CHOICE_FIELDS.items()}
    masters.check_choices(db, values, stored=stored)
    _required(corporation, ("last_name",), "required", "契約者名（姓）を入力してください")
    if corporation.payment_type == CREDIT_CARD:
        _required(
            corporation,
            ("card_number_encrypted", *CARD_FIELDS),
            "required_for_credit_card",
            "クレジットカード払いではカード番号・有効期限・名義が必要です",
        )
    if not corporation.billing_address_same:
        _required(
            corporation,
            ("billing_zip_code", "billing_prefecture", "billing_city"),
            "required_for_billing_address",
            "請求書送付先が契約者住所と異なる場合は送付先の郵便番号・都道府県・市区町村が必要です",
        )


def _rename_missing(exc: ValidationFailed) -> ValidationFailed:
    if exc.details and exc.details.get("field") == "card_number_encrypted":
        exc.details["field"] = CARD_NUMBER
        exc.details["missing"] = [CARD_NUMBER if m == "card_number_encrypted" else m for m in exc.details["missing"]]
    return exc


def create_corporation(
    db: Session, *, agency_id: int, data: CorporationFields, actor: Actor, confirmed: bool = False
) -> Corporation:
    corporation = Corporation(agency_id=agency_id, card_revision=0, billing_address_same=True)
    _apply(corporation, data.model_dump())
    try:
        _check(db, corporation)
    except ValidationFailed as exc:
        raise _rename_missing(exc) from None
    ensure_one_corporation(
        db,
        agency_id=agency_id,
        number=corporation.corporation_number,
        name=corporation.display_name,
        phone=corporation.phone1,
        confirmed=confirmed,
    )
    db.add(corporation)
    db.flush()
    auditing.record_change(db, actor, "create", "corporation", corporation.id, {}, state(corporation))
    return corporation


def update_corporation(db: Session, *, corporation: Corporation, data: Any, actor: Actor) -> Corporation:
    """Sales and back office alike, under the version the editor read."""
    corporation, changes = locking.lock_edit(db, corporation, data)
    before = state(corporation)
    _apply(corporation, changes)
    try:
        _check(db, corporation, stored=before)
    except ValidationFailed as exc:
        raise _rename_missing(exc) from None
    if corporation.corporation_number and corporation.corporation_number != before["corporation_number"]:
        ensure_one_corporation(
            db,
            agency_id=corporation.agency_id,
            number=corporation.corporation_number,
            name="",
            phone="",
            confirmed=False,
            except_id=corporation.id,
        )
    db.flush()
    auditing.record_change(db, actor, "update", "corporation", corporation.id, before, state(corporation))
    return corporation


def search(
    db: Session, *, scope: TenantScope, q: str | None, agency_id: int | None, offset: int, limit: int
) -> tuple[list[Corporation], int]:
    stmt = scoped(select(Corporation), scope, Corporation.agency_id)
    if agency_id is not None:
        stmt = stmt.where(Corporation.agency_id == agency_id)
    if q and q.strip():
        term = q.strip()
        stmt = stmt.where(
            or_(
                contains(term, Corporation.display_name, Corporation.last_name_kana),
                Corporation.corporation_number == term.replace("-", ""),
                Corporation.phone1 == term,
            )
        )
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(Corporation.display_name, Corporation.id).offset(offset).limit(limit))
    return list(rows), total


def reveal_card(db: Session, *, corporation: Corporation, actor: Actor) -> CardReveal:
    """A back-office action that is itself audited."""
    if corporation.card_number_encrypted is None:
        raise ValidationFailed(
            "この法人にはカード情報が登録されていません", details={"field": CARD_NUMBER, "rule": "not_set"}
        )
    code = corporation.card_security_code_encrypted
    auditing.record(
        db,
        actor,
        "reveal_card",
        "corporation",
        corporation.id,
        {
            "revealed": ["credit_card_number"] + (["credit_card_security_code"] if code else []),
            "last4": corporation.card_last4,
        },
    )
    return CardReveal(
        credit_card_number=crypto.decrypt(corporation.card_number_encrypted),
        credit_card_security_code=crypto.decrypt(code) if code else None,
    )


def security_code_needed(corporation: Corporation) -> bool:
    return corporation.payment_type == CREDIT_CARD and corporation.card_security_code_encrypted is None


def supply_security_code(db: Session, *, corporation: Corporation, code: str, actor: Actor) -> None:
    """Asked again when the last request's completion purged it; audited as a change marker, never the digits."""
    if code and corporation.payment_type != CREDIT_CARD:
        raise ValidationFailed(
            labels.SECURITY_CODE_NOT_CARD, details={"field": SECURITY_CODE, "rule": "credit_card_only"}
        )
    if not code:
        if security_code_needed(corporation):
            raise ValidationFailed(
                labels.SECURITY_CODE_AGAIN, details={"field": SECURITY_CODE, "rule": "security_code_required"}
            )
        return
    corporation = locking.lock(db, corporation)
    before = state(corporation)
    _set_card(corporation, None, code)
    db.flush()
    changes = {SECURITY_CODE: audit.diff(before, state(corporation))[SECURITY_CODE]}
    auditing.record(db, actor, "supply_security_code", "corporation", corporation.id, changes)


def purge_security_code(db: Session, *, corporation: Corporation, request_id: int, actor: Actor) -> None:
    if corporation.card_security_code_encrypted is None:
        return
    before = state(corporation)
    corporation.card_security_code_encrypted = None
    corporation.card_revision += 1
    db.flush()
    changes = audit.diff(before, state(corporation)) | {"request_id": request_id}
    auditing.record(db, actor, "purge_security_code", "corporation", corporation.id, changes)


def merge(db: Session, *, kept: Corporation, duplicate_id: int, scope: TenantScope, actor: Actor) -> Corporation:
    """The duplicate's requests and sites move to the kept one and the duplicate is deleted, all audited."""
    named = select(Corporation).where(Corporation.id == duplicate_id)
    duplicate = db.scalar(scoped(named, scope, Corporation.agency_id))
    if duplicate is None:
        raise unknown_reference(labels.MERGE_UNKNOWN, "duplicate_id")
    if duplicate.id == kept.id or duplicate.agency_id != kept.agency_id:
        rule = "merge_itself" if duplicate.id == kept.id else "same_agency"
        message = labels.MERGE_ITSELF if rule == "merge_itself" else labels.MERGE_OTHER_AGENCY
        raise ValidationFailed(message, details={"field": "duplicate_id", "rule": rule})
    for corporation in sorted((kept, duplicate), key=lambda c: c.id):
        locking.lock(db, corporation)
    moved_requests = list(db.scalars(select(Request.id).where(Request.corporation_id == duplicate.id)))
    moved_sites = list(db.scalars(select(Site.id).where(Site.corporation_id == duplicate.id)))
    db.execute(
        update(Request)
        .where(Request.corporation_id == duplicate.id)
        .values(corporation_id=kept.id, version=Request.version + 1)
    )
    db.execute(update(Site).where(Site.corporation_id == duplicate.id).values(corporation_id=kept.id))
    before = state(duplicate)
    kept.version += 1
    db.delete(duplicate)
    db.flush()
    changes = {"merged_corporation": duplicate.id, "moved_requests": moved_requests, "moved_sites": moved_sites}
    auditing.record(db, actor, "merge", "corporation", kept.id, changes)
    auditing.record_change(db, actor, "delete", "corporation", duplicate.id, before, {})
    return kept
