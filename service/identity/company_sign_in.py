"""Signing in with the company's account, from leaving for the provider to the session the dashboards receive.

1. `begin`: a state, a nonce and PKCE's verifier are kept server-side (`identity_oidc_sign_in`, their state hashed) and
   tied to the browser by a random value in a short-lived HttpOnly cookie, also kept hashed; the browser goes to the
   provider (oidc.py).
2. `finish` (the callback): the state is used once, in the browser it was made for, within FLOW_MINUTES; the provider's
   code is exchanged and its ID token checked; the person is found by their subject, or at their first sign-in by a
   verified e-mail equal to one person's here (the subject is then linked to them, audited). Nobody else gets in, nor
   a deactivated person. The row then holds a hand-off code, HANDOFF_SECONDS long, for the dashboards.
3. `exchange`: the dashboards' server trades that code, once, for the session a password sign-in gives
   (service.start_session: the same token, grants, expiry and audit).

Every secret of the flow is random (`secrets`), compared by its SHA-256, and never audited."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.database import affected_rows
from service.errors import Forbidden, Unauthorized
from service.identity import oidc
from service.identity import service as identity
from service.identity.models import OidcSignIn, User
from service.identity.security import IssuedToken

FLOW_MINUTES = 10  # from leaving for the provider to coming back
HANDOFF_SECONDS = 60  # from the callback to the dashboards' exchange: a redirect and one request
LINK = "oidc_link"  # the audit action of a subject linked to a person by their verified e-mail
UNKNOWN_PERSON = "このアカウントは台帳に登録されていません。管理者に利用者の登録を依頼してください。"
INACTIVE = "このアカウントは無効になっています。管理者にお問い合わせください。"
FLOW_FAILED = "会社のアカウントでのログインを完了できませんでした。もう一度ログインしてください。"
PROVIDER_FAILED = "会社のアカウントのサービスから確認が取れませんでした。しばらくしてからもう一度ログインしてください。"
METHOD = "oidc"  # a sign-in's `method` in the audit log: with the company's account
HANDOFF_INVALID = "ログインの引き継ぎに失敗しました。もう一度ログインしてください。"


@dataclass(frozen=True)
class Begun:
    provider_url: str  # where the browser goes
    browser_value: str  # the cookie that ties the flow to this browser


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def begin(db: Session, *, now: datetime) -> Begun:
    """A new sign-in under way; sign-ins left unfinished past their time are forgotten meanwhile."""
    db.execute(delete(OidcSignIn).where(OidcSignIn.expires_at < now))
    state, nonce, browser = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43–128
    url = oidc.authorization_url(state=state, nonce=nonce, code_verifier=verifier)
    db.add(
        OidcSignIn(
            state_hash=digest(state),
            browser_hash=digest(browser),
            nonce=nonce,
            code_verifier=verifier,
            expires_at=now + timedelta(minutes=FLOW_MINUTES),
        )
    )
    db.flush()
    return Begun(url, browser)


def finish(
    db: Session, *, state: str, code: str, issuer: str | None, browser_value: str | None, actor: Actor, now: datetime
) -> str:
    """The hand-off code for the dashboards, once the provider's answer and the person hold; else a refusal in words
    (audited when it names a person or an address). The state is spent whatever follows."""
    flow = _take_state(db, state=state, browser_value=browser_value, now=now)  # refusals below keep it spent
    try:
        oidc.check_response_issuer(issuer)
        found = oidc.identity_from_code(code=code, code_verifier=flow.code_verifier, nonce=flow.nonce)
    except oidc.ProviderFailed as failed:
        raise Unauthorized(PROVIDER_FAILED, code="provider_failed", details={"problem": str(failed)}) from failed
    user = find_person(db, found, actor=actor, now=now)
    handoff = secrets.token_urlsafe(32)
    flow.user_id, flow.handoff_hash = user.id, digest(handoff)
    flow.expires_at = now + timedelta(seconds=HANDOFF_SECONDS)
    db.flush()
    return handoff


def _take_state(db: Session, *, state: str, browser_value: str | None, now: datetime) -> OidcSignIn:
    """The sign-in the state names, if this browser began it, spent in one statement: a second callback with it (a
    replay, a reload) finds none."""
    flow = db.scalar(select(OidcSignIn).where(OidcSignIn.state_hash == digest(state)))
    if flow is None or browser_value is None or not secrets.compare_digest(digest(browser_value), flow.browser_hash):
        raise Unauthorized(FLOW_FAILED, code="sign_in_flow_invalid")
    spent = db.execute(
        update(OidcSignIn)
        .where(OidcSignIn.id == flow.id, OidcSignIn.state_hash == flow.state_hash, OidcSignIn.expires_at >= now)
        .where(OidcSignIn.handoff_hash.is_(None))
        .values(state_hash=digest(secrets.token_urlsafe(32)))  # unique still, and matching no state ever sent
        .execution_options(synchronize_session=False)
    )
    if affected_rows(spent) != 1:
        raise Unauthorized(FLOW_FAILED, code="sign_in_flow_invalid")
    return flow


def find_person(db: Session, found: oidc.Identity, *, actor: Actor, now: datetime) -> User:
    """By subject; at a first sign-in, by a verified e-mail that one person here has (and no subject yet), to whom the
    subject is then linked. Refusals are audited."""
    user = db.scalar(select(User).where(User.oidc_subject == found.subject))
    by_email = user is None and bool(found.email) and found.email_verified
    if by_email:
        matching = db.scalars(
            select(User).where(func.lower(User.email) == found.email.lower(), User.oidc_subject.is_(None)).limit(2)
        ).all()
        user = matching[0] if len(matching) == 1 else None
    if user is None:
        reason = "email_unverified" if found.email and not found.email_verified else "unknown_person"
        _refuse(db, found.email or found.subject, None, reason, actor=actor, now=now)
        raise Forbidden(UNKNOWN_PERSON, code="unknown_person")
    if not user.is_active:
        _refuse(db, user.login_id, user, "inactive", actor=actor, now=now)
        raise Forbidden(INACTIVE, code="inactive")
    if by_email:
        _link(db, user, found.subject, actor=actor, now=now)
    return user


def _link(db: Session, user: User, subject: str, *, actor: Actor, now: datetime) -> None:
    user.oidc_subject = subject
    db.flush()
    audit.record(
        db,
        actor=identity.actor_for(user, actor),
        action=LINK,
        domain="platform",
        target_type="user",
        target_id=user.id,
        changes=audit.diff({"oidc_subject": None}, {"oidc_subject": subject}),
        at=now,
    )


def _refuse(db: Session, shown: str, user: User | None, reason: str, *, actor: Actor, now: datetime) -> None:
    """The callback answers a refusal as a page, its transaction committed: the audit entry and the spent state stay."""
    anonymous = Actor(
        type="anonymous", label=shown[:100], client_address=actor.client_address, request_id=actor.request_id
    )
    identity.audit_login(
        db, actor=anonymous, action="login_failed", login_id=shown, user=user, now=now, reason=reason, method=METHOD
    )


@dataclass(frozen=True)
class Started:
    user: User
    token: IssuedToken


def exchange(db: Session, *, handoff: str, actor: Actor, now: datetime) -> Started:
    """The session for a hand-off code, once; a spent, expired or made-up code is refused alike."""
    flow = db.scalar(select(OidcSignIn).where(OidcSignIn.handoff_hash == digest(handoff)))
    taken = db.execute(
        delete(OidcSignIn).where(OidcSignIn.handoff_hash == digest(handoff), OidcSignIn.expires_at >= now)
    )
    if flow is None or flow.user_id is None or affected_rows(taken) != 1:
        raise Unauthorized(HANDOFF_INVALID, code="handoff_invalid")
    user = identity.get_user(db, flow.user_id)
    if not user.is_active:  # deactivated in the minute since the callback
        raise Unauthorized(HANDOFF_INVALID, code="handoff_invalid")
    token = identity.start_session(db, user=user, origin=actor, login_id=user.login_id, now=now, method=METHOD)
    return Started(user, token)
