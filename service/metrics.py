"""Prometheus on /metrics: requests counted and timed per route, and the scrape-time gauge."""

import math
import os
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.logs import ACCESS_LOG, loggable_path

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BUCKET_BOUNDS = (*LATENCY_BUCKETS, math.inf)


class RequestMetrics:
    """Labelled by route template, never raw path. Recorded into plain dicts read at scrape time: a prometheus_client
    series takes a lock and several calls per update. A route's 5xx counter starts at 0 with its first request, so the
    error rate (QrvErrorRate) is defined before any request failed."""

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
            self.errors.setdefault((method, route), 0)
        latency[bisect_left(LATENCY_BUCKETS, elapsed)] += 1
        latency[-1] += elapsed
        if log_success or status >= 400:
            ACCESS_LOG.info("%s %s %s %.1fms", method, path, status, elapsed * 1000)
        if status >= 500:
            self.errors[(method, route)] = self.errors.get((method, route), 0) + 1

    def collect(self) -> Iterator[Metric]:
        """Labelled with the `pid`: uvicorn's processes share one port, so each scrape reads one of them, and each
        process's counters must be series of their own for Prometheus's `increase` and `rate` to hold."""
        pid = str(os.getpid())
        requests = CounterMetricFamily(
            "daicho_http_requests", "HTTP requests", labels=["method", "route", "status", "pid"]
        )
        for (method, route, status), count in list(self.requests.items()):
            requests.add_metric([method, route, str(status), pid], count)
        errors = CounterMetricFamily(
            "daicho_http_errors", "HTTP responses with a 5xx status", labels=["method", "route", "pid"]
        )
        for labels, count in list(self.errors.items()):
            errors.add_metric([*labels, pid], count)
        latency = HistogramMetricFamily(
            "daicho_http_request_duration_seconds", "HTTP request latency", labels=["method", "route", "pid"]
        )
        for labels, series in list(self.latencies.items()):
            counts = accumulate(series[:-1])
            buckets = [(floatToGoString(bound), count) for bound, count in zip(BUCKET_BOUNDS, counts, strict=True)]
            latency.add_metric([*labels, pid], buckets, sum_value=series[-1])
        yield from (requests, errors, latency)


request_metrics = RequestMetrics()
REGISTRY.register(request_metrics)
FAILURES_ONLY_MARK = "_daicho_logs_failures_only"


def log_failures_only(*endpoints: Callable[..., Any]) -> None:
    """Still counted: the agents' and stations' hot routes, hundreds a second."""
    for endpoint in endpoints:
        setattr(endpoint, FAILURES_ONLY_MARK, True)


class MetricsMiddleware:
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
            route = scope.get("route")
            elapsed = time.perf_counter() - started
            quiet = getattr(getattr(route, "endpoint", None), FAILURES_ONLY_MARK, False)
            template = getattr(route, "path", "unmatched")
            request_metrics.record(
                scope["method"], template, loggable_path(scope), status, elapsed, log_success=not quiet
            )


class ScrapeTimeGauge:
    """`describe` names it without reading anything, so registering it touches neither the broker nor the database."""

    name: str
    documentation: str
    labels: tuple[str, ...] = ()

    def family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))

    def describe(self) -> Iterator[Metric]:
        yield self.family()

    def collect(self) -> Iterator[Metric]:
        gauge = self.family()
        self.fill(gauge)
        yield gauge

    def fill(self, gauge: GaugeMetricFamily) -> None:
        raise NotImplementedError


_registered: set[Collector] = set()


def register_once(collectors: Iterable[Collector]) -> None:
    """Once per process however many apps it builds (the tests build many)."""
    for collector in collectors:
        if collector not in _registered:
            REGISTRY.register(collector)
            _registered.add(collector)


def metrics_response() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
