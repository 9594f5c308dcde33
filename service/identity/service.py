"""Login, logout, users and grants."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.database import affected_rows, utcnow
from service.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from service.identity import lockout, people, second_factor
from service.identity.models import Grant, RevokedToken, User
from service.identity.schemas import UserCreate, UserUpdate
from service.identity.security import (
    IssuedToken,
    burn_password_check,
    hash_password,
    issue_token,
    password_checks,
    rehashed,
    verify_password,
)
from service.roles import DOMAINS, PLATFORM
from service.search import contains
from service.tenancy import tenant_exists

USER_KIND = "user"
USER_FIELDS = fields.audited(User)
BAD_CREDENTIALS = "ログインIDまたはパスワードが正しくありません"
COMPANY_ACCOUNT = (
    "このアカウントは会社のアカウントでログインします。「会社のアカウントでログイン」からログインしてください"
)
PASSWORDS_OFF = "パスワードでのログインは停止されています。「会社のアカウントでログイン」からログインしてください"
ADMINS_ONLY = "パスワードでログインできるのは管理者だけです。「会社のアカウントでログイン」からログインしてください"
BAD_CODE = "ログインID、パスワードまたは確認コードが正しくありません"
SECOND_FACTOR_ASKED = "認証アプリの確認コード（またはリカバリーコード）を入力してください"
WRONG_CURRENT = "現在のパスワードが正しくありません"
SAME_PASSWORD = "新しいパスワードには今と違うものを入力してください"
DIRECTORY = "directory"  # identity_user.source of a person from the company's directory
BREAK_GLASS = "break_glass_login"  # a password sign-in while the company's provider is configured
# said only after the right password
ACCOUNT_DISABLED = "このアカウントは無効になっています。管理者にお問い合わせください"
LAST_ADMIN = "最後の有効なプラットフォーム管理者は無効化・権限削除できません。先に別の管理者を用意してください"


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: IssuedToken
    device_token: str  # lockout.py: a known device signs in past its account's lock


def audit_login(
    db: Session, *, actor: Actor, action: str, login_id: str, user: User | None, now: datetime, **outcome: str | None
) -> None:
    """Never a secret."""
    changes = {"login_id": login_id} | {name: value for name, value in outcome.items() if value}
    audit.record(
        db,
        actor=actor,
        action=action,
        domain="platform",
        target_type="user",
        target_id=user.id if user else None,
        changes=changes,
        at=now,
    )


def authenticate(
    db: Session,
    *,
    login_id: str,
    password: str,
    actor: Actor,
    now: datetime,
    device_token: str | None = None,
    second_factor_code: str | None = None,
) -> LoginResult:
    """The browser's device token, when it holds one, makes it a known device; failures are counted and audited, then
    raised. Who may use a password at all (APP_PASSWORD_SIGN_IN, a person from the company's directory) is said only
    after as long as a password's check takes, whatever the login id."""
    settings = get_settings()
    if settings.password_sign_in == "off":
        raise Forbidden(PASSWORDS_OFF, code="password_sign_in_off")
    key = login_id.strip().lower()
    user = find_user_by_login(db, key)
    failed = Actor(
        type="anonymous", label=login_id[:100], client_address=actor.client_address, request_id=actor.request_id
    )

    def verify() -> str | None:
        """The right password of a disabled account is no failure to count: they are told it is disabled (below)."""
        if user is not None and is_directory_person(user):
            burn_password_check(password)  # no password of ours to guess: refused below, no sooner than any other
            return None
        if not _password_matches(user, password):
            return "bad_credentials"
        code = second_factor_code
        if (
            code is not None
            and second_factor.enabled(user)
            and not second_factor.passes(db, user=user, code=code, now=now)
        ):
            return "bad_second_factor"  # counted as a wrong password is: guessing codes locks the account too
        return None

    def refuse(reason: str, lock: str | None) -> None:
        audit_login(
            db, actor=failed, action="login_failed", login_id=login_id, user=user, now=now, reason=reason, lock=lock
        )

    address = actor.client_address or "unknown"
    admitted = lockout.attempt(
        db,
        login=lockout.Login(USER_KIND, key, lockout.ADDRESS_KIND, address, device_token),
        now=now,
        verify=verify,
        refuse=refuse,
        bad_credentials=BAD_CREDENTIALS if second_factor_code is None else BAD_CODE,
    )
    assert user is not None  # attempt() raised unless verify() matched the user's password
    if not user.is_active:
        refuse("inactive", None)
        raise Unauthorized(ACCOUNT_DISABLED, code="account_inactive", keep_changes=True)
    refusal = password_refusal(user, settings.password_sign_in)
    if refusal is not None:
        refuse(refusal.code, None)
        refusal.keep_changes = True
        raise refusal
    if second_factor.enabled(user) and second_factor_code is None:
        raise Unauthorized(SECOND_FACTOR_ASKED, code="second_factor_code_required")
    token = start_session(db, user=user, origin=actor, login_id=login_id, now=now, device=admitted.device)
    if settings.oidc_configured:
        audit_login(db, actor=actor_for(user, actor), action=BREAK_GLASS, login_id=login_id, user=user, now=now)
    return LoginResult(user=user, token=token, device_token=admitted.device_token)


def start_session(
    db: Session, *, user: User, origin: Actor, login_id: str, now: datetime, **outcome: str
) -> IssuedToken:
    """The session a sign-in gives, by password or with the company's account alike: its token and its audit."""
    user.last_login_at = now
    token = issue_token(subject=str(user.id), kind="user", now=now)
    audit_login(db, actor=actor_for(user, origin), action="login", login_id=login_id, user=user, now=now, **outcome)
    return token


def is_directory_person(user: User) -> bool:
    """Signs in at the company's provider, never with a password here."""
    return user.source == DIRECTORY or (user.oidc_subject is not None and user.password_hash is None)


def is_platform_admin(user: User) -> bool:
    return any(g.domain == PLATFORM and g.role == "admin" for g in user.grants)


def password_refusal(user: User, allowed: str) -> Forbidden | None:
    """Why this person, whose password matched, may not sign in with it: they come from the company's directory, or
    APP_PASSWORD_SIGN_IN=admins and they are no platform administrator."""
    if is_directory_person(user):
        return Forbidden(COMPANY_ACCOUNT, code="company_account")
    if allowed == "admins" and not is_platform_admin(user):
        return Forbidden(ADMINS_ONLY, code="password_sign_in_admins")
    return None


def is_users_device(user: User, device_token: str) -> bool:
    return lockout.known_device(device_token, kind=USER_KIND, key=user.login_id.lower()) is not None


def _password_matches(user: User | None, password: str) -> TypeGuard[User]:
    if user is None or user.password_hash is None:
        burn_password_check(password)
        return False
    matched = verify_password(password, user.password_hash)
    if matched and (fresh := rehashed(password, user.password_hash)):
        user.password_hash = fresh
    return matched


def actor_for(user: User, origin: Actor) -> Actor:
    return people.actor(user, client_address=origin.client_address, request_id=origin.request_id)


def logout(db: Session, *, jti: str, expires_at: datetime, actor: Actor, now: datetime) -> None:
    if db.get(RevokedToken, jti) is None:
        db.add(RevokedToken(jti=jti, expires_at=expires_at))
    audit.record(db, actor=actor, action="logout", domain="platform", target_type="user", target_id=actor.id, at=now)


def is_revoked(db: Session, jti: str) -> bool:
    return db.get(RevokedToken, jti) is not None


def purge_revoked_tokens(db: Session, *, now: datetime) -> int:
    return affected_rows(db.execute(delete(RevokedToken).where(RevokedToken.expires_at < now)))


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("ユーザーが見つかりません", details={"resource": "user", "id": user_id})
    return user


USER_ORDER = (User.login_id,)


def user_query(q: str | None) -> Select:
    stmt = select(User)
    return stmt.where(contains(q, *fields.searched(User))) if q else stmt


def list_users(db: Session, *, q: str | None, offset: int, limit: int) -> tuple[list[User], int]:
    stmt = user_query(q)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(*USER_ORDER).offset(offset).limit(limit)).all()
    return list(rows), total


