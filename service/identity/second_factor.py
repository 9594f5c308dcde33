"""The second factor of a password sign-in: TOTP (RFC 6238, pyotp) from an authenticator app, enrolled by scanning a
QR code and confirming one code, with ten one-time recovery codes shown once (stored hashed). Anyone with a password
may enrol; the break-glass administrator must while the company's provider is configured (`required`)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.database import affected_rows
from service.errors import Conflict, ValidationFailed
from service.identity.models import RecoveryCode, User
from service.roles import PLATFORM

ISSUER_NAME = "台帳"  # how the authenticator app names the entry
RECOVERY_CODES = 10
ENABLE = "second_factor_enable"  # the audit action
ALREADY = "二段階認証は設定済みです"
NOT_STARTED = "先に二段階認証の設定を始めてください"
WRONG_CODE = "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください"


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str  # otpauth://, what the QR code holds
    qr_svg: str


def enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def required(user: User) -> bool:
    """The break-glass administrator (a platform administrator with a password) while a provider is configured."""
    is_admin = any(g.domain == PLATFORM and g.role == "admin" for g in user.grants)
    return get_settings().oidc_configured and is_admin and user.password_hash is not None and not enabled(user)


def begin(db: Session, *, user: User) -> Enrolment:
    """A new secret to scan, not in force until a code from it is confirmed."""
    import pyotp

    if enabled(user):
        raise Conflict(ALREADY, code="second_factor_enabled")
    user.totp_secret = pyotp.random_base32()
    db.flush()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.login_id, issuer_name=ISSUER_NAME)
    return Enrolment(user.totp_secret, uri, _qr_svg(uri))


def _qr_svg(text: str) -> str:
    import qrcode
    from qrcode.image.svg import SvgPathImage

    return qrcode.make(text, image_factory=SvgPathImage, border=2).to_string(encoding="unicode")


def confirm(db: Session, *, user: User, code: str, actor: Actor, now: datetime) -> list[str]:
    """In force once a code from the scanned secret matches; the recovery codes, shown this once."""
    if enabled(user):
        raise Conflict(ALREADY, code="second_factor_enabled")
    if user.totp_secret is None:
        raise Conflict(NOT_STARTED, code="second_factor_not_started")
    if not _totp_matches(user.totp_secret, code):
        raise ValidationFailed(WRONG_CODE, details={"field": "code", "rule": "totp"})
    user.totp_enabled_at = now
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action=ENABLE,
        domain="platform",
        target_type="user",
        target_id=user.id,
        changes=audit.diff({"second_factor": None}, {"second_factor": "totp"}),
        at=now,
    )
    return codes


def passes(db: Session, *, user: User, code: str, now: datetime) -> bool:
    """A current TOTP code, or an unused recovery code (used up by this)."""
    if user.totp_secret is not None and _totp_matches(user.totp_secret, code):
        return True
    used = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _digest(code.strip().lower()),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(used) == 1


def _totp_matches(secret: str, code: str) -> bool:
    import pyotp

    digits = code.strip().replace(" ", "")
    return digits.isdigit() and pyotp.TOTP(secret).verify(digits, valid_window=1)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
