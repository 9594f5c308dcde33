"""A worker's own /metrics (jobs/worker_metrics.py): served by its main process once it is ready, counting the tasks
it took in by name, read again after more work arrived."""

import httpx
from prometheus_client.parser import text_string_to_metric_families

from service import broker
from service.task_queues import CRITICAL
from tests.support.live_server import free_port
from tests.support.waiting import wait_for_job

TASK = "platform.dispatch_outbox"


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of the page: (name, sorted labels) -> value."""
    text = httpx.get(url, timeout=5).text
    families = text_string_to_metric_families(text)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in families for s in family.samples}


def accepted(url: str) -> float:
    return scrape(url).get(("daicho_worker_tasks_accepted_total", (("task", TASK),)), 0.0)


def test_the_worker_reports_what_it_took_in_on_its_own_metrics_page(start_worker):
    address = f"127.0.0.1:{free_port()}"
    start_worker(queues=[CRITICAL], APP_WORKER_METRICS_ADDRESS=address)
    url = f"http://{address}/metrics"
    first = scrape(url)
    assert first[("daicho_worker_tasks_active", ())] == 0
    assert ("daicho_worker_tasks_reserved", ()) in first and ("process_cpu_seconds_total", ()) in first

    for expected in (1, 2):
        broker.sender().send_task(TASK)
        wait_for_job(lambda expected=expected: accepted(url) == expected, timeout=30, message=f"{expected} accepted")
