"""Start the whole product locally: the API, a Celery worker per class of work (service/task_queues.py: the critical
one runs beat too), the dashboards, and a few simulated agents.

Each child runs in its own process group. Ctrl-C or SIGTERM stops every group (SIGTERM, then SIGKILL
after a grace period) and exits 0; if the API, a worker or the dashboards dies on its own, the others are stopped
and the exit is 1. The simulated agents (`python -m agent.simulate`, started once the API answers) only make the
demo move: if they die, that is logged and the platform keeps running. APP_DEMO_AGENTS=0 leaves them out.
Ports: APP_API_PORT (8000) and APP_DASHBOARD_PORT (8501). The public URLs the children put in links (SMS and email
links, payment links, MCP cancel URLs, loaner QR codes) follow those ports unless APP_PUBLIC_BASE_URL or
APP_DASHBOARD_URL is set explicitly (in the environment or .env).

The children log warnings and errors only (APP_RUN_LOG_LEVEL: info or debug for more; `make run LOG_LEVEL=info`) and
the API's access log is off unless APP_ACCESS_LOG=1 (`make run ACCESS_LOG=1`), so the banner, printed once the API,
the dashboards and the worker's beat have started, stays the last thing on the screen: the URLs, every demo login and
where to start.
"""

import functools
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from service.task_queues import BULK, CRITICAL

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_API_PORT = 8000
DEFAULT_DASHBOARD_PORT = 8501
LOG_LEVELS = ("debug", "info", "warning", "error")  # what uvicorn, Celery and Streamlit all understand
QUIET_LOG_LEVEL = "warning"
FIRST_PAGE = "app_pages/fleet/dashboard.py"  # where the banner and the README's quick start send a newcomer
BANNER_WIDTH = 110
LABEL_WIDTH = 12  # terminal columns of a domain's label in the banner's list of logins
TICK_SECONDS = 0.2
GRACE_SECONDS = 15.0
READY_TIMEOUT_SECONDS = 120.0
DEMO_AGENTS = 5
DEMO_AGENT_INTERVAL_SECONDS = 30
DEMO_AGENT_ERROR_RATE = 0.01  # now and then a simulated terminal reports an error, and recovers
# Pool processes per class on a 2-core machine: deliveries mostly wait on the network, so two of them; bulk work
# (PDFs, imports) uses a core while it runs, so one, leaving the other to the API and the critical worker.
WORKER_CONCURRENCY = {CRITICAL: 2, BULK: 1}


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)
    essential: bool = True  # when an essential child dies, everything stops; any other is only logged

    @property
    def pgid(self) -> int:
        return self.process.pid


def ports() -> tuple[int, int]:
    api = int(os.environ.get("APP_API_PORT", DEFAULT_API_PORT))
    return api, int(os.environ.get("APP_DASHBOARD_PORT", DEFAULT_DASHBOARD_PORT))