def find_user_by_login(db: Session, login_id: str) -> User | None:
    """Login ids are unique without regard to case."""
    return db.scalar(select(User).where(func.lower(User.login_id) == login_id.lower()))


def create_user(db: Session, *, data: UserCreate, actor: Actor, password_hash: str | None = None) -> User:
    """A caller creating many users with one password may pass its hash, computed once. The password a person gives
    someone else's new account (利用者管理, the CRM's ユーザー管理) is changed by its owner at their first sign-in, as a
    reset one is (`_set_password`); the operator's accounts (the CLI, the first administrator, the demo) keep theirs."""
    user = User(
        login_id=data.login_id,
        name=data.name,
        email=str(data.email or ""),
        password_hash=password_hash or hash_password(data.password),
        password_must_change=actor.type == people.PERSON,
        is_active=data.is_active,
    )
    return add_user(db, user, actor=actor)


def add_user(db: Session, user: User, *, actor: Actor) -> User:
    """A new account, audited; a person from the company's directory has no password."""
    if find_user_by_login(db, user.login_id) is not None:
        raise Conflict("このログインIDは既に使われています", details={"field": "login_id", "rule": "unique"})
    db.add(user)
    db.flush()
    after = audit.snapshot(user, USER_FIELDS) | ({"password": "set"} if user.password_hash else {})
    audit.record(
        db,
        actor=actor,
        action="create",
        domain="platform",
        target_type="user",
        target_id=user.id,
        changes=audit.diff({}, after),
    )
    return user


def update_user(db: Session, *, user: User, data: UserUpdate, actor: Actor) -> User:
    values = {
        k: (str(v) if k == "email" else v) for k, v in data.model_dump(exclude_unset=True).items() if v is not None
    }
    return change_user(db, user=user, values=values, actor=actor)


