"""Shared bench helpers: the bench's own PostgreSQL database, a uvicorn server with N workers, a lean HTTP load
client, and the one final JSON line every bench prints.

Benches are run by hand (not in `make test`), only against 127.0.0.1.
"""

import asyncio
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"  # each bench's latest result (`keep_result`)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Each bench run has a database of its own (`bench_<pid>`, passed on to the processes it starts), so two benches at
# once never share one; APP_BENCH_DATABASE_URL names another. `fresh_bench_database` drops it when the bench ends.
BENCH_DB = os.environ.setdefault(
    "APP_BENCH_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/bench_{os.getpid()}"
)
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
# The browser benches' people: their passwords hashed and checked at bcrypt's cheapest cost (here and in the API), as
# signing in is not what is measured, and the window their pages are drawn in.
CHEAP_PASSWORDS = {"APP_BCRYPT_ROUNDS": "4"}
VIEWPORT = {"width": 1440, "height": 900}
BENCH_BOOKINGS = 1_000_000  # an MCP client's quotas in a bench: it books as fast as the machine allows


def bench_environment(data_dir: Path) -> dict[str, str]:
    """Environment for the service (and in-process service code) pointed at the bench database."""
    return {
        "APP_DATABASE_URL": BENCH_DB,
        "APP_ENV": "development",
        "APP_SECRET_KEY": SECRET,
        "APP_DATA_DIR": str(data_dir),
        "APP_REDIS_URL": "",
        "APP_RESERVATIONS_CLIENT_BOOKINGS_PER_MINUTE": str(BENCH_BOOKINGS),
        "APP_RESERVATIONS_CLIENT_BOOKINGS_PER_DAY": str(BENCH_BOOKINGS),
    }


def use_bench_database(data_dir: Path) -> None:
    """Point this process's service code at the bench database (before anything reads the settings)."""
    os.environ.update(bench_environment(data_dir))


def fresh_bench_database() -> None:
    """Create the bench database when missing, empty it, and migrate it to head; it is dropped when the bench ends."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(BENCH_DB)
    with _server_connection() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first():
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            atexit.register(drop_bench_database)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "service" / "migrations"))
    config.cmd_opts = None
    command.upgrade(config, "heads")


def bench_database_name() -> str:
    from sqlalchemy.engine import make_url

    return make_url(BENCH_DB).database or ""


def drop_bench_database() -> None:
    """Drop the bench database, ending any connection still open to it (stop the servers using it first)."""
    from sqlalchemy import text

    from service.database import get_engine

    get_engine().dispose()
    with _server_connection() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{bench_database_name()}" WITH (FORCE)'))


@contextmanager
def _server_connection() -> Iterator:
    """An autocommit connection to the bench database's server (its `postgres` database): creating, dropping."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(BENCH_DB).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


WORKER_START_SECONDS = 60


def start_worker(command: list[str], node: str, log_path: Path) -> Server:
    """A Celery worker (`command`, named `node`) with this process's environment, in its own process group; returns
    once it answers a ping (the process exits with its log's tail when it does not start)."""
    from jobs.celery_app import app

    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Server(process, 0, log_path)  # stopped as the server is: its process group
    deadline = time.monotonic() + WORKER_START_SECONDS
    while not app.control.ping(destination=[node], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            raise SystemExit(f"worker {node} did not start:\n{log_path.read_text()[-3000:]}")
    return worker


def start_server(
    data_dir: Path,
    *,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    app: str | None = None,
    under: tuple[str, ...] = (),
    start_seconds: float = 60,
) -> Server:
    """The API (`service.serve`, as in production; or another ASGI `app` with the same options) with N workers against
    the bench database on a free port, run `under` a tool (e.g. valgrind) when given; returns once /api/health
    answers."""
    import httpx

    port = free_port()
    env = {**os.environ, **bench_environment(data_dir), "PYTHONPATH": str(ROOT), **(extra_env or {})}
    log_path = data_dir / "server.log"
    command = [*under, sys.executable, "-m", "service.serve", "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", *(["--app", app] if app else [])]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, log_path)
    deadline = time.monotonic() + start_seconds
    pause = threading.Event()
    while True:
        if process.poll() is not None:
            raise SystemExit(f"server exited during start-up:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise SystemExit(f"server did not answer /api/health within {start_seconds:.0f} s")
        pause.wait(0.2)


def start_redis(data_dir: Path, port: int) -> subprocess.Popen:
    """The bench's own Redis (append-only, as the compose file runs it), on `port`; returns once it answers."""
    import redis

    if shutil.which("redis-server") is None:
        raise SystemExit("the bench starts a Redis of its own: install redis-server (Debian's package redis-server)")
    folder = data_dir / "redis"
    folder.mkdir(exist_ok=True)
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    command += ["--appendonly", "yes", "--save", "", "--logfile", str(folder / "redis.log")]
    process = subprocess.Popen(command, start_new_session=True)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.ping():
                return process
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"redis-server did not start: {(folder / 'redis.log').read_text()[-2000:]}") from None
            time.sleep(0.1)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def say(message: str) -> None:
    """A bench's progress, on stderr: stdout ends with the one JSON line."""
    print(message, file=sys.stderr, flush=True)


