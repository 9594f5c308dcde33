"""Scan-station login (nursery code + entry-exit password), its lockout, the station's session and its 8-hour token."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.orm import QueryableAttribute, Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.entry_logs import labels
from service.entry_logs.models import Nursery, StationSession
from service.errors import Unauthorized
from service.identity import lockout
from service.identity.security import (
    INVALID_TOKEN,
    IssuedToken,
    burn_password_check,
    decode_token,
    hash_password,
    issue_token,
    rehashed,
    verify_password,
)
from service.invalidation import GroupedCache
from service.roles import DOMAINS
from service.tenancy import TenantScope

TOKEN_KIND = "station"
CODE_KIND = "entry_exit_code"
DOMAIN = "entry_logs"
Admitted = str
STATION_SEEN_EVERY = timedelta(minutes=10)  # a heartbeat renews its session's last_seen_at at most this often


class StationClaims(NamedTuple):
    """A tuple: made for every token a heartbeat renews."""

    nursery_id: int
    pwf: str
    session_id: int

    @property
    def scope(self) -> TenantScope:
        return station_scope(self.nursery_id)


@dataclass(frozen=True)
class StationLogin:
    nursery: Nursery
    token: IssuedToken
    device_token: str  # lockout.py: a known station signs in past a lock


def station_scope(nursery_id: int) -> TenantScope:
    return TenantScope(DOMAIN, DOMAINS[DOMAIN].scope_kind, str(nursery_id))


def set_password(nursery: Nursery, password: str | None) -> None:
    """None clears it. Either way the tokens of the stations signed in before stop working."""
    nursery.entry_exit_password_hash = hash_password(password) if password else None
    nursery.station_password_stamp = None


def password_fingerprint(password_stamp: str | None, generation: int = 0) -> str:
    """Changes whenever the password is set again or cleared, or the stations are signed out, so older tokens stop
    working."""
    seed = (password_stamp or "") + (f":{generation}" if generation else "")
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def fingerprint_in_sql(
    password_stamp: SQLColumnExpression[str | None], generation: SQLColumnExpression[int]
) -> ColumnElement[str]:
    """A test holds the two equal."""
    suffix = case((generation != 0, literal(":") + cast(generation, String)), else_=literal(""))
    seed = func.coalesce(password_stamp, "") + suffix
    return func.left(func.encode(func.sha256(func.convert_to(seed, "UTF8")), "hex"), 16)


def _token(nursery_id: int, session_id: int, admitted: Admitted, now: datetime) -> IssuedToken:
    minutes = get_settings().entry_logs_token_hours * 60
    return issue_token(subject=str(nursery_id), kind=TOKEN_KIND, now=now, minutes=minutes, pwf=admitted, sid=session_id)


def issue_station_token(
    db: Session, nursery: Nursery, *, now: datetime, station_id: str | None = None, client_address: str | None = None
) -> IssuedToken:
    session = StationSession(
        nursery_id=nursery.id,
        station_id=station_id or "",
        client_address=(client_address or "")[:64],
        signed_in_at=now,
        last_seen_at=now,
    )
    db.add(session)
    db.flush()
    fingerprint = password_fingerprint(nursery.station_stamp, nursery.station_generation)
    return _token(nursery.id, session.id, fingerprint, now)


def _audit_login(
    db: Session, *, actor: Actor, action: str, code: str, nursery: Nursery | None, now: datetime, **outcome: str | None
) -> None:
    changes = {"nursery_code": code} | {name: value for name, value in outcome.items() if value}
    audit.record(
        db,
        actor=actor,
        action=action,
        domain=DOMAIN,
        target_type="nursery",
        target_id=nursery.id if nursery else None,
        changes=changes,
        at=now,
    )


def _password_ok(nursery: Nursery | None, password: str) -> bool:
    if nursery is None or not nursery.entry_exit_password_hash:
        burn_password_check(password)
        return False
    matched = verify_password(password, nursery.entry_exit_password_hash)
    if matched and (fresh := rehashed(password, nursery.entry_exit_password_hash)):
        nursery.station_password_stamp = nursery.station_stamp  # its stations stay signed in
        nursery.entry_exit_password_hash = fresh
    return matched


def login(
    db: Session,
    *,
    nursery_code: str,
    password: str,
    station_id: str | None,
    actor: Actor,
    now: datetime,
    device_token: str | None = None,
) -> StationLogin:
    """Under lockout.attempt: a station holding the device token of an earlier login is held to its own lock only, so
    nurseries of one operator sharing one NAT address keep signing in while the address is throttled."""
    code = nursery_code.strip().lower()
    nursery = db.scalar(select(Nursery).where(func.lower(Nursery.code) == code))
    failed = Actor(type="anonymous", label=code[:100], client_address=actor.client_address, request_id=actor.request_id)

    def refuse(reason: str, lock: str | None) -> None:
        _audit_login(
            db,
            actor=failed,
            action="station_login_failed",
            code=code,
            nursery=nursery,
            now=now,
            reason=reason,
            lock=lock,
        )

    address = actor.client_address or "unknown"
    admitted = lockout.attempt(
        db,
        login=lockout.Login(CODE_KIND, code, lockout.STATION_ADDRESS_KIND, address, device_token),
        now=now,
        verify=lambda: None if _password_ok(nursery, password) else "bad_credentials",
        refuse=refuse,
        bad_credentials=labels.BAD_CREDENTIALS,
    )
    assert nursery is not None  # lockout.attempt returned: the password is this nursery's
    station_actor = Actor(
        type="station",
        id=str(nursery.id),
        label=nursery.code,
        client_address=actor.client_address,
        request_id=actor.request_id,
    )
    _audit_login(
        db, actor=station_actor, action="station_login", code=code, nursery=nursery, now=now, device=admitted.device
    )
    token = issue_station_token(db, nursery, now=now, station_id=station_id, client_address=actor.client_address)
    return StationLogin(nursery=nursery, token=token, device_token=admitted.device_token)


def station_claims(authorization: str) -> StationClaims:
    """401 when missing, invalid or expired."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("ログインが必要です", code="not_authenticated")
    return _station_claims(decode_token(token.strip(), kind=TOKEN_KIND))


