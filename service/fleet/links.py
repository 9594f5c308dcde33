"""The dashboards' addresses of fleet records, for the mails and posts that ask someone to act on them.

The page addresses are those dashboards/sections.py registers (tests/service/fleet/test_escalations.py holds them to
it); a record's page opens it from `?id=`.
"""

from service.config import get_settings

DASHBOARD_PAGE = "fleet"  # ダッシュボード
ALERT_PAGE = "fleet-alerts"  # アラート一覧
INCIDENT_PAGE = "fleet-incidents"  # インシデント


def page_url(page: str, record_id: int | None = None) -> str:
    """APP_DASHBOARD_URL's page, with the record to open when one is named."""
    url = f"{get_settings().dashboard_url.rstrip('/')}/{page}"
    return url if record_id is None else f"{url}?id={record_id}"


def alert_url(alert_id: int) -> str:
    return page_url(ALERT_PAGE, alert_id)


def incident_url(incident_id: int) -> str:
    return page_url(INCIDENT_PAGE, incident_id)
