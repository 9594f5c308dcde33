"""Every router the API serves, one line each, in the order they appear in /docs; and the fast lane's hot routes."""

from fastapi import APIRouter

from service.audit.router import router as audit_router
from service.crm.router import router as crm_router
from service.entry_logs.router import LANE_ROUTES as ENTRY_LOGS_LANE
from service.entry_logs.router import router as entry_logs_router
from service.fleet.agent_router import LANE_ROUTES as FLEET_LANE
from service.fleet.agent_router import router as fleet_agent_router
from service.fleet.router import router as fleet_router
from service.identity.router import admin_router, auth_router
from service.lanes import LaneRoute
from service.loaners.router import router as loaners_router
from service.outbox.router import router as outbox_admin_router
from service.outbox.webhooks import router as webhooks_router
from service.reservations.router import router as reservations_router


def all_routers() -> list[APIRouter]:
    return [
        fleet_agent_router,  # first: the agents' heartbeat is the hot path, and routes match in this order
        auth_router,
        admin_router,
        audit_router,
        crm_router,
        entry_logs_router,
        fleet_router,
        loaners_router,
        outbox_admin_router,
        reservations_router,
        webhooks_router,
    ]


def all_lane_routes() -> list[LaneRoute]:
    """Agents' heartbeats, stations' scans and heartbeats (see service/lanes.py)."""
    return [*FLEET_LANE, *ENTRY_LOGS_LANE]
