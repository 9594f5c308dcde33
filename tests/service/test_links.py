"""Every link the service hands out is built in service/links.py from the public addresses, never from the address
one process reaches another at (APP_API_URL); production refuses to start without those addresses. The dashboards'
address follows their port when APP_DASHBOARD_URL is not set: a mail made in a process the launcher did not start
(the demo `make run` loads first, with its alert digest) links where they run."""

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.config import REPO_ROOT, Settings, get_settings
from service.links import api_page, dashboard_page
from tests.factories import PUBLIC_ADDRESSES

pytestmark = pytest.mark.embedded_only  # nothing here reads the database: the SQLite pass checks it once

LINK_SETTINGS = {"public_base_url", "dashboard_url", "api_url"}  # the Settings fields of the addresses
LINK_VARIABLES = ("APP_API_URL", "APP_PUBLIC_BASE_URL", "APP_DASHBOARD_URL")  # and their environment variables
# Modules that read an address for what is no link: where it is defined, the origins whose requests may carry the
# session cookie, the MCP server's OAuth issuer and the host names it answers as.
NOT_LINKS = {"service/config.py", "service/identity/router.py", "service/reservations/booking/mcp_server.py"}
PRODUCTION = {"env": "production", "secret_key": "s" * 40, "audit_key": "a" * 40, "database_url": "postgresql://db/d"}


def python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((REPO_ROOT / folder).rglob("*.py"))]


def reads_of(path: Path, names: set[str]) -> list[str]:
    """Where the module reads an attribute of `names` or names one in a string (getattr, an environment variable),
    each as `file:line name`."""
    text, found = path.read_text(), []
    if not any(name in text for name in names):
        return found
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.value!r}")
    return found


def test_only_the_links_module_builds_a_link_from_an_address():
    readers = [
        read
        for path in python_files("service", "jobs")
        if str(path.relative_to(REPO_ROOT)) not in NOT_LINKS | {"service/links.py"}
        for read in reads_of(path, LINK_SETTINGS | set(LINK_VARIABLES))
    ]
    assert readers == [], "build the link with service.links.api_page or dashboard_page"


def test_only_the_dashboards_api_module_knows_the_apis_address():
    readers = {
        read.partition(":")[0] for path in python_files("dashboards") for read in reads_of(path, set(LINK_VARIABLES))
    }
    assert readers == {"dashboards/api.py"}


def test_links_start_with_the_public_addresses_whatever_the_apis_own(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "api_url", "http://api:8000")
    for name, address in PUBLIC_ADDRESSES.items():
        monkeypatch.setattr(settings, name, address + "/")
    assert api_page("/api/reservations/faq") == "https://daicho.example.jp/api/reservations/faq"
    assert api_page("/api/reservations/cancel/QRV-1", token="a-b_c") == (
        "https://daicho.example.jp/api/reservations/cancel/QRV-1?token=a-b_c"
    )
    assert dashboard_page("fleet-alerts") == "https://dashboards.example.jp/fleet-alerts"
    assert dashboard_page("loaners-returns", location_id="kobe", min_days=14) == (
        "https://dashboards.example.jp/loaners-returns?location_id=kobe&min_days=14"
    )


def test_the_dashboards_address_follows_their_port(monkeypatch):
    monkeypatch.delenv("APP_DASHBOARD_URL", raising=False)
    monkeypatch.setenv("APP_DASHBOARD_PORT", "9601")
    assert Settings(_env_file=None).dashboard_url == "http://127.0.0.1:9601"
    monkeypatch.setenv("APP_DASHBOARD_URL", "https://daicho.example.jp")
    assert Settings(_env_file=None).dashboard_url == "https://daicho.example.jp"


def test_production_starts_with_both_public_addresses_and_beat_without_them(monkeypatch):
    for variable in ("APP_PUBLIC_BASE_URL", "APP_DASHBOARD_URL", "APP_ENV", "APP_PROCESS"):
        monkeypatch.delenv(variable, raising=False)
    worker = Settings(_env_file=None, **PRODUCTION, **PUBLIC_ADDRESSES, process="worker")
    assert (worker.public_base_url, worker.dashboard_url) == tuple(PUBLIC_ADDRESSES.values())
    assert Settings(_env_file=None, **PRODUCTION, process="scheduler").env == "production"  # beat builds no link


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"dashboard_url": "https://dashboards.example.jp"}, "APP_PUBLIC_BASE_URL must be set in production"),
        ({"public_base_url": "https://daicho.example.jp"}, "APP_DASHBOARD_URL must be set in production"),
        (PUBLIC_ADDRESSES | {"public_base_url": "api:8000"}, "APP_PUBLIC_BASE_URL must be an absolute http"),
        (PUBLIC_ADDRESSES | {"public_base_url": "/qrv"}, "APP_PUBLIC_BASE_URL must be an absolute http"),
        (PUBLIC_ADDRESSES | {"dashboard_url": "ftp://dashboards.example.jp"}, "APP_DASHBOARD_URL must be an absolute"),
        (PUBLIC_ADDRESSES | {"dashboard_url": "http://127.0.0.1:8501"}, "APP_DASHBOARD_URL must be the address people"),
        (PUBLIC_ADDRESSES | {"public_base_url": "http://localhost:8000"}, "APP_PUBLIC_BASE_URL must be the address"),
    ],
)
def test_production_refuses_to_start_without_public_addresses(monkeypatch, given, refusal):
    for variable in ("APP_PUBLIC_BASE_URL", "APP_DASHBOARD_URL", "APP_ENV", "APP_PROCESS"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(ValidationError, match=refusal):
        Settings(_env_file=None, **PRODUCTION, **given, process="worker")


def test_a_link_base_given_anywhere_is_an_absolute_address():
    with pytest.raises(ValidationError, match="APP_PUBLIC_BASE_URL must be an absolute http"):
        Settings(_env_file=None, public_base_url="daicho.example.jp")
    assert Settings(_env_file=None, dashboard_url="http://127.0.0.1:8501").dashboard_url == "http://127.0.0.1:8501"
