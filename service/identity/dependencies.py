"""Who is calling, and what they may do: one dependency for each, shared by every domain."""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import Scope

from service.audit.service import Actor
from service.credentials import bearer, presented
from service.database import session_scope, utcnow
from service.deps import DbSession, client_address, current_request_id
from service.errors import Forbidden, Unauthorized
from service.identity import people, second_factor
from service.identity import service as identity
from service.identity.models import User
from service.identity.security import decode_token, issue_token, issued_before
from service.openapi import declares
from service.roles import DOMAINS, PLATFORM
from service.tenancy import TenantScope

RENEWED_TOKEN_HEADER = "X-Renewed-Token"
# On every signed-in answer: what GET /auth/me says of the caller's access, digested (caller_state), so that a client
# holding that answer reads it again only when it changed
CALLER_STATE_HEADER = "X-Caller-State"
# What a session may do while its person's password is an initial or reset one: see who they are, set their own, leave
WHILE_PASSWORD_MUST_CHANGE = frozenset(
    f"/api/auth/{path}" for path in ("me", "password", "logout", "session", "session/end")
)
PASSWORD_MUST_CHANGE = "初期パスワードのままです。先に新しいパスワードを設定してください"
# And while a second factor is required of them (the break-glass administrator): enrol it
WHILE_SECOND_FACTOR_REQUIRED = WHILE_PASSWORD_MUST_CHANGE | {
    "/api/auth/second-factor",
    "/api/auth/second-factor/confirm",
}
SECOND_FACTOR_REQUIRED = (
    "会社のアカウントでのログインが設定されているため、パスワードを使う管理者は二段階認証の設定が必要です"
)
# Why a session ended, as the person reads it at their next click (the dashboards show these on the sign-in page)
ACCOUNT_DISABLED = "アカウントが無効になりました。管理者にお問い合わせください"
PASSWORD_CHANGED = "パスワードが変更されました。新しいパスワードで再度ログインしてください"
SESSION_DEACTIVATED = "アカウントが無効になったため、ログインが終了しました。再度ログインしてください"
DEVICE_COOKIE = "daicho_device"  # the browser's device token, which the dashboards send with its sign-ins


@dataclass(frozen=True)
class GrantInfo:
    role: str
    scope: str | None


@dataclass(frozen=True)
class Caller:
    user_id: int
    login_id: str
    name: str
    grants: dict[str, GrantInfo]
    actor: Actor
    token_jti: str
    token_expires_at: datetime
    state: str  # caller_state

    @property
    def is_platform_admin(self) -> bool:
        return PLATFORM in self.grants

    def role(self, domain: str) -> str | None:
        grant = self.grants.get(domain)
        return grant.role if grant else None

    def has_role(self, domain: str, *roles: str) -> bool:
        if self.is_platform_admin:
            return True
        grant = self.grants.get(domain)
        return grant is not None and (not roles or grant.role in roles)

    def scope(self, domain: str) -> TenantScope:
        """Platform admins and unscoped grants see all."""
        kind = DOMAINS[domain].scope_kind
        grant = self.grants.get(domain)
        if self.is_platform_admin or grant is None:
            return TenantScope(domain, kind, None)
        return TenantScope(domain, kind, grant.scope)


def _caller_from_user(user: User, claims: Mapping[str, Any], request: Request) -> Caller:
    return Caller(
        user_id=user.id,
        login_id=user.login_id,
        name=user.name,
        grants={g.domain: GrantInfo(g.role, g.scope) for g in user.grants},
        actor=people.actor(user, client_address=client_address(request), request_id=current_request_id()),
        token_jti=claims["jti"],
        token_expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        state=caller_state(user),
    )


def caller_state(user: User) -> str:
    """A digest of what the person's GET /auth/me says of their access: their name, grants, and what they must do
    before anything else. Any change to these changes it."""
    grants = sorted((g.domain, g.role, g.scope or "", g.group_id or 0) for g in user.grants)
    facts = (user.name, user.password_must_change, second_factor.enabled(user), second_factor.required(user), grants)
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:16]


@declares(401, 403, not_on={403: WHILE_PASSWORD_MUST_CHANGE})
def current_caller(
    request: Request,
    db: DbSession,
    sent: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    credentials = presented(request, sent)
    if credentials is None:
        raise Unauthorized("ログインが必要です", code="not_authenticated")
    claims = decode_token(credentials.credentials, kind="user")
    if identity.is_revoked(db, claims["jti"]):
        raise Unauthorized("ログアウト済みのトークンです。再度ログインしてください", code="token_revoked")
    try:
        user = db.get(User, int(claims["sub"]))
    except ValueError:
        user = None
    if user is None or not user.is_active:
        raise Unauthorized(ACCOUNT_DISABLED, code="account_inactive")
    if user.password_changed_at is not None and issued_before(claims, user.password_changed_at):
        raise Unauthorized(PASSWORD_CHANGED, code="token_revoked", details={"reason": "password_changed"})
    if user.deactivated_at is not None and issued_before(claims, user.deactivated_at):
        raise Unauthorized(SESSION_DEACTIVATED, code="token_revoked", details={"reason": "deactivated"})
    if user.password_must_change and request.url.path not in WHILE_PASSWORD_MUST_CHANGE:
        raise Forbidden(PASSWORD_MUST_CHANGE, code="password_change_required")
    if request.url.path not in WHILE_SECOND_FACTOR_REQUIRED and second_factor.required(user):
        raise Forbidden(SECOND_FACTOR_REQUIRED, code="second_factor_setup_required")
    return _caller_from_user(user, claims, request)


def stated_caller(caller: Annotated[Caller, Depends(current_caller)], response: Response) -> Caller:
    """The caller, their state in the answer's X-Caller-State (an answer a route makes itself goes without it)."""
    response.headers[CALLER_STATE_HEADER] = caller.state
    return caller


CurrentCaller = Annotated[Caller, Depends(stated_caller)]


def signed_in(scope: Scope, authorization: str) -> bool:
    """Whether an Authorization header is a signed-in caller's, for the body guard (service/body_guard.py), which asks
    before the request reaches a route."""
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        with session_scope() as db:
            current_caller(Request(scope), db, HTTPAuthorizationCredentials(scheme=scheme, credentials=token))
    except Unauthorized:
        return False
    return True


def renew_own_session(response: Response, caller: Caller, user: User, *, password_changed: bool) -> None:
    """Callers who changed their own password ended the session they did it from too."""
    if password_changed and user.id == caller.user_id and user.is_active:
        response.headers[RENEWED_TOKEN_HEADER] = issue_token(subject=str(user.id), kind="user", now=utcnow()).token


def require(domain: str, *roles: str) -> Callable[[Caller], Caller]:
    """Any role when none are named."""

    @declares(403)
    def dependency(caller: CurrentCaller) -> Caller:
        if not caller.has_role(domain, *roles):
            raise Forbidden("この操作を行う権限がありません", details={"domain": domain, "roles": list(roles)})
        return caller

    dependency.__name__ = f"require_{domain}_{'_'.join(roles) or 'any'}"
    return dependency


PlatformAdmin = Annotated[Caller, Depends(require(PLATFORM, "admin"))]
