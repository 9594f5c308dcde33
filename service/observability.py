"""Request ids, structured log lines, input guards and Prometheus metrics, as pure ASGI middleware."""

import json
import logging
import time
from contextvars import ContextVar
from random import getrandbits
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import get_settings
from service.errors import error_body

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REQUESTS = Counter("daicho_http_requests_total", "HTTP requests", ["method", "route", "status"])
ERRORS = Counter("daicho_http_errors_total", "HTTP responses with a 5xx status", ["method", "route"])
LATENCY = Histogram(
    "daicho_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TEXT_TYPES = (b"application/json", b"application/x-www-form-urlencoded", b"text/")


_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_record_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def configure_logging(level: int = logging.INFO) -> None:
    """Every log record carries the id of the request that wrote it, whichever logger and handler."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    if not any(getattr(h, "daicho", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.daicho = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


def _new_request_id() -> str:
    """32 hex digits; unique, not secret (the random module reseeds itself in a forked worker)."""
    return f"{getrandbits(128):032x}"


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
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Rejects oversized bodies and NUL bytes before any handler sees them; tags every response with a request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        settings = get_settings()
        self.max_body = settings.max_body_bytes
        self.max_upload = settings.max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = content_type = declared = None
        for key, value in scope["headers"]:  # one pass: this runs on every request, the agents' heartbeats included
            if key == b"x-request-id" and incoming is None:
                incoming = value
            elif key == b"content-type" and content_type is None:
                content_type = value.lower()
            elif key == b"content-length" and declared is None:
                declared = value
        request_id = incoming.decode("latin-1")[:64] if incoming and incoming.isascii() else _new_request_id()
        token = request_id_var.set(request_id)
        try:
            await self._guarded(scope, receive, send, request_id, content_type or b"", declared)
        finally:
            request_id_var.reset(token)

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, content_type: bytes, declared: bytes | None
    ) -> None:
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            await _send_error(send, 400, "nul_byte", "NUL文字は使用できません", request_id)
            return
        limit = self.max_upload if content_type.startswith(b"multipart/form-data") else self.max_body
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_error(send, 413, "payload_too_large", "リクエストが大きすぎます", request_id)
            return
        chunks: list[bytes] = []
        size = 0
        more = scope["method"] not in ("GET", "HEAD", "DELETE", "OPTIONS")
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_error(send, 413, "payload_too_large", "リクエストが大きすぎます", request_id)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if content_type.startswith(TEXT_TYPES) and (b"\x00" in body or b"\\u0000" in body):
            await _send_error(send, 400, "nul_byte", "NUL文字は使用できません", request_id)
            return
        await self.app(scope, _replay(body, receive), _with_request_id(send, request_id))


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the already-read body to the app once, then pass through to the real channel (e.g. for disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _with_request_id(send: Send, request_id: str) -> Send:
    header = (b"x-request-id", request_id.encode())

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), header]
        await send(message)

    return wrapped


ACCESS_LOG = logging.getLogger("daicho.access")


class MetricsMiddleware:
    """Counts requests and observes latency per route template (never per raw path).

    The label is the template within the /api router (e.g. /admin/users/{user_id}), as FastAPI records it. Labelled
    series are looked up once per (method, route, status) and kept: prometheus_client's labels() is not free.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counters: dict[tuple[str, str, int], Any] = {}
        self.latencies: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        counter = self.counters.get((method, route, status))
        if counter is None:
            counter = self.counters[(method, route, status)] = REQUESTS.labels(method, route, str(status))
        latency = self.latencies.get((method, route))
        if latency is None:
            latency = self.latencies[(method, route)] = LATENCY.labels(method, route)
        counter.inc()
        latency.observe(elapsed)
        ACCESS_LOG.info("%s %s %s %.1fms", method, scope["path"], status, elapsed * 1000)
        if status >= 500:
            ERRORS.labels(method, route).inc()


class QueueLengthCollector:
    """Reports the Celery queue length at scrape time."""

    def collect(self) -> Any:
        from jobs.monitoring import queue_length

        gauge = GaugeMetricFamily(
            "daicho_celery_queue_length", "Messages waiting in the Celery queue", labels=["queue"]
        )
        try:
            gauge.add_metric(["celery"], queue_length())
        except Exception:  # an unreachable broker must not break /metrics
            logging.getLogger("daicho.metrics").warning("queue length unavailable", exc_info=True)
        yield gauge


_collector_registered = False


def register_queue_collector() -> None:
    global _collector_registered
    if not _collector_registered:
        REGISTRY.register(QueueLengthCollector())
        _collector_registered = True


def metrics_response() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
