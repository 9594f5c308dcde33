"""The FastAPI application factory."""

from typing import TYPE_CHECKING, cast

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from service import VERSION, storage
from service.access import access_guard, dashboards_hop
from service.api_docs import install_docs
from service.backup import plugin as backup
from service.body_guard import GuardMiddleware
from service.broker import broker_reachable
from service.config import get_settings
from service.crm import plugin as crm
from service.database import get_engine
from service.errors import error_response, install_error_handlers
from service.fleet import plugin as fleet
from service.identity.dependencies import signed_in
from service.identity.login_guard import LoginGuard
from service.identity.scim import router as scim
from service.logs import configure_logging
from service.metrics import MetricsMiddleware, metrics_response
from service.openapi import declares, install_openapi
from service.outbox import plugin as outbox
from service.reservations import plugin as reservations
from service.routers import all_routers

if TYPE_CHECKING:
    from uvicorn._types import ASGI3Application

API_PREFIX = "/api"
# Beyond its routers: gauges on /metrics, an app mounted at its path, a background thread.
PLUGINS = (storage.PLUGIN, outbox.PLUGIN, backup.PLUGIN, fleet.PLUGIN, reservations.PLUGIN, crm.PLUGIN)
NOT_CONNECTED = "データベースまたはブローカーに接続できません"


def _system_router() -> APIRouter:
    router = APIRouter(tags=["system"])

    @router.get("/health")
    def health() -> dict:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/ready")
    @declares(503)
    def ready() -> JSONResponse:
        """Readiness: the database and the broker answer, and the storage has room (service/storage.py)."""
        low = storage.low_volumes()
        checks = {"database": _database_ok(), "broker": broker_reachable(), "storage": not low}
        if all(checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        problems = [NOT_CONNECTED] if not (checks["database"] and checks["broker"]) else []
        problems += [storage.full_message(low)] if low else []
        return error_response(503, "not_ready", "。".join(problems), checks)

    return router


def _database_ok() -> bool:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


class DaichoAPI(FastAPI):
    """The forwarded-header handling believes only the configured proxies (the socket peer otherwise)."""

    entry: ASGIApp | None = None  # _serve behind the access rules and the proxy headers, where configured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.entry or self._serve)(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def _behind_proxies(entry: ASGIApp, trusted_hosts: list[str]) -> ASGIApp:
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware  # the whole of uvicorn, which serves the app

    proxied = ProxyHeadersMiddleware(cast("ASGI3Application", entry), trusted_hosts=trusted_hosts)
    return cast(ASGIApp, proxied)


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(access_log=settings.access_log)
    app = DaichoAPI(
        title="Daichō API",
        version=VERSION,
        docs_url=None,  # Swagger UI is served at /api/docs with its own assets (service/api_docs.py)
        redoc_url=None,
        openapi_url="/api/openapi.json",
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app, not_found_under={API_PREFIX + scim.router.prefix: scim.nothing_here})
    for router in (_system_router(), *all_routers()):  # a router between has each route built
        app.include_router(router, prefix=API_PREFIX)  # again as it is included (a second of every API process's start)
    install_openapi(app)
    install_docs(app)
    app.add_api_route("/metrics", metrics_response, include_in_schema=False)
    for plugin in PLUGINS:
        plugin.install(app)
    app.entry = LoginGuard(app._serve, API_PREFIX, settings.login_refusal_hold_seconds)
    app.entry = access_guard(app.entry, settings)  # after the forwarded address
    app.entry = dashboards_hop(app.entry, settings)
    if settings.trusted_proxy_hosts:  # no layer to pass through
        app.entry = _behind_proxies(app.entry, settings.trusted_proxy_hosts)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(GuardMiddleware, signed_in=signed_in)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins.split(","), allow_methods=["*"], allow_headers=["*"]
        )
    return app
