"""Every router the API serves, one line each, in the order they appear in /docs."""

from fastapi import APIRouter

from service.audit.router import router as audit_router
from service.identity.router import admin_router, auth_router


def all_routers() -> list[APIRouter]:
    return [
        auth_router,
        admin_router,
        audit_router,
    ]
