"""A caller's token as it arrives: the Authorization header's bearer token, or on a download link the dashboards'
session cookie. Who the token names is identity's question (service/identity/dependencies.py)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from service.errors import Forbidden
from service.openapi import declares

bearer = declares(401)(HTTPBearer(auto_error=False))
# The dashboards' sign-in cookie (POST /auth/session); the API reads it only on download links (`download_link`)
SESSION_COOKIE = "daicho_session"
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="the dashboards' session: download links only"
)
COOKIE_TOKEN = "download_link_token"  # request.state attribute
CROSS_SITE_DOWNLOAD = "他のサイトからのリンクではダウンロードできません"


@declares(403)
def download_link(request: Request, cookie: Annotated[str | None, Depends(session_cookie)]) -> None:
    """A route a plain browser link may fetch: without an Authorization header the session cookie signs the caller in; a
    cross-site request (Sec-Fetch-Site) is refused with its cookie. A route's own dependencies run before its
    parameters', so the caller's check sees the token."""
    if cookie is None or request.headers.get("authorization"):
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden(CROSS_SITE_DOWNLOAD, code="cross_site")
    setattr(request.state, COOKIE_TOKEN, cookie)


def presented(request: Request, sent: HTTPAuthorizationCredentials | None) -> HTTPAuthorizationCredentials | None:
    """The bearer token sent, else the session cookie a download link took."""
    if sent is not None:
        return sent
    token = getattr(request.state, COOKIE_TOKEN, None)
    return None if token is None else HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