def _station_claims(claims: Mapping[str, Any]) -> StationClaims:
    session_id = claims.get("sid")
    if not str(claims["sub"]).isdigit():
        raise Unauthorized(INVALID_TOKEN, code="invalid_token")
    if not isinstance(session_id, int) or isinstance(session_id, bool):
        # a token from before station sessions: the station signs in again once
        raise Unauthorized(labels.STATION_DISABLED, code="station_disabled")
    return StationClaims(nursery_id=int(claims["sub"]), pwf=str(claims.get("pwf", "")), session_id=session_id)


def open_session_join(nursery_id: QueryableAttribute[int]) -> ColumnElement[bool]:
    return and_(
        StationSession.id == bindparam("session_id"),
        StationSession.nursery_id == nursery_id,
        StationSession.signed_out_at.is_(None),
    )


class StationAdmission(Protocol):
    """A row of the admission query, or of the parent locked for a scan."""

    @property
    def password_stamp(self) -> str | None: ...
    @property
    def station_generation(self) -> int: ...
    @property
    def session_id(self) -> int | None: ...


class AdmissionRow(NamedTuple):
    password_stamp: str | None
    station_generation: int
    session_id: int | None
    last_seen_at: datetime | None


NO_ADMISSION = AdmissionRow(None, 0, None, None)
_STATION_ADMISSION = (
    select(
        Nursery.station_stamp.label("password_stamp"),
        Nursery.station_generation,
        StationSession.id.label("session_id"),
        StationSession.last_seen_at,
    )
    .outerjoin(StationSession, open_session_join(Nursery.id))
    .where(Nursery.id == bindparam("nursery_id"))
)
_SEEN = update(StationSession).where(StationSession.id == bindparam("session_id")).values(last_seen_at=bindparam("now"))


def station_parameters(claims: StationClaims) -> dict[str, int]:
    return {"nursery_id": claims.nursery_id, "session_id": claims.session_id}


def admission_row(db: Session, claims: StationClaims) -> AdmissionRow:
    row = db.connection().execute(_STATION_ADMISSION, station_parameters(claims)).first()
    return AdmissionRow(**row._mapping) if row else NO_ADMISSION


def admit(claims: StationClaims, row: StationAdmission) -> Admitted:
    """Else 401 station_disabled: the password was changed or cleared, or the station was signed out."""
    stamp, open_session = row.password_stamp, row.session_id is not None
    fingerprint = password_fingerprint(stamp, row.station_generation) if stamp and open_session else ""
    return admit_fingerprint(claims, fingerprint)


def admitted_in_sql() -> ColumnElement[bool]:
    fingerprint = fingerprint_in_sql(Nursery.station_stamp, Nursery.station_generation)
    return and_(Nursery.station_stamp != "", fingerprint == bindparam("pwf"))


def admit_fingerprint(claims: StationClaims, fingerprint: Admitted) -> Admitted:
    """An empty fingerprint admits nobody."""
    if not fingerprint or claims.pwf != fingerprint:
        raise Unauthorized(labels.STATION_DISABLED, code="station_disabled")
    return fingerprint


def admitted_fingerprint(db: Session, claims: StationClaims) -> Admitted:
    """One query."""
    return admit(claims, admission_row(db, claims))


@dataclass(frozen=True, slots=True)
class Admission:
    """Kept in the process's admission cache until the nursery's stations change or the session is due to be marked
    seen."""

    nursery_id: int
    admitted: Admitted
    last_seen_at: datetime


ADMISSIONS: GroupedCache[Admission] = GroupedCache("daicho_station_admission")


def forget_admissions(db: Session, nursery_id: int) -> None:
    ADMISSIONS.invalidate(db, str(nursery_id))


def cached_heartbeat(claims: StationClaims, now: datetime) -> IssuedToken | None:
    """Without a query, when this process's admission cache holds the session."""
    if not ADMISSIONS.usable():
        return None
    known = ADMISSIONS.get(claims.session_id)
    if known is None or known.nursery_id != claims.nursery_id or now - known.last_seen_at >= STATION_SEEN_EVERY:
        return None
    return _token(claims.nursery_id, claims.session_id, admit_fingerprint(claims, known.admitted), now)


def heartbeat(db: Session, claims: StationClaims, now: datetime) -> IssuedToken:
    epoch = ADMISSIONS.epoch
    row = admission_row(db, claims)
    admitted, last_seen_at = admit(claims, row), row.last_seen_at
    if last_seen_at is None or now - last_seen_at >= STATION_SEEN_EVERY:  # None: admit refuses a sessionless token
        db.connection().execute(_SEEN, {"session_id": claims.session_id, "now": now})
        last_seen_at = now
    ADMISSIONS.put(
        claims.session_id, str(claims.nursery_id), Admission(claims.nursery_id, admitted, last_seen_at), epoch=epoch
    )
    return _token(claims.nursery_id, claims.session_id, admitted, now)
