"""The API server: uvicorn with the service's fixed options, so what the benches and tests measure is what runs in
production.

- No proxy headers: forwarded headers are believed only from APP_TRUSTED_PROXIES (service/main.py).
- No uvicorn access log: the service writes its own (`metrics.log_failures_only`).
- No Server header: the software and its version are not advertised.
- `gc.freeze` after start-up: each full collection would otherwise walk half a million long-lived objects, a pause of a
  tenth of a second or more.
- KEEP_ALIVE_SECONDS is longer than clients keep theirs (httpx: 5 s): with equal times a client could send on a
  connection the server was closing ("cannot connect").

python -m service.serve [--host 127.0.0.1] [--port 8000] [--workers 1] [--log-level info] [--app module:app]
"""

import argparse
import gc
from typing import Any

import uvicorn
from fastapi import FastAPI

APP = "service.serve:served_app"
KEEP_ALIVE_SECONDS = 75
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
    gc.collect()
    gc.freeze()
    return app


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
