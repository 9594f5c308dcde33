"""The dashboards' address of a page, for mails, posts and QR codes that send a person to it (`APP_DASHBOARD_URL`)."""

from urllib.parse import urlencode

from service.config import get_settings


def page_url(page: str, **query: int | str) -> str:
    """APP_DASHBOARD_URL's page, with its query (e.g. the record to open) when one is given."""
    url = f"{get_settings().dashboard_url.rstrip('/')}/{page}"
    return f"{url}?{urlencode(query)}" if query else url
