"""Card data at rest: Fernet (AES-128-CBC + HMAC-SHA256) under APP_CRM_CARD_KEY's keys: the first encrypts, all decrypt.
Outside production an empty setting falls back to a key derived from a public string: it protects nothing and exists
only so development and tests run without configuration; production refuses to start without a real key."""

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings, parse_fernet_keys
from service.crm.models import Corporation

DEV_ONLY_KEY_MATERIAL = b"daicho development-only CRM card key - NOT SECRET"
CARD_COLUMNS = (Corporation.card_number_encrypted, Corporation.card_security_code_encrypted)


def dev_only_key() -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(DEV_ONLY_KEY_MATERIAL).digest())


def configured_keys() -> list[bytes]:
    settings = get_settings()
    keys = parse_fernet_keys(settings.crm_card_key)
    if not keys and settings.env == "production":
        raise RuntimeError(f"APP_CRM_CARD_KEY is not given to this process (APP_PROCESS={settings.process})")
    return keys or [dev_only_key()]


@lru_cache
def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in configured_keys()])


def encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("card data cannot be decrypted with the configured APP_CRM_CARD_KEY") from exc


def mask(last4: str) -> str:
    return f"**** **** **** {last4}" if last4 else ""


class CardKeyMissing(Exception):
    """Nothing was changed."""


@dataclass(frozen=True)
class Reencrypted:
    corporations: int
    fields: int
    current: int


class _Rotation:
    """So a re-run changes nothing."""

    def __init__(self, old_keys: list[bytes]) -> None:
        keys = configured_keys()
        self.primary = Fernet(keys[0])
        self.every_key = MultiFernet([Fernet(key) for key in [*keys, *old_keys]])

    def current(self, token: str) -> bool:
        try:
            self.primary.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str, corporation_id: int) -> str:
        try:
            return self.every_key.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise CardKeyMissing(
                f"the card data of corporation {corporation_id} is under none of the keys given: "
                "keep its key in APP_CRM_CARD_KEY after the new one, or pass it with --old-key-env"
            ) from exc


def reencrypt_cards(db: Session, *, old_keys: list[bytes], actor: Actor, batch_size: int = 500) -> Reencrypted:
    """In id-ordered batches inside the caller's one transaction; audited with counts only, never card data. Versions
    and times are kept: the card data itself does not change."""
    rotation = _Rotation(old_keys)
    moved = fields = current = 0
    last_id = 0
    while rows := _locked_batch(db, after_id=last_id, size=batch_size):
        for corporation_id, *tokens in rows:
            changed = {
                column.key: rotation.rotate(token, corporation_id)
                for column, token in zip(CARD_COLUMNS, tokens, strict=True)
                if token is not None and not rotation.current(token)
            }
            current += sum(token is not None for token in tokens) - len(changed)
            if changed:
                db.execute(
                    update(Corporation)
                    .where(Corporation.id == corporation_id)
                    .values(**changed, updated_at=Corporation.updated_at)
                )
                moved, fields = moved + 1, fields + len(changed)
        last_id = rows[-1][0]
    if fields:
        facts = {"corporations": moved, "fields": fields, "already_current": current}
        audit.record(
            db,
            actor=actor,
            action="reencrypt_cards",
            domain="crm",
            target_type="card_data",
            changes=audit.diff(None, facts),
        )
    return Reencrypted(corporations=moved, fields=fields, current=current)


def _locked_batch(db: Session, *, after_id: int, size: int) -> list[tuple]:
    """Locked against a concurrent edit until the transaction ends."""
    query = (
        select(Corporation.id, *CARD_COLUMNS)
        .where(Corporation.id > after_id, or_(*(column.is_not(None) for column in CARD_COLUMNS)))
        .order_by(Corporation.id)
        .limit(size)
        .with_for_update()
    )
    return list(db.execute(query).all())
