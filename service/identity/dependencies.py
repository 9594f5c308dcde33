"""Who is calling, and what they may do: one dependency for each, shared by every domain."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from service.audit.service import Actor
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.errors import Forbidden, Unauthorized
from service.identity import service as identity
from service.identity.models import User
from service.identity.security import decode_token, issue_token, issued_before
from service.openapi import declares
from service.roles import DOMAINS, PLATFORM
from service.tenancy import TenantScope

bearer = declares(401)(HTTPBearer(auto_error=False))
RENEWED_TOKEN_HEADER = "X-Renewed-Token"
# The dashboards' sign-in cookie (POST /auth/session); the API reads it only on download links (`download_link`)
SESSION_COOKIE = "daicho_session"
DEVICE_COOKIE = "daicho_device"  # the browser's device token, which the dashboards send with its sign-ins
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="the dashboards' session: download links only"
)
COOKIE_TOKEN = "download_link_token"  # request.state attribute
CROSS_SITE_DOWNLOAD = "他のサイトからのリンクではダウンロードできません"


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
        actor=Actor(
            type="user",
            id=str(user.id),
            label=user.login_id,
            client_address=client_address(request),
            request_id=current_request_id(),
        ),
        token_jti=claims["jti"],
        token_expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


@declares(403)
def download_link(request: Request, cookie: Annotated[str | None, Depends(session_cookie)]) -> None:
    """A route a plain browser link may fetch: without an Authorization header the session cookie signs the caller in; a
    cross-site request (Sec-Fetch-Site) is refused with its cookie. A route's own dependencies run before its
    parameters', so current_caller sees the token."""
    if cookie is None or request.headers.get("authorization"):
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden(CROSS_SITE_DOWNLOAD, code="cross_site")
    setattr(request.state, COOKIE_TOKEN, cookie)


def _credentials(request: Request, sent: HTTPAuthorizationCredentials | None) -> HTTPAuthorizationCredentials | None:
    if sent is not None:
        return sent
    token = getattr(request.state, COOKIE_TOKEN, None)
    return None if token is None else HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)


@declares(401)
def current_caller(
    request: Request,
    db: DbSession,
    sent: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    credentials = _credentials(request, sent)
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
        raise Unauthorized("このアカウントは利用できません", code="account_inactive")
    if user.password_changed_at is not None and issued_before(claims, user.password_changed_at):
        raise Unauthorized("パスワードが変更されました。再度ログインしてください", code="token_revoked")
    if user.deactivated_at is not None and issued_before(claims, user.deactivated_at):
        raise Unauthorized(
            "アカウントが無効化されたため、このトークンは使えません。再度ログインしてください", code="token_revoked"
        )
    return _caller_from_user(user, claims, request)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


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
