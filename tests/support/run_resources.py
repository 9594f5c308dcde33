"""What one test run owns alone on the shared servers: a PostgreSQL database and a Redis database of its own.

Two runs on one machine (two `make test`s, an engineer's module beside CI) never share or drop each other's data:
the run's database is the configured one's name with `_run<id>` added (created at the start, dropped at the end) and
its broker is a Redis database claimed for the run (a key in the server's database 0 names its owner). The run
id is the pytest process's pid, inherited by every process the run starts (DAICHO_TEST_RUN_ID), so a run that died
without cleaning up is known by its pid no longer running: its database is dropped and its Redis claim taken over by
the next run.
"""

import os
import re
from urllib.parse import urlsplit

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

RUN_ID_VARIABLE = "DAICHO_TEST_RUN_ID"
REDIS_CLAIM_KEY = "daicho-test-run:redis-db:{number}"
REDIS_DATABASES = range(1, 16)  # Redis' default 16 databases, database 0 holding the claims
REDIS_CLAIM_SECONDS = 6 * 3600  # a claim outlives any run; a run that died leaves one this long at most


def started_by_a_run() -> bool:
    """Whether this process was started by a test run (a worker, a server): the run's URLs are in its environment."""
    return os.environ.get(RUN_ID_VARIABLE, str(os.getpid())) != str(os.getpid())


def run_id() -> str:
    """This run's id: the pid of the pytest process that started it, kept for every process it starts."""
    return os.environ.setdefault(RUN_ID_VARIABLE, str(os.getpid()))


def _running(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True  # another user's process, or an id that is no pid: never taken over
    return True


def run_database_url(configured: str) -> str:
    """The run's own database beside the configured one: `test` → `test_run<id>`."""
    url = make_url(configured)
    return url.set(database=f"{url.database}_run{run_id()}").render_as_string(hide_password=False)


def _admin_engine(url: URL):
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def drop_abandoned_databases(configured: str) -> list[str]:
    """Drop the databases (and their `_…` companions) of runs whose process is gone; their names."""
    url = make_url(configured)
    pattern = re.compile(rf"^{re.escape(url.database or '')}_run(\d+)(_.*)?$")
    admin = _admin_engine(url)
    dropped = []
    with admin.connect() as conn:
        for (name,) in conn.execute(text("SELECT datname FROM pg_database")):
            found = pattern.match(name)
            if found and not _running(found.group(1)):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                dropped.append(name)
    admin.dispose()
    return dropped


def drop_run_databases(run_url: str) -> None:
    """At the run's end: its database and the companions its tests made beside it (`…_replica`, `…_migrations`)."""
    url = make_url(run_url)
    admin = _admin_engine(url)
    with admin.connect() as conn:
        names = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname = :name OR datname LIKE :companions"),
            {"name": url.database, "companions": f"{url.database}\\_%"},
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def claim_redis_database(configured: str) -> str:
    """The URL of a Redis database claimed for this run (emptied of what a dead run left); raises when all are taken."""
    client = _claims(configured)
    try:
        for number in REDIS_DATABASES:
            if _claim(client, REDIS_CLAIM_KEY.format(number=number)):
                claimed = urlsplit(configured)._replace(path=f"/{number}").geturl()
                redis.Redis.from_url(claimed).flushdb()
                return claimed
    finally:
        client.close()
    raise RuntimeError(f"every Redis database {REDIS_DATABASES.start}–{REDIS_DATABASES.stop - 1} is claimed by a run")


def _claims(configured: str) -> redis.Redis:
    """The server's database 0, where every run's claims are kept whichever database a run was configured with."""
    return redis.Redis.from_url(urlsplit(configured)._replace(path="/0").geturl())


def _claim(client: redis.Redis, key: str) -> bool:
    """Take the key for this run if it is free or its owner's process is gone (atomically against another run)."""
    if client.set(key, run_id(), nx=True, ex=REDIS_CLAIM_SECONDS):
        return True
    with client.pipeline() as pipe:
        try:
            pipe.watch(key)
            owner = pipe.get(key)
            if owner is not None and _running(owner.decode()):
                return False
            pipe.multi()
            pipe.set(key, run_id(), ex=REDIS_CLAIM_SECONDS)
            pipe.execute()
        except redis.WatchError:
            return False
    return True


def release_redis_database(configured: str, claimed: str) -> None:
    """At the run's end: the claimed database emptied and its claim given back (only if it is still this run's)."""
    number = int(urlsplit(claimed).path.strip("/"))
    redis.Redis.from_url(claimed).flushdb()
    client = _claims(configured)
    key = REDIS_CLAIM_KEY.format(number=number)
    if client.get(key) == run_id().encode():
        client.delete(key)
    client.close()
