"""Test harness: one real database per run (SQLite file or PostgreSQL), migrated with Alembic, emptied after each test.

The backend comes from DAICHO_TEST_BACKEND (sqlite | postgres), the tier from DAICHO_TEST_TIER (test | check): `make
test` and `make check` run the suite once per backend, side by side (tools/test.py).
"""

import copy
import functools
import gc
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from httpx import _config as httpx_config

from tests.support import dialect_guard, run_resources, sqlite_locks, test_costs
from tests.support.waiting import HTTP_DEADLINE_SECONDS
from tools.test import GUARD_REPORT_ENV, OTHER_PASS, POSTGRES_IN_CHECK, SYSTEM_MARKERS, SYSTEM_TIER, TIER_ENV

pytest_plugins = ["pytester"]  # tests/test_dialect_guard.py runs a small suite of its own

BACKEND = os.environ.get("DAICHO_TEST_BACKEND", "sqlite")
# "test" (`make test`: the fast tier) or "check" (`make check`, and a run by hand: every test of the backend)
TIER = os.environ.get(TIER_ENV, "check")
REPO_ROOT = Path(__file__).resolve().parent.parent
# the PostgreSQL server a PostgreSQL run uses: it makes its own databases beside the configured one (and starts its own
# Redis: tests/support/run_resources.py)
CONFIGURED_DATABASE_URL = os.environ.get("APP_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATA_DIR = Path(tempfile.mkdtemp(prefix="daicho-test-"))
TEST_BCRYPT_ROUNDS = 4


def configure_environment() -> run_resources.RunRedis | None:
    """The run's environment, inherited by every process it starts; the Redis server a PostgreSQL run starts."""
    # the machine's zone and locale are not the tests': UTC as on a server (a test needing Japan's hour sets its own
    # clock: tests/support/clock.py) and C.UTF-8, inherited by every process a test starts
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ["LC_ALL"] = "C.UTF-8"
    os.environ["APP_ENV"] = "test"
    os.environ["APP_DATA_DIR"] = str(DATA_DIR)
    os.environ["APP_SECRET_KEY"] = "test-secret-key-that-is-long-enough-1234"
    os.environ["APP_TRUSTED_PROXIES"] = "testclient"  # the test client stands in for a reverse proxy (X-Forwarded-For)
    os.environ["APP_DASHBOARDS_KEY"] = "test-dashboards-key-that-is-long-enough"  # the API and the dashboards share it
    # bcrypt at the tests' cost: the real algorithm, 2^4 rounds instead of production's 2^12 (0.35 s per check here)
    os.environ["APP_BCRYPT_ROUNDS"] = str(TEST_BCRYPT_ROUNDS)
    os.environ["APP_LOGIN_REFUSAL_HOLD_SECONDS"] = "0"  # the hold itself: tests/service/identity/test_login_guard.py
    # OCR (Tesseract: seconds of CPU an image) reads uploads only in the tests that switch it on (tests/service/crm/ocr)
    os.environ["APP_OCR_ENGINE"] = "none"
    run_resources.claim_xdist_worker()
    if BACKEND == "postgres":
        if run_resources.started_by_a_run():
            return None  # a process the run started: its database and broker are the run's, already in the environment
        os.environ["APP_DATABASE_URL"] = run_resources.run_database_url(CONFIGURED_DATABASE_URL)
        run_redis = run_resources.start_redis(DATA_DIR / "redis")
        os.environ["APP_REDIS_URL"] = run_redis.url
        return run_redis
    os.environ["APP_DATABASE_URL"] = f"sqlite:///{DATA_DIR / 'test.db'}"
    os.environ["APP_REDIS_URL"] = ""
    return None


RUN_REDIS = configure_environment()
# httpx's default deadline of 5 s, which the tests' own calls take (httpx.get(...), clients made without a timeout), is
# less than a loaded machine can take to answer a server's first /mcp request (it builds the MCP server) or a failing
# download: httpx binds that default object into its signatures, so it is changed in place.
httpx_config.DEFAULT_TIMEOUT_CONFIG.__init__(HTTP_DEADLINE_SECONDS)  # type: ignore[misc]
if BACKEND == "sqlite":
    sqlite_locks.watch()

from service.config import get_settings  # noqa: E402
from service.database import get_engine, session_scope  # noqa: E402
from service.identity.lockout import THROTTLED_ADDRESSES  # noqa: E402
from service.models import metadata  # noqa: E402
from service.outbox.providers.sandbox import sandbox_dir  # noqa: E402
from tests.support.database import (  # noqa: E402
    Snapshot,
    drop_pristine_copy,
    keep_pristine_copy,
    migrate_fresh,
    restore_snapshot,
    take_snapshot,
    truncate_all,
)

# The run's process holds a large heap that lives as long as it does (the service, the dashboards, the test modules, an
# application with ~250 routes), which Python's collector walked again and again: a tenth of an API test's CPU. A young
# collection comes after 50,000 allocations instead of 700; what collecting the tests leaves is frozen out of every
# later collection, and what the run leaves (about three million objects) out of the two on the way out (pytest's,
# then Python's own at exit: 3 s each).
GC_THRESHOLDS = (50_000, 20, 20)


def pytest_sessionstart() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_collection_finish() -> None:
    gc.collect()
    gc.freeze()


def pytest_sessionfinish() -> None:
    gc.freeze()


def pytest_unconfigure() -> None:
    if RUN_REDIS is not None:
        RUN_REDIS.stop()
    shutil.rmtree(DATA_DIR, ignore_errors=True)  # the run's files: the SQLite database, the broker folder, uploads


def pytest_report_header() -> str:
    broker = os.environ["APP_REDIS_URL"] or "filesystem"
    return f"daicho backend: {BACKEND} ({os.environ['APP_DATABASE_URL']}), broker: {broker}"


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[None]:
    if BACKEND == "postgres":
        run_resources.drop_abandoned_databases(CONFIGURED_DATABASE_URL)
        run_resources.create_run_database(os.environ["APP_DATABASE_URL"])
    migrate_fresh(get_engine())
    fresh_install()
    yield
    get_engine().dispose()
    if BACKEND == "postgres":
        run_resources.drop_run_databases(os.environ["APP_DATABASE_URL"])


@pytest.fixture(autouse=True)
def sqlite_lock_watch() -> Iterator[None]:
    """On SQLite, a request refused because the test's own transaction held the write lock fails the test, named."""
    sqlite_locks.WATCH.refusals.clear()
    yield
    if sqlite_locks.WATCH.refusals:
        pytest.fail(sqlite_locks.WATCH.refusals[0], pytrace=False)


@pytest.fixture(autouse=True)
def clean_tables(migrated_database: None) -> Iterator[None]:
    yield
    reset_database()
    THROTTLED_ADDRESSES.clear()  # what the process knew of the emptied login throttles
    shutil.rmtree(sandbox_dir(get_settings()), ignore_errors=True)  # a test reads only the messages its run sent


@functools.cache
def fresh_install() -> Snapshot:
    """The database as a fresh install leaves it, taken once right after migrating."""
    truncate_all(get_engine(), metadata)
    restore_reference_data()
    snapshot = take_snapshot(get_engine(), metadata)
    keep_pristine_copy(get_engine(), metadata, snapshot)
    return snapshot


@contextmanager
def pristine_copy_aside() -> Iterator[None]:
    """The database without the reset's pristine copy meanwhile: what a backup dumps is the service's schema alone."""
    if BACKEND != "postgres":
        yield
        return
    drop_pristine_copy(get_engine())
    try:
        yield
    finally:
        keep_pristine_copy(get_engine(), metadata, fresh_install())


def reset_database() -> None:
    """Back to a fresh install: its rows only, the ids restarting where a fresh install's next ones are (from the copy
    kept of it: SQLite copies the fresh file's pages back, PostgreSQL empties and sets back only what differs)."""
    restore_snapshot(get_engine(), metadata, fresh_install())


def restore_reference_data() -> None:
    """Put back the rows the migrations install (loaners §8.1 masters and forms, CRM masters), as on a fresh install."""
    from service.crm.masters import ensure_masters
    from service.database import utcnow
    from service.loaners.seed import ensure_initial_data

    with session_scope() as db:
        ensure_initial_data(db, now=utcnow())
        ensure_masters(db)


@pytest.fixture
def db():
    """A session whose work is committed at the end of the with-block, like a request or a job."""
    with session_scope() as session:
        yield session


@functools.cache
def shared_app():
    """One application for the run: building its ~250 routes costs half a second, and it keeps no per-test state."""
    from service.main import create_app

    return create_app()


def openapi_spec() -> dict:
    """The run's application's /api/openapi.json as a dict of the caller's own: generating it costs ~2.5 s, so it is
    generated once (the app caches it) and each caller gets a copy it may change."""
    return copy.deepcopy(shared_app().openapi())


@pytest.fixture(scope="session")
def app():
    """The run's one application (shared_app)."""
    return shared_app()


@pytest.fixture(scope="session")
def client(app):
    """One client whose lifespan (MCP session manager, heartbeat batchers) spans the run; tables emptied per test."""
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def backend() -> str:
    return BACKEND


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR


# A whole-run check split between the two passes, each half a test of its own: half 0 runs in the SQLite pass, half 1
# in the PostgreSQL pass (run by hand on one backend, the other half is reported skipped: it runs in the other pass).
HALVES = [pytest.param(0, marks=pytest.mark.embedded_only), pytest.param(1, marks=pytest.mark.postgres_only)]

# Page and client suites check pages and clients over the API, not the backend (tests/service checks the API on both
# backends), and the checks of the tree itself (lint, the pages' JavaScript, the docs) read files, not a database:
# each of their modules runs in one pass, chosen by a stable hash of its path unless it says which.
ONE_PASS_SUITES = (
    "tests/dashboards/",
    "tests/scanner_station/",
    "tests/agent/",
    "tests/test_lint.py",
    "tests/test_js_check.py",
    "tests/test_readme.py",
)
# The jobs on Redis, the PostgreSQL pass's broker (the SQLite pass runs them on the filesystem broker)
POSTGRES_FAST_SUITES = ("tests/jobs/",)


def relative_path(item: pytest.Item) -> str:
    return Path(item.path).resolve().relative_to(REPO_ROOT).as_posix()


def one_pass_marker(item: pytest.Item) -> str | None:
    """The pass a page or client module runs in: "embedded_only" (SQLite) or "postgres_only"; None elsewhere."""
    path = relative_path(item)
    if not path.startswith(ONE_PASS_SUITES):
        return None
    return "postgres_only" if zlib.crc32(path.encode()) % 2 == 0 else "embedded_only"


def marker_names(item: pytest.Item) -> set[str]:
    return {marker.name for marker in item.iter_markers()}


def in_system_tier(item: pytest.Item) -> bool:
    """Needs an outside program, walks a lived-in database, or starts a stack: `make check` runs it."""
    return not SYSTEM_MARKERS.isdisjoint(marker_names(item))


def tier_name(item: pytest.Item) -> str:
    return "system" if in_system_tier(item) else "fast"


def in_postgres_fast_set(item: pytest.Item) -> bool:
    """Run on PostgreSQL by `make test`: it reaches dialect-specific SQL (the guard in tests/support/dialect_guard.py
    keeps the marker true), only PostgreSQL has it, it is a job on Redis, or its one pass is PostgreSQL's."""
    path = relative_path(item)
    return (
        not {"dialect", "postgres_only"}.isdisjoint(marker_names(item))
        or path.startswith(POSTGRES_FAST_SUITES)
        or one_pass_marker(item) == "postgres_only"
    )


def left_to_check_on_postgres(item: pytest.Item) -> bool:
    """`make test` runs it, but on SQLite only."""
    return not in_system_tier(item) and not in_postgres_fast_set(item)


def skip_reason(item: pytest.Item) -> str | None:
    """Why this pass of this tier does not run the test, or None when it does."""
    if TIER == "test" and in_system_tier(item):
        return SYSTEM_TIER
    elsewhere = "embedded_only" if BACKEND == "postgres" else "postgres_only"
    bound = {"embedded_only", "postgres_only"} & marker_names(item)
    if elsewhere in (bound or {one_pass_marker(item)}):
        return f"{elsewhere}: {OTHER_PASS}"
    if TIER == "test" and BACKEND == "postgres" and not in_postgres_fast_set(item):
        return POSTGRES_IN_CHECK
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests bound to one backend run in that backend's pass, and the fast tier leaves the system tier and the
    PostgreSQL run of what is the same on both backends to `make check`; each skip says so."""
    for item in items:
        reason = skip_reason(item)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(test_costs.TestCosts(tier_name), "test-costs")
    if BACKEND == "postgres" and os.environ.get(GUARD_REPORT_ENV):
        report = Path(os.environ[GUARD_REPORT_ENV])
        config.pluginmanager.register(dialect_guard.DialectGuard(left_to_check_on_postgres, report), "dialect-guard")
