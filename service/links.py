"""Every address the service hands out to be followed, built here and nowhere else.

Never from APP_API_URL: that is where one process reaches another (`http://api:8000`), a name no phone, mail reader or
provider can open. tests/service/test_links.py fails on a module that reads the addresses elsewhere."""

from urllib.parse import urlencode

from service.config import get_settings


def _address(base: str, path: str, query: dict[str, int | str]) -> str:
    url = base.rstrip("/") + path
    return f"{url}?{urlencode(query)}" if query else url


def api_page(path: str, **query: int | str) -> str:
    """Under APP_PUBLIC_BASE_URL."""
    return _address(get_settings().public_base_url, path, query)


def dashboard_page(page: str, **query: int | str) -> str:
    """Under APP_DASHBOARD_URL; `page` is its url_path, e.g. `fleet-alerts`."""
    return _address(get_settings().dashboard_url, f"/{page}", query)


OIDC_CALLBACK_PATH = "/api/auth/oidc/callback"


def oidc_callback() -> str:
    """Where the company's identity provider sends the browser back after a sign-in: the redirect URI IT registers."""
    return api_page(OIDC_CALLBACK_PATH)
