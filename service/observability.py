"""Request ids, structured log lines, input guards and Prometheus metrics, as pure ASGI middleware."""

import json
import logging
import math
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from random import getrandbits
from typing import Any, TypeVar

from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.utils import get_authorization_scheme_param
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.backup.service import last_good_backup_age
from service.broker import queue_length
from service.config import Settings, get_settings
from service.database import session_scope, utcnow
from service.errors import DomainError, TooLarge, Unauthorized, error_body
from service.outbox.models import OutboxAttempt, OutboxMessage
from service.request_context import request_id_var

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
TEXT_TYPES = (b"application/json", b"application/x-www-form-urlencoded", b"text/")


_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_record_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def configure_logging(level: int = logging.INFO, *, access_log: bool = True) -> None:
    """Every log record carries the id of the request that wrote it, whichever logger and handler; without the access
    log, a request's line is left out."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    if not any(getattr(h, "daicho", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.daicho = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    ACCESS_LOG.setLevel(logging.NOTSET if access_log else logging.WARNING)


def _new_request_id() -> str:
    """32 hex digits; unique, not secret (the random module reseeds itself in a forked worker)."""
    return getrandbits(128).to_bytes(16).hex()


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


@dataclass(slots=True)
class RequestHead:
    """What the guard reads from a request's headers, in one pass over them (this runs on every request)."""

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


# Sent with every response (the fast lane's too): no MIME sniffing, no referrer beyond our origin, never framed.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)
NUL_BYTE = "NUL文字は使用できません"
# Paths whose protocol answers bad input in its own shape (the MCP endpoint: tool errors); they refuse NUL themselves.
OWN_NUL_CHECK: set[str] = set()
TOO_LARGE = "リクエストが大きすぎます"
BODILESS = ("GET", "HEAD", "DELETE", "OPTIONS")
UPLOAD_LIMIT = "upload_limit"

F = TypeVar("F", bound=Callable[..., Any])


