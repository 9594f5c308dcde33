"""The dashboards' addresses of fleet records, for the mails and posts that ask someone to act on them.

The page addresses are those dashboards/sections.py registers (tests/service/fleet/alerting/test_escalations.py holds
them to it); a record's page opens it from `?id=`.
"""

from service.links import dashboard_page

DASHBOARD_PAGE = "fleet"  # ダッシュボード
ALERT_PAGE = "fleet-alerts"  # アラート一覧
INCIDENT_PAGE = "fleet-incidents"  # インシデント


def overview_url() -> str:
    return dashboard_page(DASHBOARD_PAGE)


def alert_url(alert_id: int) -> str:
    return dashboard_page(ALERT_PAGE, id=alert_id)


def incident_url(incident_id: int) -> str:
    return dashboard_page(INCIDENT_PAGE, id=incident_id)
