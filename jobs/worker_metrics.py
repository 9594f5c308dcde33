"""A worker's own /metrics, for Prometheus (ops/prometheus/prometheus.yml, job daicho-worker): served by the worker's
main process on APP_WORKER_METRICS_ADDRESS once it is ready (none when empty). Its pool's children run the tasks; the
main process hands them out, so what it reports is what the worker took in: tasks executing, tasks reserved (taken
from the broker, waiting for a free child) and tasks accepted since it started, by task name; and its own process's
CPU and memory. A worker that stops answering is what QrvWorkerDown alerts on (`up` of its target)."""

import logging
from collections.abc import Iterator
from typing import Any

from celery.signals import worker_ready
from celery.worker import state
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from service.config import get_settings

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


@worker_ready.connect
def serve_metrics(**_: Any) -> None:
    address = get_settings().worker_metrics_address
    if not address:
        return
    host, port = address.rsplit(":", 1)
    start_http_server(int(port), addr=host, registry=worker_registry())
    log.info("worker metrics on http://%s/metrics", address)
