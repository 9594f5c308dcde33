"""Scan-station login (nursery code + entry-exit password), its lockout, and the 8-hour station token."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.entry_logs import labels
from service.entry_logs.models import Nursery
from service.errors import Unauthorized
from service.identity import lockout
from service.identity.roles import DOMAINS
from service.identity.security import IssuedToken, burn_password_check, decode_token, issue_token, verify_password
from service.lanes import Query, Work
from service.tenancy import TenantScope

TOKEN_KIND = "station"
CODE_KIND = "entry_exit_code"
ADDRESS_KIND = "entry_exit_address"
DOMAIN = "entry_logs"
Admitted = tuple[str, int]  # the nursery's password hash and station generation a station token was issued under


@dataclass(frozen=True)
class StationClaims:
    """What a station token says: its nursery, and the fingerprint of the password it was issued under."""

    nursery_id: int
    pwf: str

    @property
    def scope(self) -> TenantScope:
        return station_scope(self.nursery_id)


@dataclass(frozen=True)
class StationLogin:
    nursery: Nursery
    token: IssuedToken


def station_scope(nursery_id: int) -> TenantScope:
    return TenantScope(DOMAIN, DOMAINS[DOMAIN].scope_kind, str(nursery_id))


def password_fingerprint(password_hash: str | None, generation: int = 0) -> str:
    """Changes whenever the password is set again or cleared, or the stations are signed out (a new generation), so
    older station tokens stop working."""
    seed = (password_hash or "") + (f":{generation}" if generation else "")
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _token(nursery_id: int, admitted: Admitted, now: datetime) -> IssuedToken:
    minutes = get_settings().entry_logs_token_hours * 60
    pwf = password_fingerprint(*admitted)
    return issue_token(subject=str(nursery_id), kind=TOKEN_KIND, now=now, minutes=minutes, pwf=pwf)


def issue_station_token(nursery: Nursery, *, now: datetime) -> IssuedToken:
    return _token(nursery.id, (nursery.entry_exit_password_hash, nursery.station_generation), now)


def _audit_login(
    db: Session, *, actor: Actor, action: str, code: str, nursery: Nursery | None, reason: str, now: datetime
) -> None:
    changes = {"nursery_code": code} | ({"reason": reason} if reason else {})
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
    return verify_password(password, nursery.entry_exit_password_hash)


def login(db: Session, *, nursery_code: str, password: str, actor: Actor, now: datetime) -> StationLogin:
    """Check the entry-exit password under the per-code and per-address lockouts and issue a station token."""
    code = nursery_code.strip().lower()
    keys = [(CODE_KIND, code), (ADDRESS_KIND, actor.client_address or "unknown")]
    nursery = db.scalar(select(Nursery).where(func.lower(Nursery.code) == code))
    failed = Actor(type="anonymous", label=code[:100], client_address=actor.client_address, request_id=actor.request_id)

    def refuse(reason: str) -> None:
        _audit_login(
            db, actor=failed, action="station_login_failed", code=code, nursery=nursery, reason=reason, now=now
        )

    lockout.attempt(
        db,
        keys=keys,
        now=now,
        verify=lambda: None if _password_ok(nursery, password) else "bad_credentials",
        refuse=refuse,
        bad_credentials=labels.BAD_CREDENTIALS,
    )
    station_actor = Actor(
        type="station",
        id=str(nursery.id),
        label=nursery.code,
        client_address=actor.client_address,
        request_id=actor.request_id,
    )
    _audit_login(db, actor=station_actor, action="station_login", code=code, nursery=nursery, reason="", now=now)
    return StationLogin(nursery=nursery, token=issue_station_token(nursery, now=now))


def station_claims(authorization: str) -> StationClaims:
    """The claims of the station token in an Authorization header's value (401 when missing or invalid)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("ログインが必要です", code="not_authenticated")
    claims = decode_token(token.strip(), kind=TOKEN_KIND)
    if not str(claims["sub"]).isdigit():
        raise Unauthorized("認証トークンが不正です", code="invalid_token")
    return StationClaims(nursery_id=int(claims["sub"]), pwf=str(claims.get("pwf", "")))


_NURSERY_PASSWORD = select(Nursery.entry_exit_password_hash, Nursery.station_generation).where(
    Nursery.id == bindparam("nursery_id")
)


def admit(claims: StationClaims, password_hash: str | None, generation: int) -> Admitted:
    """The nursery's password hash and station generation, as long as the token was issued under both (else 401
    station_disabled: the password was changed or cleared, or the stations were signed out)."""
    if not password_hash or claims.pwf != password_fingerprint(password_hash, generation):
        raise Unauthorized(labels.STATION_DISABLED, code="station_disabled")
    return password_hash, generation


def admitted_password_hash(claims: StationClaims) -> Work[Admitted]:
    """Read the nursery's password hash and station generation (one query) and admit the station under them."""
    rows = yield Query(_NURSERY_PASSWORD, {"nursery_id": claims.nursery_id})
    return admit(claims, *(rows[0] if rows else (None, 0)))


def heartbeat(claims: StationClaims, now: datetime) -> Work[IssuedToken]:
    """A fresh 8-hour token for a station that is still allowed in."""
    return _token(claims.nursery_id, (yield from admitted_password_hash(claims)), now)
