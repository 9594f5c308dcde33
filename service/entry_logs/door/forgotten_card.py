"""「カードを忘れた方」 at the station: a person without their card is found and recorded by staff at the door.

Staff unlock it with the nursery's PIN under the sign-in lockout (`identity/lockout.py`, key: the nursery), each failure
and unlock audited. An unlock answers a short token (UNLOCK_MINUTES) the lookup and the records take instead of the
station's token; without it nothing of the roster is answered. A record is a 手入力 log (who, why, audited)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.entry_logs import labels
from service.entry_logs.logs import corrections
from service.entry_logs.lookups import child_names_for, day_bounds, local_today
from service.entry_logs.models import ENTRY, EntryLog, Nursery, Parent, StationSession
from service.entry_logs.schemas import hiragana
from service.entry_logs.station import DOMAIN, StationClaims, admitted_fingerprint, station_claims
from service.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from service.identity import lockout
from service.identity.security import (
    INVALID_TOKEN,
    IssuedToken,
    decode_token,
    issue_token,
    rehashed,
    verify_password,
)
from service.search import contains
from service.tenancy import get_scoped, scoped

UNLOCK_KIND = "station_unlock"
PIN_KIND = "station_pin"  # by the nursery's id
PIN_ADDRESS_KIND = "station_pin_address"  # the lockout's address throttle for PIN attempts
UNLOCK_MINUTES = 5
MATCHES_SHOWN = 10
PHONE_DIGITS = re.compile(r"[0-9]{4}")
PHONE_SIGNS = ("-", " ", "(", ")", "+")


class Unlocked(NamedTuple):
    station: StationClaims
    staff_name: str


def _unlocked_claims(claims: Mapping[str, Any]) -> Unlocked:
    session_id, staff_name = claims.get("sid"), claims.get("staff")
    if not str(claims["sub"]).isdigit() or not isinstance(session_id, int) or not isinstance(staff_name, str):
        raise Unauthorized(INVALID_TOKEN, code="invalid_token")
    return Unlocked(StationClaims(int(claims["sub"]), str(claims.get("pwf", "")), session_id), staff_name)


def unlocked(db: Session, authorization: str) -> Unlocked:
    """401 otherwise: unlock again."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(labels.UNLOCK_EXPIRED, code="not_authenticated")
    try:
        claims = _unlocked_claims(decode_token(token.strip(), kind=UNLOCK_KIND))
    except Unauthorized as refused:
        raise Unauthorized(labels.UNLOCK_EXPIRED, code=refused.code) from None
    admitted_fingerprint(db, claims.station)
    return claims


def unlock(db: Session, *, authorization: str, pin: str, staff_name: str, actor: Actor, now: datetime) -> IssuedToken:
    claims = station_claims(authorization)
    admitted_fingerprint(db, claims)
    nursery = db.get(Nursery, claims.nursery_id)
    if nursery is None or not nursery.station_pin_hash:
        raise Conflict(labels.PIN_NOT_SET, code="pin_not_set")
    pin_hash = nursery.station_pin_hash

    def pin_refusal() -> str | None:
        if not verify_password(pin, pin_hash):
            return "bad_pin"
        if fresh := rehashed(pin, pin_hash):
            nursery.station_pin_hash = fresh
        return None

    def audit_unlock(action: str, **outcome: str | None) -> None:
        changes = {"staff_name": staff_name} | {name: value for name, value in outcome.items() if value}
        audit.record(
            db,
            actor=_station_actor(claims, staff_name, actor),
            action=action,
            domain=DOMAIN,
            target_type="nursery",
            target_id=nursery.id,
            changes=changes,
            at=now,
        )

    lockout.attempt(
        db,
        login=lockout.Login(PIN_KIND, str(nursery.id), PIN_ADDRESS_KIND, actor.client_address or "unknown"),
        now=now,
        verify=pin_refusal,
        refuse=lambda reason, lock: audit_unlock("unlock_forgotten_card_failed", reason=reason, lock=lock),
        bad_credentials=labels.BAD_PIN,
    )
    audit_unlock("unlock_forgotten_card")
    return issue_token(
        subject=str(nursery.id),
        kind=UNLOCK_KIND,
        now=now,
        minutes=UNLOCK_MINUTES,
        pwf=claims.pwf,
        sid=claims.session_id,
        staff=staff_name,
    )


