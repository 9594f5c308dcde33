"""/mcp without the MCP SDK at start: the route is the app's from create_app, the server (mcp_server.py) is built by
the first request to it and its session manager runs in the app's lifespan. Importing the SDK costs a process a third
of a second of CPU, which an API process serving no MCP request never pays."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup, TaskStatus
from fastapi import FastAPI
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from service.body_guard import OWN_NUL_CHECK

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

PATH = "/mcp"


def _built() -> tuple[ASGIApp, "StreamableHTTPSessionManager"]:
    from service.reservations.booking import mcp_server

    return mcp_server.streamable_app(PATH)


async def _serve(manager: "StreamableHTTPSessionManager", *, task_status: TaskStatus[None]) -> None:
    async with manager.run():
        task_status.started()
        await anyio.sleep_forever()


class McpEndpoint:
    """The MCP server's ASGI app, built by the first request of a lifespan, its session manager run in the lifespan's
    task group until the lifespan ends (a manager runs once: a later lifespan builds the server again)."""

    app: ASGIApp | None = None
    tasks: TaskGroup | None = None
    building: anyio.Lock

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.building = anyio.Lock()
        async with anyio.create_task_group() as self.tasks:
            try:
                yield
            finally:
                self.tasks.cancel_scope.cancel()  # stops the session manager
                self.app = self.tasks = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app or await self._build()
        await app(scope, receive, send)

    async def _build(self) -> ASGIApp:
        if self.tasks is None:
            raise RuntimeError("the MCP server is served within the app's lifespan")
        async with self.building:  # a request racing the first waits for its server
            if self.app is None:
                app, manager = await anyio.to_thread.run_sync(_built)  # the SDK's import leaves the event loop free
                await self.tasks.start(_serve, manager)
                self.app = app
            return self.app


def mount_mcp(app: FastAPI) -> None:
    endpoint = McpEndpoint()
    app.router.routes.append(Route(PATH, endpoint=endpoint))
    OWN_NUL_CHECK.add(PATH)  # NUL bytes in arguments are tool errors naming the argument, not an HTTP 400
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI):
        async with endpoint.running(), outer(application) as state:
            yield state

    app.router.lifespan_context = lifespan