def change_user(db: Session, *, user: User, values: dict[str, Any], actor: Actor) -> User:
    """The one path every change to an account takes (利用者管理, the CRM's users, SCIM): a deactivation or a new
    password ends every login token issued before it (dependencies.current_caller refuses them at the next request)."""
    if values.get("is_active") is False and user.is_active:
        ensure_not_last_admin(db, user)
        user.deactivated_at = utcnow()  # every login token issued before now stops working, reactivated or not
    before = audit.snapshot(user, USER_FIELDS)
    password = values.pop("password", None)
    for name, value in values.items():
        setattr(user, name, value)
    changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if password:
        _set_password(user, password, reset=actor.id != str(user.id))
        changes |= audit.diff({"password": "old"}, {"password": "new"})
    if changes:
        db.flush()
        audit.record(
            db, actor=actor, action="update", domain="platform", target_type="user", target_id=user.id, changes=changes
        )
    return user


def _set_password(user: User, password: str, *, reset: bool) -> None:
    """A password someone else set (`reset`) is changed by its owner at their next sign-in."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()  # every login token issued before now stops working
    user.password_must_change = reset


def change_own_password(db: Session, *, user: User, current: str, new: str, actor: Actor) -> User:
    """With the password they have (checked as a sign-in's is: bounded, at the requests' lower priority); their other
    sessions end."""
    if is_directory_person(user):
        raise Forbidden(COMPANY_ACCOUNT, code="company_account")
    with password_checks().slot(actor.client_address):
        matches = _password_matches(user, current)
    if not matches:
        raise ValidationFailed(WRONG_CURRENT, details={"field": "current_password", "rule": "current_password"})
    if current == new:
        raise ValidationFailed(SAME_PASSWORD, details={"field": "new_password", "rule": "differs"})
    _set_password(user, new, reset=False)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="update",
        domain="platform",
        target_type="user",
        target_id=user.id,
        changes=audit.diff({"password": "old"}, {"password": "new"}),
    )
    return user


def validate_grant(db: Session, domain: str, role: str, scope: str | None) -> None:
    entry = DOMAINS.get(domain)
    if entry is None:
        raise NotFound("ドメインが見つかりません", details={"domain": domain})
    if role not in entry.roles:
        raise ValidationFailed(
            "このドメインにその役割はありません", details={"field": "role", "allowed": list(entry.roles)}
        )
    if scope and role not in entry.scoped_roles:
        raise ValidationFailed(
            "この役割には範囲を指定できません", details={"field": "scope", "rule": "scope_not_allowed"}
        )
    if not scope and role in entry.scope_required_roles:
        raise ValidationFailed(
            f"この役割には範囲（{entry.scope_label}）の指定が必要です",
            details={"field": "scope", "rule": "scope_required"},
        )
    if scope and not tenant_exists(db, domain, scope):
        raise ValidationFailed(
            f"範囲（{entry.scope_label}）「{scope}」は存在しません",
            details={"field": "scope", "rule": "scope_exists", "scope_kind": entry.scope_kind, "scope": scope},
        )


def set_grant(db: Session, *, user: User, domain: str, role: str, scope: str | None, actor: Actor) -> Grant:
    validate_grant(db, domain, role, scope)
    """The person's own grant: it takes the place of one a group held for them (groups.py)."""
    grant = next((g for g in user.grants if g.domain == domain), None)
    before = {"role": grant.role, "scope": grant.scope, "group_id": grant.group_id} if grant else {}
    if grant is None:
        grant = Grant(domain=domain, role=role, scope=scope)
        user.grants.append(grant)
    grant.role, grant.scope, grant.group_id = role, scope, None
    db.flush()
    changes = audit.diff(before, {"role": role, "scope": scope, "group_id": None})
    if changes:
        action = "update" if before else "create"
        audit.record(
            db,
            actor=actor,
            action=action,
            domain="platform",
            target_type="grant",
            target_id=f"{user.id}:{domain}",
            changes=changes,
        )
    return grant


def remove_grant(db: Session, *, user: User, domain: str, actor: Actor) -> None:
    grant = next((g for g in user.grants if g.domain == domain), None)
    if grant is None:
        raise NotFound("この権限は付与されていません", details={"domain": domain})
    if grant.group_id is not None:
        raise Conflict(
            f"この権限はグループ「{grant.group_name}」から付与されています。グループから外すか、グループの権限を変えてください",
            details={"rule": "held_by_group", "group_id": grant.group_id},
        )
    if domain == PLATFORM:
        ensure_not_last_admin(db, user)
    before = {"role": grant.role, "scope": grant.scope}
    user.grants.remove(grant)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="delete",
        domain="platform",
        target_type="grant",
        target_id=f"{user.id}:{domain}",
        changes=audit.diff(before, {}),
    )


def ensure_not_last_admin(db: Session, user: User) -> None:
    """The other admins' rows are locked meanwhile."""
    if not user.is_active or all(g.domain != PLATFORM for g in user.grants):
        return
    others = db.scalars(
        select(User.id)
        .join(Grant, Grant.user_id == User.id)
        .where(Grant.domain == PLATFORM, Grant.role == "admin", User.is_active, User.id != user.id)
        .with_for_update(of=User)
    ).all()
    if not others:
        raise Conflict(LAST_ADMIN, details={"rule": "last_platform_admin", "user_id": user.id})
