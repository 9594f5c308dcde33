"""The dashboards as Streamlit serves them: `streamlit run dashboards/serve.py` (make run, compose, the browser tests).

Streamlit's ASGI app (`st.App`) runs the app (streamlit_app.py) with one middleware of ours: every answer carries the
security headers the API's do (clientkit/security_headers.py), so no other site can frame the dashboards. Before it
serves, it loads what the pages use (warm.py).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from clientkit.security_headers import SECURITY_HEADERS  # noqa: E402
from dashboards.warm import warm  # noqa: E402


class SecurityHeaders:
    """ASGI middleware: each HTTP answer gets the security headers (Streamlit sends none of them itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


warm()
app = st.App("streamlit_app.py", middleware=[Middleware(SecurityHeaders)])
