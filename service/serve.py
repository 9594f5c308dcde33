"""The API server: uvicorn with the service's fixed options, so what the benches and tests measure is what runs in
production.

- No proxy headers: forwarded headers are believed only from APP_TRUSTED_PROXIES (service/main.py).
- No uvicorn access log: the service writes its own (`metrics.log_failures_only`).
- No Server header: the software and its version are not advertised.
- Ready before it serves (`warm`): nobody's first request after a start pays for what the worker builds once.
- `gc.freeze` after start-up: each full collection would otherwise walk half a million long-lived objects, a pause of a
  tenth of a second or more.
- KEEP_ALIVE_SECONDS is longer than clients keep theirs (httpx: 5 s): with equal times a client could send on a
  connection the server was closing ("cannot connect").

python -m service.serve [--host 127.0.0.1] [--port 8000] [--workers 1] [--log-level info] [--app module:app]
"""

import argparse
import gc
from contextlib import suppress
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.routing import NoMatchFound

APP = "service.serve:served_app"
KEEP_ALIVE_SECONDS = 75
NO_ROUTE = "no route has this name"  # warm(): a lookup that visits every route
OPTIONS: dict[str, Any] = {
    "proxy_headers": False,
    "access_log": False,
    "server_header": False,
    "timeout_keep_alive": KEEP_ALIVE_SECONDS,
}


def served_app() -> FastAPI:
    """Imported here: each worker builds its own."""
    from service.main import create_app

    app = create_app()
    warm(app)
    gc.collect()
    gc.freeze()
    return app


def warm(app: FastAPI) -> None:
    """What a worker builds on first use, built now. FastAPI readies an included router's routes (each dependency's and
    body's validators) when the first request passes through it: a third of a CPU second for a domain's first page, per
    worker. Looking up a name no route has walks them all. The engine imports its driver (a tenth of a second)."""
    from service.database import get_engine

    with suppress(NoMatchFound):
        app.url_path_for(NO_ROUTE)
    get_engine()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m service.serve", description="Serve the Daichō API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (each with its own event loop)")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument("--app", help="another ASGI app (module:attribute) served with the same options")
    args = parser.parse_args(argv)
    app, factory = (args.app, False) if args.app else (APP, True)
    settings = {"host": args.host, "port": args.port, "workers": args.workers, "log_level": args.log_level}
    uvicorn.run(app, factory=factory, **settings, **OPTIONS)


if __name__ == "__main__":
    main()
