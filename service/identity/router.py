from collections.abc import Sequence
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from service import exports, fields
from service.audit.labels import PLATFORM_VOCABULARY
from service.audit.service import Actor
from service.config import LOOPBACK_NAMES, Settings, get_settings
from service.credentials import SESSION_COOKIE
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.errors import Forbidden, Unauthorized
from service.identity import groups, lockout, second_factor
from service.identity import service as identity
from service.identity.dependencies import (
    DEVICE_COOKIE,
    CurrentCaller,
    PlatformAdmin,
    current_caller,
    renew_own_session,
)
from service.identity.login_guard import LoginForm, guard_login
from service.identity.models import User
from service.identity.schemas import (
    GrantIn,
    GrantRead,
    LoginIn,
    PasswordChange,
    PlatformVocabularyRead,
    RecoveryCodes,
    RoleCatalogueEntry,
    SecondFactorCode,
    SecondFactorStart,
    TenantChoice,
    TokenOut,
    UserCreate,
    UserRead,
    UserUpdate,
)
from service.identity.security import INVALID_TOKEN
from service.openapi import declares
from service.pagination import Page, Paging, page_of
from service.roles import DOMAINS
from service.schemas import QueryText, SingleLine
from service.sheets import Column
from service.tenancy import scope_names, tenants

auth_router = APIRouter(prefix="/auth", tags=["auth"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])
CROSS_SITE = "他のサイトからはログイン状態を変更できません"
NO_GRANTS = "なし"
DEFAULT_PORTS = {"http": 80, "https": 443}


def named(db: DbSession, users: Sequence[User]) -> list[UserRead]:
    reads = [
        UserRead.model_validate(u).model_copy(
            update={
                "second_factor_enabled": second_factor.enabled(u),
                "second_factor_required": second_factor.required(u),
            }
        )
        for u in users
    ]
    names = scope_names(db, ((g.domain, g.scope) for u in reads for g in u.grants))
    return [u.model_copy(update={"grants": [with_name(g, names) for g in u.grants]}) for u in reads]


def second_factor_state(user: User) -> dict[str, bool]:
    return {
        "second_factor_enabled": second_factor.enabled(user),
        "second_factor_required": second_factor.required(user),
    }


def with_name(grant: GrantRead, names: dict[tuple[str, str], str]) -> GrantRead:
    scope_name = names.get((grant.domain, grant.scope)) if grant.scope is not None else None
    return grant.model_copy(update={"scope_name": scope_name})


def request_actor(request: Request) -> Actor:
    return Actor(type="anonymous", client_address=client_address(request), request_id=current_request_id())


guard_login(
    "/auth/login",
    LoginForm.of(
        LoginIn, key_kind=identity.USER_KIND, address_kind=lockout.ADDRESS_KIND, key="login_id", device="device_token"
    ),
)


@auth_router.post("/login", response_model=TokenOut)
@declares(401, 423, 429, 503)
def login(body: LoginIn, db: DbSession, actor: Annotated[Actor, Depends(request_actor)]) -> TokenOut:
    """A login token; 423 while the account is locked for unknown devices (a device token from an earlier sign-in
    makes the browser a known one), 429 while the address is throttled, 503 while too many passwords are checked."""
    result = identity.authenticate(
        db,
        login_id=body.login_id,
        password=body.password,
        actor=actor,
        now=utcnow(),
        device_token=body.device_token,
        second_factor_code=body.second_factor_code,
    )
    return TokenOut(
        access_token=result.token.token,
        expires_at=result.token.expires_at,
        user=named(db, [result.user])[0],
        device_token=result.device_token,
    )


@auth_router.post("/logout", status_code=204)
def logout(caller: CurrentCaller, db: DbSession) -> None:
    identity.logout(db, jti=caller.token_jti, expires_at=caller.token_expires_at, actor=caller.actor, now=utcnow())


def origin_of(url: str) -> str | None:
    """No default port; None when it names none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown_port = "" if port in (None, DEFAULT_PORTS.get(parts.scheme)) else f":{port}"
    return f"{parts.scheme}://{host}{shown_port}"


def dashboard_origins(dashboard_url: str) -> frozenset[str]:
    """On a loopback address, its scheme and port under each loopback name, as the browser shows the one it was
    given."""
    origin = origin_of(dashboard_url)
    if origin is None:
        return frozenset()
    parts = urlsplit(origin)
    if parts.hostname not in LOOPBACK_NAMES:
        return frozenset({origin})
    port = f":{parts.port}" if parts.port else ""
    return frozenset(f"{parts.scheme}://{name}{port}" for name in LOOPBACK_NAMES.values())


def refuse_cross_site(request: Request) -> None:
    """Only the dashboards' own pages may set or clear the session cookie: no login CSRF.

    Refused: Fetch Metadata saying cross-site, and an Origin (else a Referer) other than the dashboards' ("null" too). A
    request with neither header is no page (browsers send Origin with every POST) but a program, which can set a cookie
    only in its own jar: it is let through."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden(CROSS_SITE, code="cross_site")
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is not None and origin_of(claimed) not in dashboard_origins(get_settings().dashboard_url):
        raise Forbidden(CROSS_SITE, code="cross_site")


