"""The body guard, as pure ASGI middleware: a body read within its limit, NUL bytes refused before any handler sees
them."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from random import getrandbits
from typing import Any, TypeVar

from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientkit.security_headers import SECURITY_HEADERS
from service.config import Settings, get_settings
from service.errors import DomainError, TooLarge, error_body
from service.request_context import request_id_var
from service.response_headers import with_response_headers

TEXT_TYPES = (b"application/json", b"application/x-www-form-urlencoded", b"text/")
NUL_BYTE = "NUL文字は使用できません"
# Paths whose protocol answers bad input in its own shape (MCP tool errors); they refuse NUL themselves.
OWN_NUL_CHECK: set[str] = set()
TOO_LARGE = "リクエストが大きすぎます"
BODILESS = ("GET", "HEAD", "DELETE", "OPTIONS")
UPLOAD_LIMIT = "upload_limit"

F = TypeVar("F", bound=Callable[..., Any])
SignedIn = Callable[[Scope, str], bool]  # (request, Authorization header) -> a signed-in caller's? Run in a thread


def _new_request_id() -> str:
    """Unique, not secret (the random module reseeds itself in a forked worker)."""
    return getrandbits(128).to_bytes(16).hex()


@dataclass(slots=True)
class RequestHead:
    """In one pass over the headers: this runs on every request."""

    request_id: str
    content_type: bytes
    declared_length: bytes | None
    authorization: str

    @classmethod
    def of(cls, scope: Scope) -> "RequestHead":
        incoming = content_type = declared = authorization = None
        for key, value in scope["headers"]:
            if key == b"x-request-id" and incoming is None:
                incoming = value
            elif key == b"content-type" and content_type is None:
                content_type = value.lower()
            elif key == b"content-length" and declared is None:
                declared = value
            elif key == b"authorization" and authorization is None:
                authorization = value
        return cls(
            request_id=incoming.decode("latin-1")[:64] if incoming and incoming.isascii() else _new_request_id(),
            content_type=content_type or b"",
            declared_length=declared,
            authorization=authorization.decode("latin-1") if authorization else "",
        )


def upload_limit(setting: str) -> Callable[[F], F]:
    """A signed-in caller may send it a body up to the named setting (bytes)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, UPLOAD_LIMIT, setting)
        return endpoint

    return mark


def upload_routes(routes: list[Any], settings: Settings) -> tuple[tuple[RouteContext, int], ...]:
    marked = (
        route
        for route in iter_route_contexts(routes)
        if isinstance(route.original_route, APIRoute) and hasattr(route.endpoint, UPLOAD_LIMIT)
    )
    return tuple((route, getattr(settings, getattr(route.endpoint, UPLOAD_LIMIT))) for route in marked)


class BodyGuard:
    """The limit is decided before anything is read: max_body_bytes, unless the route is an upload endpoint and the
    caller is signed in (`signed_in`: identity's check, which the app hands in). Only a body that may exceed
    max_body_bytes from a caller with an Authorization header is looked at further, so an ordinary request costs
    nothing more and an anonymous one never gets more than max_body_bytes read."""

    def __init__(self, signed_in: SignedIn) -> None:
        self.signed_in = signed_in
        self.max_body = get_settings().max_body_bytes
        self.uploads: tuple[tuple[RouteContext, int], ...] | None = None  # read from the app at the first large upload

    async def read(self, scope: Scope, receive: Receive, head: RequestHead) -> bytes | None:
        """None when the client went away."""
        # bytes.find, not `in`: `in` first tries its needle as an integer, raising and clearing a TypeError each time
        if scope.get("query_string", b"").find(b"%00") >= 0 or "\x00" in scope["path"]:
            raise DomainError(NUL_BYTE, code="nul_byte")
        more = scope["method"] not in BODILESS
        limit = self.max_body
        declared = head.declared_length
        if declared is None or not declared.isdigit() or int(declared) > limit:
            if more and head.authorization:
                limit = await self._limit_for(scope, head.authorization)
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                raise TooLarge(TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise TooLarge(TOO_LARGE)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        checked = scope["path"] not in OWN_NUL_CHECK and head.content_type.startswith(TEXT_TYPES)
        if checked and (body.find(b"\x00") >= 0 or body.find(b"\\u0000") >= 0):
            raise DomainError(NUL_BYTE, code="nul_byte")
        return body

    async def _limit_for(self, scope: Scope, authorization: str) -> int:
        limit = self._route_limit(scope)
        if limit > self.max_body and await run_in_threadpool(self.signed_in, scope, authorization):
            return limit
        return self.max_body

    def _route_limit(self, scope: Scope) -> int:
        if self.uploads is None:
            self.uploads = upload_routes(scope["app"].routes, get_settings())
        matched = (limit for route, limit in self.uploads if route.matches(scope)[0] is Match.FULL)
        return next(matched, self.max_body)


class GuardMiddleware:
    def __init__(self, app: ASGIApp, signed_in: SignedIn) -> None:
        self.app = app
        self.guard = BodyGuard(signed_in)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = RequestHead.of(scope)
        token = request_id_var.set(head.request_id)
        try:
            await self._guarded(scope, receive, send, head)
        finally:
            request_id_var.reset(token)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, head: RequestHead) -> None:
        try:
            body = await self.guard.read(scope, receive, head)
        except DomainError as refused:
            await _send_error(send, refused.status_code, refused.code, refused.message, head.request_id)
            return
        if body is not None:
            await self.app(scope, _replay(body, receive), with_response_headers(send, head.request_id))


async def _send_error(send: Send, status: int, code: str, message: str, request_id: str) -> None:
    body = json.dumps(error_body(code, message), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
