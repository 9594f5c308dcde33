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