def session_cookie_options(settings: Settings) -> dict:
    return {"path": "/", "httponly": True, "samesite": "lax", "secure": settings.env == "production"}


@auth_router.post("/session", status_code=204)
@declares(401, 403)
def remember_session(
    token: Annotated[str, Form(min_length=1, max_length=4000), SingleLine],
    request: Request,
    response: Response,
    db: DbSession,
    device: Annotated[str | None, Form(min_length=1, max_length=1000), SingleLine] = None,
) -> None:
    """Keep a valid login token as the dashboards' HttpOnly session cookie, for as long as the token lives; and the
    device token its sign-in answered, when sent, as the browser's device cookie (the dashboards send it with the
    browser's next sign-in: a known device signs in past a lockout, identity/lockout.py)."""
    refuse_cross_site(request)
    caller = current_caller(request, db, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))
    settings = get_settings()
    lifetime = int((caller.token_expires_at - utcnow()).total_seconds())
    response.set_cookie(SESSION_COOKIE, token, max_age=lifetime, **session_cookie_options(settings))
    if device is not None:
        if not identity.is_users_device(identity.get_user(db, caller.user_id), device):
            raise Unauthorized(INVALID_TOKEN, code="invalid_token")
        days = settings.login_device_days
        response.set_cookie(DEVICE_COOKIE, device, max_age=days * 24 * 3600, **session_cookie_options(settings))


@auth_router.post("/session/end", status_code=204)
@declares(403)
def forget_session(request: Request, response: Response) -> None:
    """Clear the dashboards' session cookie (the token itself is revoked by POST /auth/logout)."""
    refuse_cross_site(request)
    response.delete_cookie(SESSION_COOKIE, **session_cookie_options(get_settings()))


@auth_router.get("/me", response_model=UserRead)
def me(caller: CurrentCaller, db: DbSession) -> UserRead:
    """The signed-in user, each scoped grant with the name of its tenant; `state`, as every signed-in answer's
    X-Caller-State says it, changes whenever this answer's access does."""
    return named(db, [identity.get_user(db, caller.user_id)])[0].model_copy(update={"state": caller.state})


@auth_router.post("/password", response_model=UserRead)
@declares(403, 422)
def change_own_password(body: PasswordChange, caller: CurrentCaller, db: DbSession, response: Response) -> UserRead:
    """The signed-in person's own password, with the one they have; their other sessions end, this one goes on with
    the fresh token in X-Renewed-Token. Also while an initial or reset password is to be changed."""
    user = identity.change_own_password(
        db,
        user=identity.get_user(db, caller.user_id),
        current=body.current_password,
        new=body.new_password,
        actor=caller.actor,
    )
    renew_own_session(response, caller, user, password_changed=True)
    return named(db, [user])[0]


@auth_router.post("/second-factor", response_model=SecondFactorStart)
@declares(409)
def start_second_factor(caller: CurrentCaller, db: DbSession) -> SecondFactorStart:
    """A new authenticator secret and its QR code for the signed-in person; in force once confirmed."""
    enrolment = second_factor.begin(db, user=identity.get_user(db, caller.user_id))
    return SecondFactorStart(secret=enrolment.secret, uri=enrolment.uri, qr_svg=enrolment.qr_svg)


@auth_router.post("/second-factor/confirm", response_model=RecoveryCodes)
@declares(409, 422)
def confirm_second_factor(body: SecondFactorCode, caller: CurrentCaller, db: DbSession) -> RecoveryCodes:
    """A code from the app puts the second factor in force (audited); the recovery codes are answered this once."""
    user = identity.get_user(db, caller.user_id)
    codes = second_factor.confirm(db, user=user, code=body.code, actor=caller.actor, now=utcnow())
    return RecoveryCodes(recovery_codes=codes)


@admin_router.get("/roles", response_model=list[RoleCatalogueEntry])
def roles(_: PlatformAdmin, db: DbSession) -> list[RoleCatalogueEntry]:
    """Each domain's roles, and the tenants its scoped roles are limited to (picked by name)."""
    return [
        RoleCatalogueEntry(
            domain=d.domain,
            label=d.label,
            roles=d.roles,
            scope_kind=d.scope_kind,
            scope_label=d.scope_label,
            scoped_roles=sorted(d.scoped_roles),
            scope_required_roles=sorted(d.scope_required_roles),
            tenants=[TenantChoice(scope=s, name=n) for s, n in tenants(db, d.domain)] if d.scope_kind else [],
        )
        for d in DOMAINS.values()
    ]