def log_level() -> str:
    """The children's log level: APP_RUN_LOG_LEVEL, by default warnings and errors only."""
    level = os.environ.get("APP_RUN_LOG_LEVEL", QUIET_LOG_LEVEL).strip().lower()
    if level not in LOG_LEVELS:
        raise SystemExit(f"APP_RUN_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level


def children(api_port: int, dashboard_port: int) -> list[Child]:
    python, level = sys.executable, log_level()
    return [
        Child(
            "api",
            [python, "-m", "service.serve", "--host", HOST, "--port", str(api_port), "--log-level", level],
        ),
        Child("worker", worker_argv(CRITICAL, level, "-B")),  # beat runs once, beside the critical worker
        Child("worker-bulk", worker_argv(BULK, level)),
        Child("dashboards", dashboards_argv(dashboard_port, level), env=dashboards_environment()),
    ]


def dashboards_argv(port: int, level: str, script: str = "dashboards/serve.py") -> list[str]:
    """The dashboards' server on loopback (dashboards/serve.py, or another Streamlit script: a test's page), as `make
    run` and the browser tests start it, without the file watcher, which walks every loaded module for each new session
    (docs/operations.md, Scaling out)."""
    options = {
        "server.port": str(port),
        "server.address": HOST,
        "server.headless": "true",
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
        "logger.level": level,
        "logger.hideWelcomeMessage": "true",
    }
    flags = [part for name, value in options.items() for part in (f"--{name}", value)]
    return [sys.executable, "-m", "streamlit", "run", script, *flags]


def dashboards_environment() -> dict[str, str]:
    """Streamlit's server (uvicorn) believes X-Forwarded-For only from APP_TRUSTED_PROXIES (environment or .env; none
    by default), where uvicorn's own default would believe any process on this machine."""
    from service.config import Settings

    return {"FORWARDED_ALLOW_IPS": ",".join(Settings().trusted_proxy_hosts)}


def worker_argv(queue: str, level: str, *extra: str) -> list[str]:
    """A Celery worker taking one queue, under a node name of its own."""
    # --quiet: no start-up banner (the task list and the broker's address)
    celery = [sys.executable, "-m", "celery", "-A", "jobs.celery_app", "--quiet", "worker"]
    options = ["-Q", queue, "-n", f"{queue}@%h", *extra, "--concurrency", str(WORKER_CONCURRENCY[queue])]
    return celery + options + ["--loglevel", level]


def demo_agents_wanted() -> bool:
    """APP_DEMO_AGENTS (environment or .env); the service reads it too, and its fleet dashboards explain the silence."""
    from service.config import Settings

    return Settings().demo_agents


def access_log_wanted() -> bool:
    """The API's access log is off under `make run` unless APP_ACCESS_LOG is set (environment or .env)."""
    from service.config import Settings

    settings = Settings()
    return "access_log" in settings.model_fields_set and settings.access_log


def agents_home() -> Path:
    from service.config import get_settings

    return get_settings().data_dir / "demo-agents"


def agents_state_file() -> Path:
    return agents_home() / "state.json"


def demo_agents(api_port: int) -> Child:
    """A handful of simulated TC-200 agents: they enrol terminals no agent holds yet, then heartbeat every 30 s.

    Their tokens are kept under the data dir, so a restart brings back the same terminals."""
    from service.demo.platform import ADMIN_LOGIN, ADMIN_PASSWORD

    argv = [
        sys.executable,
        "-m",
        "agent.simulate",
        "--server",
        f"http://{HOST}:{api_port}",
        "--terminals",
        str(DEMO_AGENTS),
        "--interval",
        str(DEMO_AGENT_INTERVAL_SECONDS),
        "--duration",
        "0",
        "--admin-login",
        ADMIN_LOGIN,
        "--state-file",
        str(agents_state_file()),
        "--work-dir",
        str(agents_home() / "work"),
        "--error-rate",
        str(DEMO_AGENT_ERROR_RATE),
    ]
    # The password goes through the environment, not the command line (which `ps` shows to everyone).
    return Child("agents", argv, env={"DAICHO_SIM_ADMIN_PASSWORD": ADMIN_PASSWORD}, essential=False)


def forget_stale_agents(state_file: Path, api_url: str) -> None:
    """Tokens saved against an earlier database (after `make clean`) are unknown to this one: drop them, so the
    agents enrol afresh instead of being refused."""
    from agent.client import HEARTBEAT_PATH, bearer, heartbeat_body
    from agent.device import DeviceStatus, HostLoad
    from agent.simulate import load_state_file

    saved = load_state_file(state_file)
    if not saved:
        return
    token = next(iter(saved.values()))["token"]
    body = heartbeat_body(status=DeviceStatus("online"), firmware_version="1.0.0", load=HostLoad(0, 0, 0), events=[])
    try:
        answer = httpx.post(f"{api_url}{HEARTBEAT_PATH}/validate", json=body, headers=bearer(token), timeout=5.0)
    except httpx.HTTPError:
        return
    if answer.status_code == 401:
        print("[run] the saved demo agents belong to another database: enrolling new ones", flush=True)
        state_file.unlink(missing_ok=True)


def public_urls(api_port: int, dashboard_port: int) -> dict[str, str]:
    """APP_PUBLIC_BASE_URL and APP_DASHBOARD_URL for the ports in use, leaving out those set explicitly."""
    from service.config import Settings

    explicit = Settings().model_fields_set
    derived = {"public_base_url": f"http://{HOST}:{api_port}", "dashboard_url": f"http://{HOST}:{dashboard_port}"}
    return {f"APP_{name.upper()}": url for name, url in derived.items() if name not in explicit}


def dashboards_key() -> str:
    """APP_DASHBOARDS_KEY (environment or .env), else one made for this run: the API and the dashboards get the same."""
    from service.config import Settings

    return Settings().dashboards_key or secrets.token_urlsafe(32)


def child_environment(api_port: int, dashboard_port: int) -> dict[str, str]:
    internal = {
        "APP_API_URL": f"http://{HOST}:{api_port}",
        "APP_DASHBOARDS_KEY": dashboards_key(),
        "APP_ACCESS_LOG": "1" if access_log_wanted() else "0",
        "PYTHONUNBUFFERED": "1",
    }
    return os.environ | public_urls(api_port, dashboard_port) | internal


def start(child: Child, env: dict[str, str]) -> None:
    child.process = subprocess.Popen(child.argv, cwd=REPO_ROOT, env=env | child.env, process_group=0)


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (not zombie) processes of the group, wherever they were reparented."""
    members = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def stop_all(running: list[Child], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM each leader (so it shuts its own helpers down), then the rest of its group once the leader is gone,
    and SIGKILL every group still alive after the grace period."""
    for child in running:
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(child) for child in running):
        for child in running:
            if child.process.poll() is not None:
                signal_group(child.pgid, signal.SIGTERM)
        time.sleep(TICK_SECONDS)
    for child in running:
        if alive(child):
            print(f"[run] {child.name} did not stop within {grace:.0f}s: killing it", flush=True)
            signal_group(child.pgid, signal.SIGKILL)
        child.process.wait()


