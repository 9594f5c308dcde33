"""Every address the service hands out to be followed, built here and nowhere else: the links of its mails, SMS and
Slack posts, its PDFs' QR codes, its MCP and API answers (which the dashboards show), and the callbacks it gives the
providers.

- `api_page(path, **query)`: a page or route the service serves, under the public base URL (APP_PUBLIC_BASE_URL):
  the parents' barcode page, the requester's cancellation link and FAQ, the sandbox checkout, the webhooks.
- `dashboard_page(page, **query)`: a dashboards page under their address (APP_DASHBOARD_URL), the record it opens
  in its query.

Never from APP_API_URL: that is where one process reaches another (`http://api:8000` in docker-compose.yml), a name
no phone, mail reader or provider can open. Production refuses to start without both addresses (service/config.py);
tests/test_production_shape.py decodes what a production-shaped service prints (tests/support/public_links.py), and
tests/service/test_links.py fails on a module that reads them elsewhere.
"""

from urllib.parse import urlencode

from service.config import get_settings


def _address(base: str, path: str, query: dict[str, int | str]) -> str:
    url = base.rstrip("/") + path
    return f"{url}?{urlencode(query)}" if query else url


def api_page(path: str, **query: int | str) -> str:
    """The public address of a path the service serves (`/api/...`), with its query when one is given."""
    return _address(get_settings().public_base_url, path, query)


def dashboard_page(page: str, **query: int | str) -> str:
    """The address of a dashboards page (its url_path, e.g. `fleet-alerts`), with its query when one is given."""
    return _address(get_settings().dashboard_url, f"/{page}", query)
