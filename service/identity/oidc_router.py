"""Signing in with the company's account (company_sign_in.py): where the browser leaves for the provider and comes
back, what the dashboards' server exchanges for the session, and which ways in the sign-in page offers."""

import hmac
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from clientkit import templates
from service import links
from service.access import DASHBOARDS_KEY_HEADER
from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.deps import DbSession
from service.errors import DomainError, Forbidden, NotFound
from service.identity import company_sign_in, oidc
from service.identity.router import named, request_actor, session_cookie_options
from service.identity.schemas import SessionOut
from service.openapi import declares
from service.schemas import SingleLine

router = APIRouter(prefix="/auth", tags=["auth"])
log = logging.getLogger("daicho.identity")
FLOW_COOKIE = "daicho_oidc"  # ties a sign-in under way to the browser that began it
FLOW_COOKIE_PATH = "/api/auth/oidc"
HANDOFF_PARAMETER = "sign_in"  # the hand-off code's query parameter on the dashboards' login page
LOGIN_PAGE = "login"
CALLBACK_PATH = links.OIDC_CALLBACK_PATH.removeprefix("/api" + router.prefix)
REFUSED_TITLE = "ログインできませんでした"
NOT_CONFIGURED = "会社のアカウントでのログインは設定されていません"
NOT_DASHBOARDS = "ログインの引き継ぎはダッシュボードからのみ受け付けます"
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
Param = Annotated[str | None, Query(max_length=2000), SingleLine]


class SignInOptions(BaseModel):
    company_account: bool = Field(description="the sign-in page offers 「会社のアカウントでログイン」")
    password: Literal["all", "admins", "off"] = Field(description="who may sign in with a password")


class HandoffIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=100), SingleLine]


def configured() -> None:
    if not get_settings().oidc_configured:
        raise NotFound(NOT_CONFIGURED, code="oidc_not_configured")


def from_dashboards(request: Request) -> None:
    """With APP_DASHBOARDS_KEY set, only the dashboards' server trades a hand-off code: one read from a browser's
    history is worth nothing elsewhere."""
    key = get_settings().dashboards_key
    given = request.headers.get(DASHBOARDS_KEY_HEADER, "")
    if key and not hmac.compare_digest(given.encode(), key.encode()):
        raise Forbidden(NOT_DASHBOARDS, code="not_dashboards")


@router.get("/sign-in-options", response_model=SignInOptions)
def sign_in_options() -> SignInOptions:
    """What the sign-in page offers; no sign-in needed."""
    settings = get_settings()
    return SignInOptions(company_account=settings.oidc_configured, password=settings.password_sign_in)


@router.get("/oidc/start", response_model=None, status_code=303, dependencies=[Depends(configured)])
@declares(404, 502)
def start(db: DbSession) -> HTMLResponse | RedirectResponse:
    """Off to the company's provider (authorization code flow with PKCE, state and nonce)."""
    try:
        begun = company_sign_in.begin(db, now=utcnow())
    except oidc.ProviderFailed as failed:
        log.warning("company sign-in: the provider could not be read: %s", failed)
        return refused_page(company_sign_in.PROVIDER_FAILED, 502)
    response = RedirectResponse(begun.provider_url, status_code=303, headers=PRIVATE)
    lifetime = company_sign_in.FLOW_MINUTES * 60
    options = session_cookie_options(get_settings()) | {"path": FLOW_COOKIE_PATH}
    response.set_cookie(FLOW_COOKIE, begun.browser_value, max_age=lifetime, **options)
    return response


@router.get(CALLBACK_PATH, response_model=None, response_class=HTMLResponse, dependencies=[Depends(configured)])
@declares(400, 401, 403, 404)
def callback(
    request: Request,
    db: DbSession,
    actor: Annotated[Actor, Depends(request_actor)],
    state: Param = None,
    code: Param = None,
    error: Param = None,
    iss: Param = None,
) -> HTMLResponse | RedirectResponse:
    """Back from the provider: on to the dashboards' login page with a hand-off code, or a page saying why not (its
    transaction commits: the refusal's audit entry and the spent state stay)."""
    if error or not state or not code:
        log.info("company sign-in: the provider answered %s", error or "without a code")
        return refused_page(company_sign_in.FLOW_FAILED, 400)
    try:
        handoff = company_sign_in.finish(
            db,
            state=state,
            code=code,
            issuer=iss,
            browser_value=request.cookies.get(FLOW_COOKIE),
            actor=actor,
            now=utcnow(),
        )
    except DomainError as refusal:
        log.info("company sign-in refused: %s %s", refusal.code, refusal.details or "")
        return refused_page(refusal.message, refusal.status_code)
    response = RedirectResponse(links.dashboard_page(LOGIN_PAGE, **{HANDOFF_PARAMETER: handoff}), 303, PRIVATE)
    response.delete_cookie(FLOW_COOKIE, **session_cookie_options(get_settings()) | {"path": FLOW_COOKIE_PATH})
    return response


def refused_page(message: str, status: int) -> HTMLResponse:
    back = links.dashboard_page(LOGIN_PAGE)
    page = templates.render(__name__, "sign_in_refused.html", title=REFUSED_TITLE, message=message, back=back)
    return HTMLResponse(page, status_code=status, headers=PRIVATE)


@router.post("/oidc/exchange", response_model=SessionOut, dependencies=[Depends(configured), Depends(from_dashboards)])
@declares(401, 403, 404)
def exchange(body: HandoffIn, db: DbSession, actor: Annotated[Actor, Depends(request_actor)]) -> SessionOut:
    """The session for the hand-off code the callback gave, once (the dashboards' server calls it): the one a password
    sign-in gives."""
    started = company_sign_in.exchange(db, handoff=body.code, actor=actor, now=utcnow())
    return SessionOut(
        access_token=started.token.token, expires_at=started.token.expires_at, user=named(db, [started.user])[0]
    )
