"""§5.1 ALLOWED_HOSTS / ALLOWED_IPS guard every route, the agents' heartbeat too; the reservations console answers only
APP_RESERVATIONS_CONSOLE_IPS. The caller's address is the one the trusted-proxy rule settled on."""

import pytest
from fastapi.testclient import TestClient

from service.access import DASHBOARDS_CLIENT_HEADER, DASHBOARDS_KEY_HEADER, AccessGuard, access_guard
from service.config import Settings, get_settings
from tests.factories import auth_headers, make_user

OFFICE, OUTSIDE = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def settings_env(monkeypatch):
    """Set APP_ variables for one test; the settings are read again and restored afterwards."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"APP_{name.upper()}", value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def restricted_app(settings_env):
    from service.main import create_app

    settings_env(allowed_hosts="tms.example.jp,*.techcore-internal.jp", allowed_ips="203.0.113.0/24, 10.0.0.0/8")
    return create_app()


def test_the_restriction_is_off_by_default():
    settings = Settings(_env_file=None)
    assert (settings.allowed_hosts, settings.allowed_ips, settings.reservations_console_ips) == ("", "", "")
    assert access_guard(app := object(), settings) is app


def test_a_network_that_is_not_cidr_is_refused_at_start():
    with pytest.raises(ValueError, match="10.0.0.0/33"):
        Settings(_env_file=None, allowed_ips="10.0.0.0/8,10.0.0.0/33")


def test_only_listed_hosts_and_networks_reach_the_api(restricted_app):
    layer = restricted_app.entry
    while not isinstance(layer, AccessGuard) and hasattr(layer, "app"):  # behind the proxy and the dashboards' hop
        layer = layer.app
    assert isinstance(layer, AccessGuard)
    office = TestClient(restricted_app, client=(OFFICE, 40000), base_url="http://tms.example.jp")
    outside = TestClient(restricted_app, client=(OUTSIDE, 40000), base_url="http://tms.example.jp")
    assert office.get("/api/health").status_code == 200
    assert office.get("/api/health", headers={"Host": "a.techcore-internal.jp:443"}).status_code == 200
    wrong_host = office.get("/api/health", headers={"Host": "evil.example.com"})
    assert (wrong_host.status_code, wrong_host.json()["error"]["code"]) == (400, "host_not_allowed")
    refused = outside.get("/api/health")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "address_not_allowed",
        "message": "このネットワークからはアクセスできません",
        "details": {"rule": "allowed_ips"},
    }
    # the agents' heartbeat, ahead of its authentication
    assert outside.post("/api/fleet/agent/heartbeat", json={}).status_code == 403
    assert office.post("/api/fleet/agent/heartbeat", json={}).status_code == 401


def test_on_a_call_from_the_dashboards_the_browsers_address_decides(restricted_app):
    dashboards = TestClient(restricted_app, client=("10.20.0.5", 40000), base_url="http://tms.example.jp")
    key = get_settings().dashboards_key

    def health_for(browser: str) -> int:
        headers = {DASHBOARDS_KEY_HEADER: key, DASHBOARDS_CLIENT_HEADER: browser}
        return dashboards.get("/api/health", headers=headers).status_code

    assert (health_for(OFFICE), health_for(OUTSIDE)) == (200, 403)
    assert dashboards.get("/api/health").status_code == 200  # a call for no browser it knows: its own address


def test_behind_a_trusted_proxy_the_forwarded_address_decides(restricted_app):
    proxy = TestClient(restricted_app, base_url="http://tms.example.jp")  # "testclient" is the trusted proxy in tests
    assert proxy.get("/api/health", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 200
    assert proxy.get("/api/health", headers={"X-Forwarded-For": OUTSIDE}).status_code == 403
    spoofing = TestClient(restricted_app, client=(OUTSIDE, 40000), base_url="http://tms.example.jp")
    assert spoofing.get("/api/health", headers={"X-Forwarded-For": OFFICE}).status_code == 403


def test_the_reservations_console_answers_only_internal_networks(app, db, settings_env):
    settings_env(reservations_console_ips="10.0.0.0/8")
    headers = auth_headers(make_user(db, "resv-op", grants={"reservations": ("operator", None)}))
    db.commit()
    inside = TestClient(app, client=("10.4.5.6", 40000))
    outside = TestClient(app, client=(OUTSIDE, 40000))
    for path in ("/reservations/console/today", "/reservations/manual-operations", "/reservations/notifications"):
        assert inside.get(f"/api{path}", headers=headers).status_code == 200
        refused = outside.get(f"/api{path}", headers=headers)
        assert (refused.status_code, refused.json()["error"]["details"]) == (403, {"rule": "reservations_console_ips"})
    assert outside.post("/api/reservations/manual-operations/1/resolve", json={}, headers=headers).status_code == 403
    # the rest of the domain is not the console: reservations and the catalogue stay reachable
    assert outside.get("/api/reservations/reservations", headers=headers).status_code == 200
