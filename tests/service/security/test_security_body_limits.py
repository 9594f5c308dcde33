"""A body's limit is decided per route before it is read, and anonymous callers get a small one.

Requests go through the real app at the ASGI level, so each test sees how much of the body the service took.
"""

import asyncio
import hashlib
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
import pytest

from service.body_guard import upload_routes
from service.config import get_settings
from tests.factories import auth_headers, make_user

CHUNK = 64 * 1024
MB = 1024 * 1024
MULTIPART = "multipart/form-data; boundary=daicho"
FIRMWARE = "/api/fleet/firmware/releases"
CRM_IMAGES = "/api/crm/requests/1/images"
ENDLESS = itertools.repeat(b"x" * CHUNK)


@dataclass
class Exchange:
    status: int
    body: bytes
    consumed: int  # bytes of the request body the service took


def post(app, path: str, headers: dict[str, str], body: Iterable[bytes]) -> Exchange:
    """POST through the app, handing the body over chunk by chunk only as the app asks for it."""
    return asyncio.run(_exchange(app, path, headers, body))


async def _exchange(app, path: str, headers: dict[str, str], body: Iterable[bytes]) -> Exchange:
    chunks = iter(body)
    upcoming = next(chunks, None)
    consumed = 0
    answered = asyncio.Event()
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal consumed, upcoming
        if upcoming is None:  # the whole body was taken: the client waits for the answer, then goes
            await answered.wait()
            return {"type": "http.disconnect"}
        chunk, upcoming = upcoming, next(chunks, None)
        consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": upcoming is not None}

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    body_sent = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Exchange(sent[0]["status"], body_sent, consumed)


def declared(size: int, **headers: str) -> dict[str, str]:
    return {"content-type": MULTIPART, "content-length": str(size), **headers}


def refused(exchange: Exchange) -> bool:
    """A 413 in the one error shape."""
    return exchange.status == 413 and json.loads(exchange.body)["error"]["code"] == "payload_too_large"


def refused_unread(exchange: Exchange) -> None:
    assert refused(exchange), exchange
    assert exchange.consumed == 0


def fleet_admin(db) -> dict[str, str]:
    headers = auth_headers(make_user(db, "fleet-admin", grants={"fleet": "admin"}))
    db.commit()
    return headers


def test_an_anonymous_199_mb_multipart_post_to_login_is_refused_before_it_is_read(app):
    refused_unread(post(app, "/api/auth/login", declared(199 * MB), ENDLESS))


@pytest.mark.parametrize("path", [FIRMWARE, "/api/crm/requests", CRM_IMAGES])
def test_an_upload_route_without_a_token_refuses_a_large_body_unread(app, path):
    refused_unread(post(app, path, declared(199 * MB), ENDLESS))


@pytest.mark.parametrize("token", ["forged", "revoked"])
def test_an_upload_route_with_a_token_that_is_not_valid_refuses_a_large_body_unread(app, client, db, token):
    headers = fleet_admin(db) if token == "revoked" else {"Authorization": "Bearer forged.token.value"}
    if token == "revoked":
        assert client.post("/api/auth/logout", headers=headers).status_code == 204
    refused_unread(post(app, FIRMWARE, declared(199 * MB, **headers), ENDLESS))


def firmware_upload(size: int) -> tuple[dict[str, str], bytes]:
    """A firmware release of `size` bytes as the dashboards send it: its multipart headers and body."""
    data = b"\x7f" * size
    form = {"version": "9.9.9", "sha256": hashlib.sha256(data).hexdigest()}
    request = httpx.Request("POST", "http://testserver", data=form, files={"file": ("fw.bin", data)})
    return dict(request.headers), request.read()


@pytest.mark.parametrize("length", ["declared", "chunked"])
def test_a_signed_in_upload_within_its_route_limit_passes(app, db, length):
    headers, body = firmware_upload(get_settings().max_body_bytes + 1)
    headers |= fleet_admin(db)
    if length == "chunked":
        del headers["content-length"]
    chunks = (body[start : start + CHUNK] for start in range(0, len(body), CHUNK))
    exchange = post(app, FIRMWARE, headers, chunks)
    assert exchange.status == 201, exchange.body
    assert exchange.consumed == len(body)


def test_a_signed_in_upload_above_its_route_limit_is_refused_unread(app, db):
    refused_unread(post(app, FIRMWARE, declared(get_settings().max_upload_bytes + 1, **fleet_admin(db)), ENDLESS))


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/fleet/customers", "/api/fleet/imports"])
def test_a_signed_in_multipart_body_above_max_body_is_refused_unread_on_any_other_route(app, db, path):
    refused_unread(post(app, path, declared(get_settings().max_body_bytes + 1, **fleet_admin(db)), ENDLESS))


@pytest.mark.parametrize("path", ["/api/auth/login", FIRMWARE])
def test_an_anonymous_chunked_body_is_cut_off_as_soon_as_it_passes_max_body(app, path):
    exchange = post(app, path, {"content-type": MULTIPART}, ENDLESS)
    assert refused(exchange), exchange
    assert get_settings().max_body_bytes < exchange.consumed <= get_settings().max_body_bytes + CHUNK


def test_every_upload_route_has_its_documented_limit(app, client):
    settings = get_settings()
    declared_limits = {route.path: limit for route, limit in upload_routes(app.routes, settings)}
    paths = client.get("/api/openapi.json").json()["paths"]
    uploads = {
        path: declared_limits.get(path, settings.max_body_bytes)
        for path, operations in paths.items()
        if any("multipart/form-data" in op.get("requestBody", {}).get("content", {}) for op in operations.values())
    }
    assert uploads == {
        "/api/fleet/firmware/releases": 200 * MB,
        "/api/crm/requests": 210 * MB,  # 20 images of 10 MB each, and an ordinary body's worth for the rest
        "/api/crm/requests/{request_id}/images": 210 * MB,
        "/api/fleet/imports": 10 * MB,
        "/api/loaners/imports": 32 * MB,  # a Google Forms export of 100,000 rows
        "/api/entry-logs/nurseries/{nursery_id}/roster-import": 10 * MB,
        "/api/entry-logs/parents/{parent_id}/photo": 10 * MB,  # a photo of up to 8 MB (APP_ENTRY_LOGS_PHOTO_MAX_BYTES)
        "/api/reservations/shops/import": 10 * MB,
    }
