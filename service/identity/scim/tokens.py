"""The bearer tokens the company's directory provisions with: made by an administrator (利用者管理 › SCIMトークン) or
`python -m service.cli scim token --name NAME`, shown once, kept as the SHA-256 of a 256-bit secret, compared in
constant time, revocable. Making and revoking are audited, never the value."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.database import utcnow
from service.errors import Conflict, NotFound
from service.identity.models import ScimToken

TOKEN_KIND = "scim_token"
PREFIX = "daicho_scim_"  # tells a leaked token for what it is
ACTOR_TYPE = "scim"  # the audit log reads SCIM（<token name>）


@dataclass(frozen=True)
class MadeToken:
    token: ScimToken
    secret: str  # shown once


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def list_tokens(db: Session) -> list[ScimToken]:
    return list(db.scalars(select(ScimToken).order_by(ScimToken.created_at.desc(), ScimToken.id.desc())))


def make_token(db: Session, *, name: str, actor: Actor) -> MadeToken:
    if db.scalar(select(ScimToken.id).where(ScimToken.name == name)) is not None:
        raise Conflict("このトークン名は既に使われています", details={"field": "name", "rule": "unique"})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(name=name, secret_hash=_digest(secret), created_by=actor.label)
    db.add(token)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        domain="platform",
        target_type=TOKEN_KIND,
        target_id=token.id,
        changes=audit.diff({}, {"name": name}),
    )
    return MadeToken(token, secret)


def revoke_token(db: Session, *, token_id: int, actor: Actor) -> ScimToken:
    token = db.get(ScimToken, token_id)
    if token is None:
        raise NotFound("SCIMトークンが見つかりません", details={"resource": TOKEN_KIND, "id": token_id})
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
        audit.record(
            db,
            actor=actor,
            action="revoke",
            domain="platform",
            target_type=TOKEN_KIND,
            target_id=token.id,
            changes=audit.diff({"revoked_at": None}, {"revoked_at": token.revoked_at}),
        )
    return token


def token_for(db: Session, secret: str, *, now: datetime) -> ScimToken | None:
    """The live token this secret is, its last use noted; None for any other secret. Found by its digest (a timing
    difference there tells nothing of a 256-bit secret), then compared in constant time."""
    token = db.scalar(select(ScimToken).where(ScimToken.secret_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    token.last_used_at = now
    return token


def actor_of(token: ScimToken, origin: Actor) -> Actor:
    return Actor(
        type=ACTOR_TYPE,
        id=str(token.id),
        label=token.name,
        client_address=origin.client_address,
        request_id=origin.request_id,
    )
