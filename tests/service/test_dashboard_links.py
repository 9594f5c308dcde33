"""The dashboards' address in links follows the configured port when APP_DASHBOARD_URL is not set: a mail made in a
process the launcher did not start (the demo `make run` loads first, with its alert digest) links where they run."""

from service.config import Settings
from service.dashboard_links import page_url


def test_the_address_follows_the_dashboards_port(monkeypatch):
    monkeypatch.delenv("APP_DASHBOARD_URL", raising=False)
    monkeypatch.setenv("APP_DASHBOARD_PORT", "9601")
    assert Settings(_env_file=None).dashboard_url == "http://127.0.0.1:9601"
    monkeypatch.setenv("APP_DASHBOARD_URL", "https://daicho.example.jp")
    assert Settings(_env_file=None).dashboard_url == "https://daicho.example.jp"


def test_a_page_link_uses_the_configured_address(monkeypatch):
    monkeypatch.delenv("APP_DASHBOARD_URL", raising=False)
    monkeypatch.setenv("APP_DASHBOARD_PORT", "9601")
    from service.config import get_settings

    get_settings.cache_clear()
    try:
        assert page_url("fleet-alerts", id=7) == "http://127.0.0.1:9601/fleet-alerts?id=7"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
