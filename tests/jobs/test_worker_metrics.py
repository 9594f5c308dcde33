"""A worker's own page (jobs/worker_metrics.py): /health says whether its consumer runs and holds its broker
connection, every other path serves its metrics. docker-compose.yml's worker health check reads /health; the production
shape (tests/test_production_shape.py) runs that check on real workers."""

from types import SimpleNamespace
from wsgiref.util import setup_testing_defaults

from celery import bootsteps

from jobs.worker_metrics import HEALTH_PATH, worker_app, worker_registry


def get(consumer: SimpleNamespace, path: str) -> tuple[str, bytes]:
    environ: dict = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    answered: list[str] = []
    body = b"".join(worker_app(consumer, worker_registry())(environ, lambda status, _headers: answered.append(status)))
    return answered[0], body


def consumer(state: int = bootsteps.RUN, connected: bool | None = True) -> SimpleNamespace:
    """A consumer as the health check reads it: its blueprint's state and its connection (None while reconnecting)."""
    connection = None if connected is None else SimpleNamespace(connected=connected)
    return SimpleNamespace(blueprint=SimpleNamespace(state=state), connection=connection)


def test_health_answers_200_only_while_the_consumer_runs_with_its_broker_connection():
    assert get(consumer(), HEALTH_PATH) == ("200 OK", b"consuming\n")
    refused = "503 Service Unavailable"
    assert get(consumer(connected=None), HEALTH_PATH)[0] == refused  # reconnecting after losing the broker
    assert get(consumer(connected=False), HEALTH_PATH)[0] == refused
    assert get(consumer(state=bootsteps.CLOSE), HEALTH_PATH)[0] == refused  # shutting down


def test_every_other_path_is_the_metrics_page_whatever_the_health():
    for state in (consumer(), consumer(connected=None)):
        status, page = get(state, "/metrics")
        assert status == "200 OK" and b"# TYPE daicho_worker_tasks_active gauge" in page
