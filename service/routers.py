"""Every router the API serves, in /api/docs order; the hot routes the access log leaves out; the reads served from the
replica."""

from fastapi import APIRouter

from service.crm.acquired import router as crm_acquired_routes
from service.crm.agencies import router as crm_agencies_routes
from service.crm.audit_log import router as crm_audit_log_routes
from service.crm.corporations import router as crm_corporations_routes
from service.crm.metrics import router as crm_metrics_routes
from service.crm.requests import router as crm_requests_routes
from service.crm.router import ROUTERS as crm_routers
from service.database import serve_from_read_replica
from service.entry_logs.attendance import router as entry_logs_attendance_routes
from service.entry_logs.door import router as entry_logs_door_routes
from service.entry_logs.door.router import door_router as entry_logs_door_router
from service.entry_logs.logs import router as entry_logs_logs_routes
from service.entry_logs.roster import router as entry_logs_roster_routes
from service.entry_logs.router import ROUTERS as entry_logs_routers
from service.fleet.agent import router as fleet_agent_routes
from service.fleet.agent.router import router as fleet_agent_router
from service.fleet.alerting import router as fleet_alerting_routes
from service.fleet.registry import router as fleet_registry_routes
from service.fleet.reporting import router as fleet_reporting_routes
from service.fleet.rollouts import router as fleet_rollouts_routes
from service.fleet.router import ROUTERS as fleet_routers
from service.identity import audit_router as audit_routes
from service.identity.audit_router import router as audit_router
from service.identity.directory_router import router as directory_router
from service.identity.oidc_router import router as oidc_router
from service.identity.router import admin_router, auth_router
from service.identity.scim.router import router as scim_router
from service.loaners.devices import router as loaners_devices_routes
from service.loaners.router import ROUTERS as loaners_routers
from service.loaners.views import router as loaners_views_routes
from service.metrics import log_failures_only
from service.outbox.router import router as outbox_admin_router
from service.outbox.webhooks import router as webhooks_router
from service.reservations.console import router as reservations_console_routes
from service.reservations.incidents import router as reservations_incidents_routes
from service.reservations.reports import router as reservations_reports_routes
from service.reservations.router import ROUTERS as reservations_routers


def all_routers() -> list[APIRouter]:
    return [
        # first, the hot paths: routes match in this order, and each router passed costs its routes' checks
        fleet_agent_router,
        entry_logs_door_router,
        auth_router,
        oidc_router,
        admin_router,
        directory_router,
        audit_router,
        *crm_routers,
        *entry_logs_routers,
        *fleet_routers,
        *loaners_routers,
        outbox_admin_router,
        *reservations_routers,
        scim_router,
        webhooks_router,
    ]


# Hundreds a second: counted in the metrics, only their refusals written to the access log.
log_failures_only(fleet_agent_routes.heartbeat, entry_logs_door_routes.heartbeat, entry_logs_door_routes.scan)


# GET routes that only read, so a replica a little behind the primary serves them. Work queues, records opened to be
# edited, exports and anything audited or written stay on the primary.
DASHBOARD_READS = (
    fleet_reporting_routes.dashboard,
    fleet_registry_routes.list_customers,
    fleet_registry_routes.list_terminals,
    fleet_alerting_routes.list_alerts,
    fleet_alerting_routes.list_incidents,
    fleet_rollouts_routes.list_rollouts,
    reservations_console_routes.console_today,
    reservations_console_routes.weekly_kpis,
    reservations_console_routes.list_reservations,
    reservations_incidents_routes.list_incidents,
    reservations_reports_routes.executive_summary,
    loaners_devices_routes.list_devices,
    loaners_views_routes.normal_view,
    loaners_views_routes.audit_view,
    loaners_views_routes.summary_view,
    loaners_views_routes.summary_devices,
    crm_metrics_routes.dashboard,
    crm_requests_routes.my_summary,
    crm_corporations_routes.search_corporations,
    crm_requests_routes.list_requests,
    crm_requests_routes.team_requests,
    crm_acquired_routes.list_acquired,
    crm_metrics_routes.agency_metrics,
    crm_metrics_routes.deficiency_reasons,
    crm_metrics_routes.metrics_series,
    crm_agencies_routes.list_agencies,
    crm_audit_log_routes.list_audit,
    entry_logs_logs_routes.list_logs,
    entry_logs_attendance_routes.attendance_page,
    entry_logs_roster_routes.list_parents,
    entry_logs_roster_routes.list_children,
    audit_routes.list_audit,
)
serve_from_read_replica(*DASHBOARD_READS)
