"""The API server's fixed options (service/serve.py)."""

import inspect

import httpx
import pytest
import uvicorn

from service import serve


@pytest.mark.parametrize("client", [httpx.Client, httpx.AsyncClient])
def test_the_server_keeps_an_idle_connection_open_longer_than_the_clients_keep_it(client):
    """Otherwise a client can send on a connection the server is closing: a request failed as unreachable."""
    config = uvicorn.Config(serve.APP, factory=True, **serve.OPTIONS)
    client_expiry = inspect.signature(client).parameters["limits"].default.keepalive_expiry
    assert config.timeout_keep_alive > client_expiry


PAGES_FIRST_CALLS = ("/api/reservations/console/today", "/api/fleet/dashboard", "/api/entry-logs/vocabulary")


def readied_by_requests(app) -> list[str]:
    """The routes FastAPI readies while answering a first request to each of a few domains' routes."""
    from fastapi import routing
    from fastapi.testclient import TestClient

    readied: list[str] = []
    ready = routing._populate_api_route_state

    def counted(*args, **kwargs):
        readied.append(args[0].path)
        return ready(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(routing, "_populate_api_route_state", counted)
        client = TestClient(app)
        for path in PAGES_FIRST_CALLS:
            assert client.get(path).status_code == 401
    return readied


def test_a_served_worker_readies_every_route_before_its_first_request():
    from service.main import create_app

    assert readied_by_requests(create_app())  # what each worker's first requests would pay for
    warmed = create_app()
    serve.warm(warmed)
    assert readied_by_requests(warmed) == []