def print_result(result: dict) -> None:
    """The bench's one final line: JSON, so scripts can read it; kept as the bench's latest result too."""
    keep_result(Path(sys.argv[0]).stem, result)
    print(json.dumps(result, ensure_ascii=False), flush=True)


def measured_now() -> str:
    """The moment a result is kept with, to the minute, in UTC."""
    return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())


def keep_result(bench: str, figures: dict) -> None:
    """bench/results/<bench>.json: the figures with the commit the bench started at (marked when the tree had changes
    then), the moment and the load they were measured at; bench/README.md's table is made from these files
    (`python -m tools.bench_table`)."""
    kept = {
        "bench": bench,
        "commit": STARTED_AT,
        "measured_at": measured_now(),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "figures": figures,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{bench}.json").write_text(json.dumps(kept, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


KEPT_OUTPUT = (":(exclude)bench/results", ":(exclude)bench/README.md")  # what benches write: results, not code


def _commit() -> str:
    changed = _git("status", "--porcelain", "--untracked-files=no", "--", ".", *KEPT_OUTPUT)
    return _git("rev-parse", "--short", "HEAD") + ("+changes" if changed else "")


STARTED_AT = _commit()  # the code a bench runs is the code it started with, whatever is committed while it runs


# --- a lean HTTP/1.1 keep-alive client: the load generator must not eat the CPU it measures ---------------


class HttpConnection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one prepared request and read the whole response; reconnects when the server closed the socket."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def post_request(path: str, body: bytes, token: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def process_tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (the server's master and workers)."""
    import psutil

    root = psutil.Process(pid)
    return sum(_cpu(process) for process in [root, *root.children(recursive=True)])


def database_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to one database (not the shared WAL writer)."""
    import psutil

    marker = f" {database} "
    total = 0.0
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and marker in " ".join(process.info["cmdline"] or ()) + " ":
            total += _cpu(process)
    return total


def streamlit_server():
    """The Streamlit server this process started (psutil.Process)."""
    import psutil

    (server,) = [child for child in psutil.Process().children() if "streamlit" in " ".join(child.cmdline())]
    return server


def streamlit_cpu_seconds() -> float:
    """The user and system CPU seconds so far of the Streamlit server this process started."""
    return _cpu(streamlit_server())


def _cpu(process) -> float:
    import psutil

    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return times.user + times.system


@dataclass
class CpuMeter:
    """CPU seconds spent by the server, its database backends and this load generator during one measurement."""

    server_pid: int
    start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    began_at: float | None = None  # perf_counter() at begin(): None until then
    seconds: float = 0.0  # how long the measurement lasted, set by end()

    def _now(self) -> tuple[float, float, float]:
        return process_tree_cpu(self.server_pid), database_cpu(bench_database_name()), time.process_time()

    def begin(self) -> None:
        self.start, self.began_at = self._now(), time.perf_counter()

    def end(self) -> dict[str, float]:
        server, database, client = (now - before for now, before in zip(self._now(), self.start, strict=True))
        self.seconds = time.perf_counter() - (self.began_at or time.perf_counter())
        return {"server": server, "database": database, "client": client}


def run(main):
    """asyncio.run on uvloop: the load generator spends less of the shared CPU per request."""
    import uvloop

    return uvloop.run(main)


def load_average() -> float:
    return round(os.getloadavg()[0], 1)


@dataclass
class LoadResult:
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, other: "LoadResult") -> None:
        """Fold another run of the same requests into this one."""
        self.ok += other.ok
        self.failed += other.failed
        self.latencies += other.latencies
        self.seconds += other.seconds
        for name, seconds in other.cpu.items():
            self.cpu[name] = self.cpu.get(name, 0.0) + seconds

    def cpu_ms_per_request(self) -> dict[str, float]:
        """CPU milliseconds per successful request, by consumer: the figure that holds on a shared machine."""
        return {name: round(1000 * seconds / max(self.ok, 1), 3) for name, seconds in self.cpu.items()}

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def run_load(
    port: int, requests: list[bytes], *, concurrency: int, seconds: float, meter: CpuMeter | None = None
) -> LoadResult:
    """`concurrency` connections cycle through the prepared requests for `seconds`; latency in milliseconds."""
    result = LoadResult()
    stop_at = time.perf_counter() + seconds
    position = 0

    async def worker() -> None:
        nonlocal position
        connection = HttpConnection(port)
        try:
            while time.perf_counter() < stop_at:
                index = position % len(requests)
                position += 1
                started = time.perf_counter()
                try:
                    status, _ = await connection.request(requests[index])
                except (ConnectionError, asyncio.IncompleteReadError):
                    connection.close()
                    result.failed += 1
                    continue
                if status == 200:
                    result.ok += 1
                    result.latencies.append((time.perf_counter() - started) * 1000)
                else:
                    result.failed += 1
        finally:
            connection.close()

    if meter is not None:
        meter.begin()
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - began
    if meter is not None:
        result.cpu = meter.end()
    return result
