"""`python -m tests.support.stand_in_run`: tools.run's own supervision, with small stand-ins for the programs it starts.

tests/test_launcher.py starts the real platform once; what tools.run does when a child dies (stop everything and
exit 1 for an essential one, log and carry on for the demo agents) is checked on these stand-ins, which start in
milliseconds instead of the platform's half minute. The API stand-in answers /api/health, or exits at once with
STAND_IN_API_EXIT when that is set; the worker's stand-in leaves a helper in its process group, as Celery's pool and
beat do; each runs until tools.run signals it; the agents' stand-in exits 1, as agents that cannot sign in do.
"""

import os
import sys

from tools import run

EXIT_CODE_ENV = "STAND_IN_API_EXIT"
SLEEPER = "import signal; signal.pause()"  # runs until a signal stops it, as the real programs do
WITH_HELPER = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {SLEEPER!r}]); {SLEEPER}"
HEALTH_ONLY_API = """
import http.server, sys

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


def stand_in_children(api_port: int, dashboard_port: int) -> list[run.Child]:
    exit_code = os.environ.get(EXIT_CODE_ENV)
    api = f"import sys; sys.exit({int(exit_code)})" if exit_code else HEALTH_ONLY_API
    return [
        run.Child("api", [sys.executable, "-c", api, str(api_port)]),
        run.Child("worker", [sys.executable, "-c", WITH_HELPER]),
        run.Child("dashboards", [sys.executable, "-c", SLEEPER]),
    ]


def agents_that_cannot_sign_in(api_port: int) -> run.Child:
    return run.Child("agents", [sys.executable, "-c", "import sys; sys.exit(1)"], essential=False)


if __name__ == "__main__":
    run.children = stand_in_children
    run.demo_agents = agents_that_cannot_sign_in
    sys.exit(run.main())
