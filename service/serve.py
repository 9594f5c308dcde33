"""The API server: uvicorn with the service's fixed options. `make run`, the image, docker compose, the benches and
the tests' live server all start the API through these, so what is measured is what runs in production.

- No proxy headers: the app believes forwarded headers only from APP_TRUSTED_PROXIES (service/main.py), never
  uvicorn's default trust of 127.0.0.1.
- No uvicorn access log: the service writes its own (request id, route template, time) and leaves out the successes
  of the agents' and stations' hot routes, hundreds a second (`metrics.log_failures_only`); they are counted in the
  metrics.
- No Server header: the software and its version are not advertised.
- What the app built to start (half a million objects living as long as the process) is frozen out of the garbage
  collector's walks (`gc.freeze`): each full collection would otherwise walk it all again, a pause of a tenth of a
  second or more on whichever requests were under way.
- Idle keep-alive connections stay open for KEEP_ALIVE_SECONDS, longer than clients keep theirs (httpx: 5 s, the
  uvicorn default too). With equal times, a client could send on a connection the server was closing, and the request
  failed as "cannot connect" (seen as a dashboard login refused in a browser test).

    python -m service.serve [--host 127.0.0.1] [--port 8000] [--workers 1] [--log-level info] [--app module:app]

`--app` serves another ASGI app with the same options: `bench/scans.py` measures a bare one to show what the server
itself costs per request.
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
    """The service's app, what it built frozen out of the collector's walks (imported here: each worker builds
    its own)."""
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
