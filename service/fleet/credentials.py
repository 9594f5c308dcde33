"""Terminal credentials: one-time enrolment codes, hashed terminal tokens, rotation and revocation."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.errors import Conflict, Unauthorized
from service.fleet import auditing
from service.fleet.models import EnrollmentCode, Terminal
from service.fleet.wire import EnrollIn

TOKEN_PREFIX = "tct_"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def invalid_token() -> Unauthorized:
    """401: no terminal holds the token (unknown, revoked or rotated away)."""
    return Unauthorized("端末トークンが無効です", code="invalid_terminal_token")


class TerminalIdentity(NamedTuple):
    terminal_id: int


def holder(db: Session, token_hash: str) -> TerminalIdentity:
    """The terminal holding this token hash (else `invalid_token`)."""
    terminal_id = db.scalar(select(Terminal.id).where(Terminal.token_hash == token_hash))
    if terminal_id is None:
        raise invalid_token()
    return TerminalIdentity(terminal_id)


def create_enrollment_code(db: Session, *, terminal: Terminal, actor: Actor, now: datetime) -> tuple[str, datetime]:
    """Issue a one-time code for the terminal; earlier unused codes stop working."""
    db.execute(
        update(EnrollmentCode)
        .where(EnrollmentCode.terminal_id == terminal.id, EnrollmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code = _new_code()
    expires_at = now + timedelta(hours=get_settings().fleet_enrollment_code_hours)
    db.add(EnrollmentCode(terminal_id=terminal.id, code_hash=hash_secret(code), expires_at=expires_at, created_at=now))
    db.flush()
    auditing.record(
        db,
        actor,
        "create_enrollment_code",
        "terminal",
        terminal.id,
        {"expires_at": {"before": None, "after": expires_at.isoformat()}},
        at=now,
    )
    return code, expires_at


def _issue_token(terminal: Terminal, now: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    terminal.token_hash = hash_secret(token)
    terminal.token_issued_at = now
    return token


def enroll(db: Session, *, body: EnrollIn, actor: Actor, now: datetime) -> tuple[Terminal, str]:
    """Trade a valid, unused, unexpired code for the terminal's own token."""
    code = db.scalar(
        select(EnrollmentCode).where(EnrollmentCode.code_hash == hash_secret(body.enrollment_code.upper()))
    )
    if code is None:
        raise Unauthorized("登録コードが正しくありません", code="invalid_enrollment_code")
    if code.used_at is not None:
        raise Conflict("この登録コードは使用済みです", code="enrollment_code_used")
    if code.expires_at <= now:
        raise Unauthorized("登録コードの有効期限が切れています", code="enrollment_code_expired")
    terminal = db.get(Terminal, code.terminal_id)
    if terminal is None or terminal.serial_number != body.serial_number:
        raise Unauthorized("登録コードがこの端末のものではありません", code="enrollment_serial_mismatch")
    claimed = cast(
        CursorResult,
        db.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.id == code.id, EnrollmentCode.used_at.is_(None))
            .values(used_at=now)
        ),
    ).rowcount
    if claimed != 1:
        raise Conflict("この登録コードは使用済みです", code="enrollment_code_used")
    token = _issue_token(terminal, now)
    terminal.firmware_version = body.firmware_version
    terminal.agent_version = body.agent_version
    db.flush()
    auditing.record(
        db, actor, "enroll", "terminal", terminal.id, {"token": {"before": None, "after": "[REDACTED]"}}, at=now
    )
    return terminal, token


def rotate_token(db: Session, *, terminal_id: int, actor: Actor, now: datetime) -> str:
    terminal = db.get(Terminal, terminal_id)
    if terminal is None or terminal.token_hash is None:
        raise invalid_token()
    token = _issue_token(terminal, now)
    db.flush()
    auditing.record(db, actor, "rotate_token", "terminal", terminal.id, at=now)
    return token


def revoke_token(db: Session, *, terminal: Terminal, actor: Actor, now: datetime) -> None:
    """Cut the terminal off: its token stops working at once."""
    was_enrolled = terminal.token_hash is not None
    terminal.token_hash = None
    db.flush()
    auditing.record(
        db,
        actor,
        "revoke_token",
        "terminal",
        terminal.id,
        audit.diff({"enrolled": was_enrolled}, {"enrolled": False}),
        at=now,
    )