def upload_limit(setting: str) -> Callable[[F], F]:
    """Mark an upload endpoint: a signed-in caller may send it a body up to the named setting (bytes)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, UPLOAD_LIMIT, setting)
        return endpoint

    return mark


def upload_routes(routes: list[Any], settings: Settings) -> tuple[tuple[RouteContext, int], ...]:
    """The routes (included routers' too) marked with `upload_limit`, each with its limit in bytes."""
    marked = (
        route
        for route in iter_route_contexts(routes)
        if isinstance(route.original_route, APIRoute) and hasattr(route.endpoint, UPLOAD_LIMIT)
    )
    return tuple((route, getattr(settings, getattr(route.endpoint, UPLOAD_LIMIT))) for route in marked)


def signed_in(scope: Scope, authorization: str) -> bool:
    """Whether the Authorization header carries a token the routes' own authentication accepts."""
    from service.identity.dependencies import current_caller  # it imports this module (request ids)

    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        with session_scope() as db:
            current_caller(Request(scope), db, HTTPAuthorizationCredentials(scheme=scheme, credentials=token))
    except Unauthorized:
        return False
    return True


class BodyGuard:
    """Reads a request's body within its limit and refuses NUL bytes (400 nul_byte, 413 payload_too_large).

    The limit is decided before anything is read, whatever the content type says: max_body_bytes, unless the route
    is an upload endpoint (`upload_limit`) and the caller is signed in. Only a body that may exceed max_body_bytes (a
    larger declared length, or none) from a caller with an Authorization header is looked at further, so an ordinary
    request costs what it did and an anonymous one never gets more than max_body_bytes read.
    """

    def __init__(self) -> None:
        self.max_body = get_settings().max_body_bytes
        self.uploads: tuple[tuple[RouteContext, int], ...] | None = None  # read from the app at the first large upload

    async def read(self, scope: Scope, receive: Receive, head: RequestHead) -> bytes | None:
        """The whole body, or None when the client went away; a DomainError when the request breaks a limit."""
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
        """The matched upload route's limit when the caller is signed in; max_body_bytes otherwise."""
        limit = self._route_limit(scope)
        if limit > self.max_body and await run_in_threadpool(signed_in, scope, authorization):
            return limit
        return self.max_body

    def _route_limit(self, scope: Scope) -> int:
        """The limit the route matching the request declares (max_body_bytes for any other, the fast lane's too)."""
        app = scope.get("app")  # the fast lane answers before the app sets it: none of its routes takes an upload
        if app is None:
            return self.max_body
        if self.uploads is None:
            self.uploads = upload_routes(app.routes, get_settings())
        matched = (limit for route, limit in self.uploads if route.matches(scope)[0] is Match.FULL)
        return next(matched, self.max_body)


class GuardMiddleware:
    """Rejects oversized bodies and NUL bytes before any handler sees them; tags every response with a request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.guard = BodyGuard()

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
            await self.app(scope, _replay(body, receive), _with_request_id(send, head.request_id))


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
    """Tag the response with the request id and the security headers (a route's own CSP, if any, is kept)."""
    header = (b"x-request-id", request_id.encode())

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            extra = [item for item in SECURITY_HEADERS if item[0] not in present]
            message["headers"] = [*headers, header, *extra]
        await send(message)

    return wrapped


ACCESS_LOG = logging.getLogger("daicho.access")


class RequestMetrics:
    """Counts requests and observes latency per route template (never per raw path), and writes the access log.

    The label is the template within the /api router (e.g. /admin/users/{user_id}), as FastAPI records it. Requests
    are recorded on the event loop into plain dicts, which Prometheus reads at scrape time (`collect`): a
    prometheus_client series takes a lock and several calls per update, a twentieth of a fast-lane request's cost.
    """

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = {}
        self.errors: dict[tuple[str, str], int] = {}
        self.latencies: dict[tuple[str, str], list[float]] = {}  # count per bucket (the last: +Inf), then the sum

    def record(
        self, method: str, route: str, path: str, status: int, elapsed: float, *, log_success: bool = True
    ) -> None:
        key = (method, route, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        latency = self.latencies.get((method, route))
        if latency is None:
            latency = self.latencies[(method, route)] = [0] * (len(LATENCY_BUCKETS) + 1) + [0.0]
        latency[bisect_left(LATENCY_BUCKETS, elapsed)] += 1
        latency[-1] += elapsed
        if log_success or status >= 400:
            ACCESS_LOG.info("%s %s %s %.1fms", method, path, status, elapsed * 1000)
        if status >= 500:
            self.errors[(method, route)] = self.errors.get((method, route), 0) + 1

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily("daicho_http_requests", "HTTP requests", labels=["method", "route", "status"])
        for (method, route, status), count in list(self.requests.items()):
            requests.add_metric([method, route, str(status)], count)
        errors = CounterMetricFamily(
            "daicho_http_errors", "HTTP responses with a 5xx status", labels=["method", "route"]
        )
        for labels, count in list(self.errors.items()):
            errors.add_metric(list(labels), count)
        latency = HistogramMetricFamily(
            "daicho_http_request_duration_seconds", "HTTP request latency", labels=["method", "route"]
        )
        for labels, series in list(self.latencies.items()):
            counts = accumulate(series[:-1])
            buckets = [(floatToGoString(bound), count) for bound, count in zip(BUCKET_BOUNDS, counts, strict=True)]
            latency.add_metric(list(labels), buckets, sum_value=series[-1])
        yield from (requests, errors, latency)


BUCKET_BOUNDS = (*LATENCY_BUCKETS, math.inf)
request_metrics = RequestMetrics()
REGISTRY.register(request_metrics)


class MetricsMiddleware:
    """Feeds every HTTP request to `request_metrics`, labelled with the route FastAPI matched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            route = getattr(scope.get("route"), "path", "unmatched")
            request_metrics.record(scope["method"], route, scope["path"], status, time.perf_counter() - started)


class ScrapeTimeGauge:
    """A gauge whose figures are read at scrape time by `fill`. `describe` names it without reading anything, so
    registering it at start-up touches neither the broker nor the database (prometheus_client would otherwise
    collect once to learn the names)."""

    name: str
    documentation: str
    labels: tuple[str, ...] = ()

    def family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))

    def describe(self) -> Any:
        yield self.family()

    def collect(self) -> Any:
        gauge = self.family()
        self.fill(gauge)
        yield gauge

    def fill(self, gauge: GaugeMetricFamily) -> None:
        raise NotImplementedError


class QueueLengthCollector(ScrapeTimeGauge):
    """Reports the Celery queue length at scrape time."""

    name, documentation, labels = "daicho_celery_queue_length", "Messages waiting in the Celery queue", ("queue",)

    def fill(self, gauge: GaugeMetricFamily) -> None:
        try:
            gauge.add_metric(["celery"], queue_length())
        except Exception:  # an unreachable broker must not break /metrics
            logging.getLogger("daicho.metrics").warning("queue length unavailable", exc_info=True)


class BackupAgeCollector(ScrapeTimeGauge):
    """Reports the age of the newest complete backup at scrape time (+Inf when there is none)."""

    name = "daicho_backup_last_success_age_seconds"
    documentation = "Seconds since the newest complete backup in APP_BACKUP_DIR was made"

    def fill(self, gauge: GaugeMetricFamily) -> None:
        age = last_good_backup_age(utcnow())
        gauge.add_metric([], math.inf if age is None else age)


FAILED_OUTCOMES = ("transient_error", "permanent_error", "abandoned")


def delivery_attempts(db: Session, *, since: datetime, domain: str | None = None) -> tuple[int, int]:
    """(failed, finished) outbox delivery attempts since `since`, of one domain or of all."""
    conditions = [OutboxAttempt.finished_at >= since]
    if domain is not None:
        conditions.append(OutboxMessage.domain == domain)
    failed, finished = db.execute(
        select(func.coalesce(func.sum(case((OutboxAttempt.outcome.in_(FAILED_OUTCOMES), 1), else_=0)), 0), func.count())
        .join(OutboxMessage, OutboxMessage.id == OutboxAttempt.message_id)
        .where(*conditions)
    ).one()
    return failed, finished


def recent_delivery_attempts(now: datetime) -> tuple[int, int]:
    since = now - timedelta(minutes=get_settings().reservations_error_rate_window_minutes)
    with session_scope() as db:
        return delivery_attempts(db, since=since)


class MemoryThresholdCollector(ScrapeTimeGauge):
    """The configured memory threshold, which ops/prometheus/rules.yml's QrvHostMemoryHigh compares host memory to."""

    name = "daicho_memory_alert_threshold_ratio"
    documentation = "APP_RESERVATIONS_MEMORY_ALERT_PCT as a ratio (0.8 for 80%)"

    def fill(self, gauge: GaugeMetricFamily) -> None:
        gauge.add_metric([], get_settings().reservations_memory_alert_pct / 100)


class DeliveryAttemptsCollector(ScrapeTimeGauge):
    """Reports the outbox delivery attempts finished in the error-rate window, all and failed, at scrape time.

    With the API's 5xx counters they make §4.3's error rate (ops/prometheus/rules.yml, QrvErrorRate).
    """

    name = "daicho_delivery_attempts_recent"
    documentation = "Outbox delivery attempts finished in the last APP_RESERVATIONS_ERROR_RATE_WINDOW_MINUTES"
    labels = ("result",)

    def fill(self, gauge: GaugeMetricFamily) -> None:
        try:
            failed, finished = recent_delivery_attempts(utcnow())
        except Exception:  # an unreachable database must not break /metrics
            logging.getLogger("daicho.metrics").warning("delivery attempts unavailable", exc_info=True)
        else:
            gauge.add_metric(["failed"], failed)
            gauge.add_metric(["all"], finished)


_collector_registered = False


def register_queue_collector() -> None:
    """Register the scrape-time collectors (queue length, backup age, delivery attempts) once per process."""
    global _collector_registered
    if not _collector_registered:
        REGISTRY.register(QueueLengthCollector())
        REGISTRY.register(BackupAgeCollector())
        REGISTRY.register(DeliveryAttemptsCollector())
        REGISTRY.register(MemoryThresholdCollector())
        _collector_registered = True


def metrics_response() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