def alive(child: Child) -> bool:
    child.process.poll()
    return bool(group_members(child.pgid))


@functools.cache
def probe() -> httpx.Client:
    """One client for every readiness check: `httpx.get` makes a client per call, whose TLS context (the CA bundle,
    parsed) took 20 ms of CPU, two checks every tick until the banner."""
    return httpx.Client(timeout=1.0)


def answers(url: str) -> bool:
    try:
        return probe().get(url).status_code == 200
    except httpx.HTTPError:
        return False


def beat_started(since: float) -> bool:
    """Whether the worker's beat has written its schedule file since `since` (as it does when it starts; the compose
    file's beat health check reads the same file): the worker's start-up output is then behind us."""
    from service.config import get_settings

    return any(written_since(path, since) for path in get_settings().data_dir.glob("celerybeat-schedule*"))


def written_since(path: Path, since: float) -> bool:
    try:
        return path.stat().st_mtime >= since
    except FileNotFoundError:  # beat replaces the schedule's files as it saves them
        return False


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def first_steps(dashboard_port: int) -> str:
    """Where a newcomer starts: the dashboards, the demo's platform admin, the fleet dashboard (as README says)."""
    from dashboards.sections import SECTIONS
    from service.demo.platform import ADMIN_LOGIN, ADMIN_PASSWORD

    section, page = next((s, p) for s in SECTIONS for p in s.pages if p.path == FIRST_PAGE)
    login = f"{ADMIN_LOGIN} / {ADMIN_PASSWORD}"
    return f"最初に開く: http://{HOST}:{dashboard_port} → {login} で ログイン → {section.label} › {page.title}"


def login_lines() -> list[str]:
    """Every login the demo creates (as its hooks declare them), a line per domain; a password other than the common
    one follows its login."""
    from service.demo.framework import demo_logins
    from service.demo.platform import DEMO_PASSWORD
    from service.roles import DOMAINS

    by_domain: dict[str, list[str]] = {}
    for login in demo_logins():
        shown = login.login_id if login.password == DEMO_PASSWORD else f"{login.login_id} / {login.password}"
        by_domain.setdefault(login.domain, []).append(shown)
    lines = [f"  Demo logins  password {DEMO_PASSWORD} unless shown"]
    for domain, logins in by_domain.items():
        label = DOMAINS[domain].label
        indent = "    " + label + " " * (LABEL_WIDTH - display_width(label))
        lines += textwrap.wrap(
            ", ".join(logins),
            width=BANNER_WIDTH,
            initial_indent=indent,
            subsequent_indent=" " * (4 + LABEL_WIDTH),
            break_on_hyphens=False,
            break_long_words=False,
        )
    return lines


