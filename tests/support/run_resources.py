"""What one test run owns: a Redis server it started and the PostgreSQL databases it created; it touches nothing else.

Two runs on one machine (two `make test`s, an engineer's module beside CI) never share, flush or drop each other's
data, nor anything else the servers hold (`make run`'s broker, a developer's database):

- Redis: the run starts a `redis-server` of its own on a free port of 127.0.0.1, without persistence, its log in the
  run's data folder; every process of the run uses it (workers, live servers, the production shape) and the run stops
  it at its end. No other Redis is read or written.
- PostgreSQL: the run's database is the configured one's name with `_run<id>` added, and its tests make companions
  beside it (`…_replica`, `…_migrations`). Each is marked as the run's as it is created (COMMENT ON DATABASE: the
  machine and the run's pid), and only databases bearing a run's mark are dropped: the run's own at its end, and
  those a run of this machine left when it died (its pid no longer running here). A database without a mark, or with
  another machine's, is left alone whatever its name.

The run id is the pytest process's pid, inherited by every process the run starts (DAICHO_TEST_RUN_ID).
"""

import json
import os
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.support.ports import free_port
from tests.support.waiting import wait_until

RUN_ID_VARIABLE = "DAICHO_TEST_RUN_ID"
XDIST_WORKER_VARIABLE = "PYTEST_XDIST_WORKER"  # set by pytest-xdist in each worker it starts, and inherited
RUN_WORKER_VARIABLE = "DAICHO_TEST_RUN_WORKER"  # the xdist worker that made itself a run
REDIS_SERVER = "redis-server"  # Debian's package redis-server, which `make test` installs (tools/test.py)
REDIS_START_SECONDS = 30.0  # a deadline, not a wait: it answers within milliseconds
MARK = "daicho test run"  # the key of a run's mark, the JSON comment on each database it creates
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
PID_NAMESPACE = Path("/proc/self/ns/pid")


def started_by_a_run() -> bool:
    """Whether this process was started by a test run (a worker, a server): the run's URLs are in its environment."""
    return os.environ.get(RUN_ID_VARIABLE, str(os.getpid())) != str(os.getpid())


def claim_xdist_worker() -> None:
    """An xdist worker is a run of its own (its own databases and Redis, as a pass of its own), though it inherited the
    environment of the pytest that started it: it takes the run id, and what it starts inherits both."""
    worker = os.environ.get(XDIST_WORKER_VARIABLE)
    if worker is not None and os.environ.get(RUN_WORKER_VARIABLE) != worker:
        os.environ[RUN_WORKER_VARIABLE] = worker
        os.environ[RUN_ID_VARIABLE] = str(os.getpid())


def run_id() -> str:
    """This run's id: the pid of the pytest process that started it, kept for every process it starts."""
    return os.environ.setdefault(RUN_ID_VARIABLE, str(os.getpid()))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


# --- Redis ----------------------------------------------------------------------------------------------------------


@dataclass
class RunRedis:
    """The run's own Redis server."""

    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def start_redis(folder: Path, port: int | None = None) -> RunRedis:
    """Start the run's Redis (no snapshots, no append-only file; its log in `folder`) on `port` (a free one when None)
    and return once it answers."""
    binary = shutil.which(REDIS_SERVER)
    if binary is None:
        raise SystemExit(
            f"The PostgreSQL pass starts a Redis of its own and {REDIS_SERVER} is missing: install Debian's package"
            f" {REDIS_SERVER} (`make test` does where apt-get can be used)."
        )
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = folder / "redis.log"
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder), "--logfile", str(log)]
    process = subprocess.Popen([*command, "--save", "", "--appendonly", "no"], stdin=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=1)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{REDIS_SERVER} on port {port} exited: {log.read_text()[-2000:]}")
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_until(answers, timeout=REDIS_START_SECONDS, message=f"{REDIS_SERVER} on port {port} answering")
    finally:
        client.close()
    return RunRedis(process, f"redis://127.0.0.1:{port}/0")


# --- PostgreSQL -----------------------------------------------------------------------------------------------------


def this_machine() -> str:
    """Where a pid names the same process: this boot of the kernel and this pid namespace (a container has its own);
    the host's name where the kernel says neither."""
    if not BOOT_ID.exists():
        return socket.gethostname()
    return f"{BOOT_ID.read_text().strip()} {os.readlink(PID_NAMESPACE)}"


def run_mark(pid: int) -> str:
    """The comment a run puts on each database it creates: the machine, the run's pid, and the host's name for
    whoever reads it."""
    return json.dumps({MARK: {"machine": this_machine(), "pid": pid, "host": socket.gethostname()}})


def _owner(comment: str | None) -> dict[str, Any] | None:
    """The run a database's comment names as its creator, or None for a database no run marked."""
    try:
        mark = json.loads(comment or "")
    except ValueError:
        return None
    return mark.get(MARK) if isinstance(mark, dict) else None


def _this_runs(owner: dict[str, Any] | None) -> bool:
    return owner is not None and owner.get("machine") == this_machine() and owner.get("pid") == int(run_id())


def _abandoned(owner: dict[str, Any] | None) -> bool:
    """Marked by a run of this machine whose process is gone."""
    return owner is not None and owner.get("machine") == this_machine() and not _running(int(owner.get("pid", 0)))


def run_database_url(configured: str) -> str:
    """The run's own database beside the configured one: `test` → `test_run<id>`."""
    url = make_url(configured)
    return url.set(database=f"{url.database}_run{run_id()}").render_as_string(hide_password=False)


def server_connection(url: str) -> psycopg.Connection:
    """An autocommit session on the `postgres` database of the URL's server (CREATE and DROP DATABASE take no
    transaction)."""
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)


def _databases(conn: psycopg.Connection) -> dict[str, dict[str, Any] | None]:
    """Every database of the server -> the run that marked it, or None."""
    rows = conn.execute("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database")
    return {name: _owner(comment) for name, comment in rows}


def _drop(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_run_database(url: str) -> None:
    """Create the database named in the URL, marked as this run's; one of that name this run marked (a dead run's of
    the same pid here, or a companion made earlier in the run) is dropped first, anyone else's is never touched. Its
    commits do not wait for the disk (synchronous_commit off): what one commits every other session sees at once; only
    a crash of the server could lose the last ones, and a run's database does not outlive its run."""
    database = make_url(url).database or ""
    name = sql.Identifier(database)
    with server_connection(url) as conn:
        databases = _databases(conn)
        if database in databases:
            if not _this_runs(databases[database]):
                raise RuntimeError(f"database {database} exists and is not this run's: it is left alone")
            _drop(conn, database)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(run_mark(int(run_id())))))
        conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit TO off").format(name))


def drop_abandoned_databases(configured: str) -> list[str]:
    """Drop the databases that runs of this machine created and left when they died; their names."""
    named_by_a_run = re.compile(rf"^{re.escape(make_url(configured).database or '')}_run\d+(_.*)?$")
    with server_connection(configured) as conn:
        dropped = [name for name, owner in _databases(conn).items() if named_by_a_run.match(name) and _abandoned(owner)]
        for name in dropped:
            _drop(conn, name)
    return dropped


def drop_run_databases(run_url: str) -> None:
    """At the run's end (or a companion's): the database and the companions made beside it (`…_replica`,
    `…_migrations`), those this run marked."""
    database = make_url(run_url).database
    with server_connection(run_url) as conn:
        for name, owner in _databases(conn).items():
            if (name == database or name.startswith(f"{database}_")) and _this_runs(owner):
                _drop(conn, name)
