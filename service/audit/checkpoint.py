"""Signed checkpoints: the audit chain's head in a form to keep outside the database, so a log emptied or cut off at the
end no longer passes `audit verify --against` or `backup restore`.

A JWT signed with HMAC-SHA256 under a key derived (HKDF) from APP_AUDIT_KEY. The audit key, not APP_SECRET_KEY: a
checkpoint is good exactly as long as the chain's hashes are, and rotating the login secret must not make every backup
unrestorable. An HMAC, not an Ed25519 pair: whoever holds APP_AUDIT_KEY can rewrite the chain itself, so a second key
would protect nothing more."""

from sqlalchemy.orm import Session

from service.audit.service import GENESIS_HASH, ChainHead, chain_head
from service.config import get_settings
from service.errors import DomainError

ALGORITHM = "HS256"
PURPOSE = b"daicho audit checkpoint"


class InvalidCheckpoint(DomainError):
    code = "invalid_checkpoint"


def _key() -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE)
    return hkdf.derive(get_settings().audit_key.encode())


def sign(head: ChainHead) -> str:
    import jwt  # PyJWT with cryptography: imported by the commands that sign or read, not with the app

    return jwt.encode({"seq": head.seq, "hash": head.hash}, _key(), algorithm=ALGORITHM)


def take(db: Session) -> str:
    """A database without a head row: the genesis."""
    return sign(chain_head(db) or ChainHead(0, GENESIS_HASH))


def read(token: str) -> ChainHead:
    import jwt

    try:
        claims = jwt.decode(token.strip(), _key(), algorithms=[ALGORITHM], options={"require": ["seq", "hash"]})
    except jwt.InvalidTokenError as exc:
        raise InvalidCheckpoint(
            "not an audit checkpoint signed with this APP_AUDIT_KEY (altered, cut short, or made with another key)"
        ) from exc
    return ChainHead(claims["seq"], claims["hash"])