def _station_actor(claims: StationClaims, staff_name: str, actor: Actor) -> Actor:
    return Actor(
        type="station",
        id=str(claims.nursery_id),
        label=staff_name,
        client_address=actor.client_address,
        request_id=actor.request_id,
    )


@dataclass(frozen=True)
class Person:
    parent_id: int
    name: str
    name_kana: str
    kind: str  # parent or pass
    kind_label: str
    relation: str
    phone_last4: str
    child_names: list[str]
    inside: bool


def _person(adult: Parent, child_names: list[str], inside: bool) -> Person:
    kind = "pass" if adult.is_pass else "parent"
    return Person(
        adult.id,
        adult.name,
        adult.name_kana,
        kind,
        labels.PERSON_KINDS[kind],
        adult.relation,
        re.sub(r"[^0-9]", "", adult.phone)[-4:],
        child_names,
        inside,
    )


def _phone_digits(column: Any) -> ColumnElement[str]:
    for sign in PHONE_SIGNS:
        column = func.replace(column, sign, "")
    return column


def _matching(text: str) -> ColumnElement[bool]:
    """Spaces in the reading ignored."""
    if PHONE_DIGITS.fullmatch(text):
        return _phone_digits(Parent.phone).endswith(text, autoescape=True)
    reading = text.replace(" ", "")
    return or_(contains(reading, func.replace(Parent.name_kana, " ", "")), contains(text, Parent.name))


def _inside(db: Session, parent_ids: list[int], now: datetime) -> set[int]:
    start, end = day_bounds(local_today(now))
    latest: dict[int, str] = {}
    rows = db.execute(
        select(EntryLog.parent_id, EntryLog.entry_type)
        .where(
            EntryLog.parent_id.in_(parent_ids),
            EntryLog.deleted_at.is_(None),
            EntryLog.occurred_at >= start,
            EntryLog.occurred_at < end,
        )
        .order_by(EntryLog.occurred_at, EntryLog.id)
    )
    for parent_id, entry_type in rows:
        latest[parent_id] = entry_type
    return {parent_id for parent_id, entry_type in latest.items() if entry_type == ENTRY}


def people(db: Session, *, unlock: Unlocked, q: str, now: datetime) -> tuple[list[Person], bool]:
    """At most MATCHES_SHOWN, by reading; and whether there are more."""
    text = hiragana(q)
    if not text:
        return [], False
    today = local_today(now)
    found = db.scalars(
        scoped(select(Parent), unlock.station.scope, Parent.nursery_id)
        .where(or_(Parent.is_pass.is_(False), Parent.pass_date == today), _matching(text))
        .order_by(Parent.name_kana, Parent.name, Parent.id)
        .limit(MATCHES_SHOWN + 1)
    ).all()
    shown = list(found[:MATCHES_SHOWN])
    ids = [person.id for person in shown]
    children, inside = child_names_for(db, ids), _inside(db, ids, now)
    matches = [_person(person, children.get(person.id, []), person.id in inside) for person in shown]
    return matches, len(found) > MATCHES_SHOWN


def record(
    db: Session, *, unlock: Unlocked, parent_id: int, entry_type: str, reason: str, actor: Actor, now: datetime
) -> EntryLog:
    station = unlock.station
    try:
        person = get_scoped(db, Parent, parent_id, station.scope, Parent.nursery_id)
    except NotFound as missing:
        raise NotFound(labels.PARENT_NOT_FOUND, code="parent_not_found", details=missing.details) from None
    if person.is_pass and person.pass_date != local_today(now):
        raise ValidationFailed(labels.FORGOTTEN_CARD_NOT_PERSON, details={"field": "parentId", "rule": "pass_of_today"})
    session = db.get(StationSession, station.session_id)
    corrections.lock_parent(db, person)
    return corrections.write_by_hand(
        db,
        nursery=db.get_one(Nursery, station.nursery_id),
        parent=person,
        entry_type=entry_type,
        at=now,
        reason=reason,
        actor=_station_actor(station, unlock.staff_name, actor),
        action="record_forgotten_card",
        now=now,
        station_id=(session.station_id or None) if session else None,
    )
