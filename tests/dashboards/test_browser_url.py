"""The API as the browser reaches it: on the host name the page is shown under, so the session cookie the API sets is
one the dashboards receive (tests/browser/test_sessions.py signs in under localhost and 127.0.0.1)."""

import pytest

from dashboards import api


@pytest.fixture
def shown_under(monkeypatch):
    """shown_under(host): the browser shows the dashboards under this host name (None: no browser)."""

    def _show(host: str | None) -> None:
        monkeypatch.setattr(api, "page_host", lambda: host)

    return _show


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", "http://localhost:8000/api/auth/session"),
        ("127.0.0.1", "http://127.0.0.1:8000/api/auth/session"),
        ("::1", "http://[::1]:8000/api/auth/session"),
        ("192.168.1.20", "http://192.168.1.20:8000/api/auth/session"),
        (None, "http://127.0.0.1:8000/api/auth/session"),
    ],
)
def test_without_a_public_address_the_api_is_reached_on_the_pages_host(monkeypatch, shown_under, host, expected):
    """At the service's default public address's port, never at the one this server reaches the API at."""
    monkeypatch.delenv("APP_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("APP_API_URL", "http://api:9100/")
    shown_under(host)

    assert api.browser_url("/auth/session") == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", "http://localhost:8000/api/auth/session"),
        ("::1", "http://[::1]:8000/api/auth/session"),
        ("192.168.1.20", "http://127.0.0.1:8000/api/auth/session"),
    ],
)
def test_a_loopback_public_address_follows_the_loopback_name_the_page_was_opened_under(
    monkeypatch, shown_under, host, expected
):
    """`make run` sets APP_PUBLIC_BASE_URL to http://127.0.0.1:<api port> for every process it starts."""
    monkeypatch.setenv("APP_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    shown_under(host)

    assert api.browser_url("/auth/session") == expected


@pytest.mark.parametrize("host", ["localhost", "daicho.example.jp", "10.0.0.5"])
def test_a_public_address_elsewhere_is_used_as_it_is(monkeypatch, shown_under, host):
    """Behind the production proxy the API is reached at its public address, whatever the page's host."""
    monkeypatch.setenv("APP_PUBLIC_BASE_URL", "https://daicho.example.jp/")
    monkeypatch.setenv("APP_API_URL", "http://api:8000")
    shown_under(host)

    assert api.browser_url("/auth/session/end") == "https://daicho.example.jp/api/auth/session/end"
