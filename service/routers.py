"""Every router the API serves, in /api/docs order; the hot routes the access log leaves out; the reads served from the
replica."""

from fastapi import APIRouter

from service.audit import router as audit_routes
from service.audit.router import router as audit_router
from service.crm import router as crm_routes
from service.crm.router import router as crm_router
from service.database import serve_from_read_replica
from service.entry_logs.attendance import router as entry_logs_attendance_routes
from service.entry_logs.door import router as entry_logs_door_routes
from service.entry_logs.door.router import door_router as entry_logs_door_router
from service.entry_logs.logs import router as entry_logs_logs_routes
from service.entry_logs.roster import router as entry_logs_roster_routes
from service.entry_logs.router import router as entry_logs_router
from service.fleet import agent_router as fleet_agent_routes
from service.fleet import router as fleet_routes
from service.fleet.agent_router import router as fleet_agent_router
from service.fleet.router import router as fleet_router
from service.fleet.schedule_router import router as fleet_schedule_router
from service.identity.router import admin_router, auth_router
from service.loaners.devices import router as loaners_devices_routes
from service.loaners.router import router as loaners_router
from service.loaners.views import router as loaners_views_routes
from service.metrics import log_failures_only
from service.outbox.router import router as outbox_admin_router
from service.outbox.webhooks import router as webhooks_router
from service.reservations.console import router as reservations_console_routes
from service.reservations.incidents import router as reservations_incidents_routes
from service.reservations.reports import router as reservations_reports_routes
from service.reservations.router import router as reservations_router


def all_routers() -> list[APIRouter]:
    return [
        # first, the hot paths: routes match in this order, and each router passed costs its routes' checks
        fleet_agent_router,
        entry_logs_door_router,
        auth_router,
        admin_router,
        audit_router,
        crm_router,
        entry_logs_router,
        fleet_router,
        fleet_schedule_router,
        loaners_router,
        outbox_admin_router,
        reservations_router,
        webhooks_router,
    ]


# Hundreds a second: counted in the metrics, only their refusals written to the access log.
log_failures_only(fleet_agent_routes.heartbeat, entry_logs_door_routes.heartbeat, entry_logs_door_routes.scan)


# GET routes that only read, so a replica a little behind the primary serves them. Work queues, records opened to be
# edited, exports and anything audited or written stay on the primary.
DASHBOARD_READS = (
    fleet_routes.dashboard,
    fleet_routes.list_customers,
    fleet_routes.list_terminals,
    fleet_routes.list_alerts,
    fleet_routes.list_incidents,
    fleet_routes.list_rollouts,
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
    crm_routes.dashboard,
    crm_routes.my_summary,
    crm_routes.search_corporations,
    crm_routes.list_requests,
    crm_routes.team_requests,
    crm_routes.list_acquired,
    crm_routes.agency_metrics,
    crm_routes.deficiency_reasons,
    crm_routes.metrics_series,
    crm_routes.list_agencies,
    crm_routes.list_audit,
    entry_logs_logs_routes.list_logs,
    entry_logs_attendance_routes.attendance_page,
    entry_logs_roster_routes.list_parents,
    entry_logs_roster_routes.list_children,
    audit_routes.list_audit,
)
serve_from_read_replica(*DASHBOARD_READS)
