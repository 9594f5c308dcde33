"""The Alembic chain and the models agree, and the whole chain goes down and up again on the current backend."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from service.database import build_engine, get_engine
from service.dialect import is_partition, of_the_models
from service.models import metadata
from tests.support import run_resources
from tests.support.database import alembic_config

pytestmark = pytest.mark.dialect


def differences(engine: Engine) -> list:
    with engine.connect() as conn:
        opts = {"compare_type": True, "target_metadata": metadata, "include_name": of_the_models}
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, metadata)


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        (command.downgrade if down else command.upgrade)(alembic_config(conn), revision)


def tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if not is_partition(name)} - {"alembic_version"}


@pytest.fixture
def scratch_engine(backend: str) -> Iterator[Engine]:
    """An empty database of the current backend beside the shared test database, removed afterwards."""
    if backend == "postgres":
        yield from _scratch_postgres(make_url(os.environ["APP_DATABASE_URL"]))
    else:
        with tempfile.TemporaryDirectory(prefix="daicho-migrations-") as folder:
            engine = build_engine(f"sqlite:///{Path(folder) / 'scratch.db'}", poolclass=NullPool)
            yield engine
            engine.dispose()


def _scratch_postgres(url) -> Iterator[Engine]:
    scratch = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    run_resources.create_run_database(scratch)
    engine = build_engine(scratch, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()
        run_resources.drop_run_databases(scratch)


def test_migrated_test_database_matches_the_models():
    assert differences(get_engine()) == []


def test_whole_chain_downgrades_to_base_and_upgrades_again(scratch_engine):
    migrate(scratch_engine, "heads")
    assert tables(scratch_engine) == set(metadata.tables)
    migrate(scratch_engine, "base", down=True)
    assert tables(scratch_engine) == set()
    migrate(scratch_engine, "heads")
    assert differences(scratch_engine) == []