def ocr_line() -> str:
    """What reads uploaded bills, or the one command that makes it read them."""
    from service.crm.ocr import engine

    state, configured = engine.state(), engine.configured()
    if state.available:
        return f"{state.engine}, {state.version} (APP_OCR_ENGINE)"
    if not configured.setup:
        return "off (APP_OCR_ENGINE=none)"
    instead = "" if configured.name.startswith("ppocr") else " (or APP_OCR_ENGINE=ppocrv6, which pip installed)"
    return f"{state.engine} is not installed here: `{configured.setup}` installs it{instead}"


def banner(api_port: int, dashboard_port: int, agents: bool) -> str:
    from service.api_docs import DOCS_PATH

    simulated = (
        f"{DEMO_AGENTS} simulated terminals heartbeat every {DEMO_AGENT_INTERVAL_SECONDS} s (APP_DEMO_AGENTS=0: none)"
        if agents
        else "none (APP_DEMO_AGENTS=0): the fleet dashboards say why no heartbeat arrives"
    )
    access = "on" if access_log_wanted() else "off"
    return "\n".join(
        [
            "",
            "  Daichō is running (Ctrl-C stops everything)",
            f"  Dashboards   http://{HOST}:{dashboard_port}",
            f"  API          http://{HOST}:{api_port}/api   (docs: http://{HOST}:{api_port}{DOCS_PATH})",
            f"  Demo agents  {simulated}",
            f"  Logs         {log_level()} and above, access log {access} (make run LOG_LEVEL=info ACCESS_LOG=1: more)",
            f"  OCR          {ocr_line()}",
            *login_lines(),
            "",
            f"  {first_steps(dashboard_port)}",
            "",
        ]
    )


class Stop:
    """Set by SIGINT, SIGTERM or SIGHUP; the main loop notices it on its next tick."""

    requested = False

    @classmethod
    def install(cls) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, cls._handle)

    @classmethod
    def _handle(cls, signum: int, _frame: object) -> None:
        cls.requested = True


def start_late(waiting: list[Child], running: list[Child], env: dict[str, str]) -> None:
    """Start the children that need the API (the demo agents enrol through it)."""
    for child in waiting:
        if child.name == "agents":
            forget_stale_agents(agents_state_file(), env["APP_API_URL"])
        start(child, env)
        running.append(child)
    waiting.clear()


def ready(dashboard_port: int, since: float) -> bool:
    """The dashboards answer and the worker's beat has started (the API answers already)."""
    return answers(f"http://{HOST}:{dashboard_port}/_stcore/health") and beat_started(since)


def supervise(
    running: list[Child], api_port: int, dashboard_port: int, waiting: list[Child], env: dict[str, str], since: float
) -> int:
    """Wait for a stop request (exit 0) or an essential child's death (exit 1); start the waiting children once the
    API answers, and print the banner once everything started after `since` has."""
    ready_deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    agents = bool(waiting)
    announced = False
    while not Stop.requested:
        dead = next((child for child in running if child.process.poll() is not None), None)
        if dead is not None:
            exited = f"[run] {dead.name} exited with code {dead.process.returncode}"
            if dead.essential:
                print(f"{exited}: stopping the others", flush=True)
                return 1
            # Not part of the platform (the demo agents): say so and carry on without it.
            print(f"{exited}: the platform keeps running", flush=True)
            running.remove(dead)
            stop_all([dead])  # whatever it left in its process group
            continue
        api_up = not announced and answers(f"http://{HOST}:{api_port}/api/health")
        if api_up and waiting:
            start_late(waiting, running, env)
        if api_up and ready(dashboard_port, since):
            print(banner(api_port, dashboard_port, agents), flush=True)
            announced = True
        elif not announced and time.monotonic() > ready_deadline:
            waited = f"the API on :{api_port}, the dashboards on :{dashboard_port} and the worker's beat"
            print(f"[run] still waiting for {waited}", flush=True)
            ready_deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        time.sleep(TICK_SECONDS)
    print("[run] stopping", flush=True)
    return 0


def main() -> int:
    api_port, dashboard_port = ports()
    Stop.install()
    env = child_environment(api_port, dashboard_port)
    running: list[Child] = []
    waiting = [demo_agents(api_port)] if demo_agents_wanted() else []
    code = 1
    since = time.time()
    try:
        for child in children(api_port, dashboard_port):
            start(child, env)
            running.append(child)
        code = supervise(running, api_port, dashboard_port, waiting, env, since)
    finally:
        stop_all(running)
    print(f"[run] all stopped (exit {code})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
