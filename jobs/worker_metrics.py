"""A worker's own /metrics, for Prometheus (ops/prometheus/prometheus.yml, job daicho-worker), and its /health: served
by the worker's main process on APP_WORKER_METRICS_ADDRESS once it is ready (Celery's worker_ready; none when empty).
Its pool's children run the tasks; the main process hands them out, so what it reports is what the worker took in:
tasks executing, tasks reserved (taken from the broker, waiting for a free child) and tasks accepted since it started,
by task name; and its own process's CPU and memory. A worker that stops answering is what QrvWorkerDown alerts on
(`up` of its target).

/health answers 200 while the worker's consumer runs and holds its broker connection, 503 while it reconnects after
losing it or shuts down: docker-compose.yml's health check of the workers and the tests' wait for a started worker read
it, instead of `celery inspect ping` (a Python process importing the service, a second of CPU, per check)."""

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from celery import bootsteps
from celery.signals import worker_ready
from celery.worker import state
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer

from service.config import get_settings

if TYPE_CHECKING:
    from celery.worker.consumer import Consumer

log = logging.getLogger(__name__)


class WorkerStateCollector:
    """Reads the worker's request bookkeeping (celery.worker.state) at scrape time."""

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "daicho_worker_tasks_active", "Tasks a pool child is executing", len(state.active_requests)
        )
        yield GaugeMetricFamily(
            "daicho_worker_tasks_reserved",
            "Tasks taken from the broker, waiting for a free child",
            len(state.reserved_requests),
        )
        accepted = CounterMetricFamily(
            "daicho_worker_tasks_accepted", "Tasks handed to a pool child since the worker started", labels=["task"]
        )
        for task, count in sorted(state.total_count.items()):
            accepted.add_metric([task], count)
        yield accepted


def worker_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    registry.register(WorkerStateCollector())
    return registry


HEALTH_PATH = "/health"


def consuming(consumer: "Consumer") -> bool:
    """The consumer runs and holds its broker connection (Celery sets it to None while it reconnects after a loss)."""
    connection = consumer.connection
    return consumer.blueprint.state == bootsteps.RUN and connection is not None and connection.connected


def worker_app(consumer: "Consumer", registry: CollectorRegistry) -> Callable:
    """The worker's page: /health from the consumer's state, every other path the registry's metrics."""
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ["PATH_INFO"] != HEALTH_PATH:
            return metrics(environ, start_response)
        healthy = consuming(consumer)
        start_response("200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"consuming\n" if healthy else b"not consuming: no broker connection\n"]

    return app


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        """Scrapes and health checks are not logged."""


@worker_ready.connect
def serve_metrics(sender: "Consumer", **_: Any) -> None:
    address = get_settings().worker_metrics_address
    if not address:
        return
    host, port = address.rsplit(":", 1)
    server = make_server(host, int(port), worker_app(sender, worker_registry()), ThreadingWSGIServer, QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    log.info("worker metrics on http://%s/metrics, health on %s", address, HEALTH_PATH)