@admin_router.get("/vocabulary", response_model=PlatformVocabularyRead)
def vocabulary(_: PlatformAdmin) -> PlatformVocabularyRead:
    """The accounts' and grants' fields as the admin pages' forms show and check them (service/fields.py)."""
    return PlatformVocabularyRead(fields=fields.vocabulary(PLATFORM_VOCABULARY.tables))


@admin_router.get("/users", response_model=Page[UserRead])
def list_users(
    _: PlatformAdmin,
    db: DbSession,
    paging: Paging,
    q: QueryText = None,
) -> Page[UserRead]:
    rows, total = identity.list_users(db, q=q, offset=paging.offset, limit=paging.page_size)
    return page_of(named(db, rows), total, paging)


def grant_text(grant: GrantRead) -> str:
    scope = grant.scope_name or grant.scope
    role = f"{grant.role_label or grant.role}（範囲: {scope}）" if scope else grant.role_label or grant.role
    return f"{grant.domain_label or grant.domain}: {role}"


USER_COLUMNS = (
    exports.field("ID", "id"),
    exports.declared(User.login_id),
    exports.declared(User.name),
    exports.declared(User.email),
    exports.declared(User.source),
    exports.declared(User.external_id),
    exports.declared(User.oidc_subject),
    exports.yes_no("状態", User.is_active),
    Column("権限", lambda user: "、".join(grant_text(g) for g in user.grants) or NO_GRANTS),
    exports.declared(User.last_login_at),
    exports.declared(User.removed_at),
)


@admin_router.get("/users/export", **exports.DOWNLOAD)
def export_users(_: PlatformAdmin, q: QueryText = None) -> exports.Download:
    """The users the list's search finds, by login id, as the CSV download."""
    export = exports.ListExport(
        identity.user_query(q), identity.USER_ORDER, USER_COLUMNS, lambda db, rows: named(db, [r[0] for r in rows])
    )
    return exports.download(export, "users", "ユーザー一覧")


@admin_router.post("/users", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, caller: PlatformAdmin, db: DbSession) -> UserRead:
    """Its owner changes the password given at their first sign-in."""
    return named(db, [identity.create_user(db, data=body, actor=caller.actor)])[0]


@admin_router.get("/users/{user_id:int}", response_model=UserRead)
def get_user(user_id: int, _: PlatformAdmin, db: DbSession) -> UserRead:
    return named(db, [identity.get_user(db, user_id)])[0]


@admin_router.patch("/users/{user_id:int}", response_model=UserRead)
def update_user(user_id: int, body: UserUpdate, caller: PlatformAdmin, db: DbSession, response: Response) -> UserRead:
    """A new password ends the user's sessions; admins changing their own get a fresh token in X-Renewed-Token."""
    user = identity.update_user(db, user=identity.get_user(db, user_id), data=body, actor=caller.actor)
    renew_own_session(response, caller, user, password_changed=bool(body.password))
    return named(db, [user])[0]


@admin_router.delete("/users/{user_id:int}/second-factor", status_code=204)
@declares(403, 409)
def reset_second_factor(user_id: int, caller: PlatformAdmin, db: DbSession) -> None:
    """For a lost phone and lost recovery codes: the person signs in with their password alone, or enrols again first
    where a second factor is required of them. Not one's own (403): the operator resets that, on the server."""
    if user_id == caller.user_id:
        raise Forbidden(second_factor.OWN_RESET, code="own_second_factor")
    second_factor.reset(db, user=identity.get_user(db, user_id), actor=caller.actor, now=utcnow())


@admin_router.put("/users/{user_id}/grants/{domain}", response_model=GrantRead)
def set_grant(user_id: int, domain: str, body: GrantIn, caller: PlatformAdmin, db: DbSession) -> GrantRead:
    user = identity.get_user(db, user_id)
    grant = identity.set_grant(db, user=user, domain=domain, role=body.role, scope=body.scope, actor=caller.actor)
    return with_name(GrantRead.model_validate(grant), scope_names(db, [(domain, grant.scope)]))


@admin_router.delete("/users/{user_id}/grants/{domain}", status_code=204)
def remove_grant(user_id: int, domain: str, caller: PlatformAdmin, db: DbSession) -> None:
    """A group the person belongs to that gives the domain then gives its grant (identity/groups.py)."""
    user = identity.get_user(db, user_id)
    identity.remove_grant(db, user=user, domain=domain, actor=caller.actor)
    groups.sync_members(db, [user], actor=caller.actor)
