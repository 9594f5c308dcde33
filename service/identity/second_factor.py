"""The second factor of a password sign-in: TOTP (RFC 6238, pyotp) from an authenticator app, enrolled by scanning a
QR code and confirming one code, with ten one-time recovery codes shown once (stored hashed). Anyone with a password
may enrol; the break-glass administrator must while the company's provider is configured (`required`). A code is
taken once: its time-step is kept, and no code of that step or an earlier one passes again (RFC 6238 §5.2). A lost
phone with lost recovery codes: an administrator resets another person's second factor, the operator anyone's (`reset`;
`python -m service.cli users reset-second-factor LOGIN`)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.database import affected_rows
from service.errors import Conflict, ValidationFailed
from service.identity.models import RecoveryCode, User
from service.roles import PLATFORM

ISSUER_NAME = "台帳"  # how the authenticator app names the entry
RECOVERY_CODES = 10
ENABLE = "second_factor_enable"  # the audit actions
RESET = "second_factor_reset"
ALREADY = "二段階認証は設定済みです"
NOT_STARTED = "先に二段階認証の設定を始めてください"
WRONG_CODE = "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください"
NOT_ENABLED = "この利用者は二段階認証を設定していません"
OWN_RESET = (
    "ご自身の二段階認証はここではリセットできません。"
    "サーバーで「python -m service.cli users reset-second-factor ログインID」を実行してください"
)
STEPS_AROUND = (-1, 0, 1)  # the time-steps a code may come from: the clock of a phone a step ahead or behind


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
    if not _take_totp(db, user=user, code=code, now=now):
        raise ValidationFailed(WRONG_CODE, details={"field": "code", "rule": "totp"})
    user.totp_enabled_at = now
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    db.flush()
    _audit(db, user=user, actor=actor, action=ENABLE, before=None, after="totp", now=now)
    return codes


def reset(db: Session, *, user: User, actor: Actor, now: datetime) -> None:
    """A lost phone and lost recovery codes: the secret and the codes are gone (audited). The person signs in with
    their password alone, or enrols again first where a second factor is required of them (`required`)."""
    if not enabled(user):
        raise Conflict(NOT_ENABLED, code="second_factor_not_enabled")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.flush()
    _audit(db, user=user, actor=actor, action=RESET, before="totp", after=None, now=now)


def _audit(
    db: Session, *, user: User, actor: Actor, action: str, before: str | None, after: str | None, now: datetime
) -> None:
    """The person's second factor as the log says it: totp or none, never its secret."""
    changes = audit.diff({"second_factor": before}, {"second_factor": after})
    audit.record(
        db,
        actor=actor,
        action=action,
        domain="platform",
        target_type="user",
        target_id=user.id,
        changes=changes,
        at=now,
    )


def passes(db: Session, *, user: User, code: str, now: datetime) -> bool:
    """A current TOTP code, or an unused recovery code (used up by this)."""
    if _take_totp(db, user=user, code=code, now=now):
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


def _take_totp(db: Session, *, user: User, code: str, now: datetime) -> bool:
    """The code is the app's for a step around now, later than the last step taken, which it becomes: a code passes
    once, even when two sign-ins send it at once (the step is written only over an earlier one)."""
    step = _matching_step(user.totp_secret, code, now) if user.totp_secret is not None else None
    if step is None:
        return False
    taken = db.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(taken) != 1:
        return False
    set_committed_value(user, "totp_last_step", step)  # as written: nothing left to flush
    return True


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    import pyotp
    from pyotp.utils import strings_equal

    digits = code.strip().replace(" ", "")
    if not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    return next(
        (step for step in (current + s for s in STEPS_AROUND) if strings_equal(totp.generate_otp(step), digits)), None
    )


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
