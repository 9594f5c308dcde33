"""Test harness: one real database per run (SQLite file or PostgreSQL), migrated with Alembic, emptied after each test.

The backend comes from DAICHO_TEST_BACKEND (sqlite | postgres); `make test` runs the suite once per backend.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

BACKEND = os.environ.get("DAICHO_TEST_BACKEND", "sqlite")
DATA_DIR = Path(tempfile.mkdtemp(prefix="daicho-test-"))


def _configure_environment() -> None:
    os.environ["APP_ENV"] = "test"
    os.environ["APP_DATA_DIR"] = str(DATA_DIR)
    os.environ["APP_SECRET_KEY"] = "test-secret-key-that-is-long-enough-1234"
    os.environ["APP_TRUSTED_PROXIES"] = "testclient"  # the test client stands in for a reverse proxy (X-Forwarded-For)
    if BACKEND == "postgres":
        os.environ["APP_DATABASE_URL"] = os.environ.get(
            "APP_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        os.environ["APP_REDIS_URL"] = os.environ.get("APP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    else:
        os.environ["APP_DATABASE_URL"] = f"sqlite:///{DATA_DIR / 'test.db'}"
        os.environ["APP_REDIS_URL"] = ""


_configure_environment()

from service.database import get_engine, session_scope  # noqa: E402
from service.models import metadata  # noqa: E402
from tests.support.database import ensure_postgres_database, migrate_fresh, truncate_all  # noqa: E402


def pytest_report_header() -> str:
    broker = os.environ["APP_REDIS_URL"] or "filesystem"
    return f"daicho backend: {BACKEND} ({os.environ['APP_DATABASE_URL']}), broker: {broker}"


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[None]:
    if BACKEND == "postgres":
        ensure_postgres_database(os.environ["APP_DATABASE_URL"])
    migrate_fresh(get_engine())
    yield
    get_engine().dispose()


@pytest.fixture(autouse=True)
def clean_tables(migrated_database: None) -> Iterator[None]:
    yield
    truncate_all(get_engine(), metadata)
    restore_reference_data()


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


@pytest.fixture(scope="session")
def app():
    """One application for the run: building its ~250 routes costs half a second, and it keeps no per-test state."""
    from service.main import create_app

    return create_app()


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests bound to one backend run in that backend's pass; the other pass deselects them, saying so."""
    elsewhere = "embedded_only" if BACKEND == "postgres" else "postgres_only"
    for item in items:
        if elsewhere in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"{elsewhere}: runs in the other pass of `make test`"))
