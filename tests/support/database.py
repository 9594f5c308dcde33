"""Creating and emptying the test database."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, Select, Table, text
from sqlalchemy.engine import Connection, Engine

from service import database
from service.audit.service import GENESIS_HASH
from service.config import REPO_ROOT, get_settings


def alembic_config(connection=None) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "service" / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in the URL when it does not exist yet."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def migrate_fresh(engine: Engine) -> None:
    """Drop whatever a previous run left and migrate to head."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        with engine.begin() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
                )
            ]
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
    command.upgrade(alembic_config(), "heads")


def truncate_all(engine: Engine, metadata: MetaData) -> None:
    """Empty every table, restart the id sequences and put the audit chain back at its genesis."""
    with engine.begin() as conn:
        _delete_every_row(conn, metadata)
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))
        elif _has_sqlite_sequence(conn):
            conn.execute(text("DELETE FROM sqlite_sequence"))
        conn.execute(
            text("INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH}
        )


@dataclass(frozen=True)
class Snapshot:
    """Every table's rows and where every id sequence stands: enough to put the database back exactly as it was."""

    rows: dict[str, list[dict[str, Any]]]  # only the tables that hold rows
    sequences: list[dict[str, Any]]  # PostgreSQL: name, value, called; SQLite: sqlite_sequence's rows


PRISTINE_SCHEMA = "test_pristine"  # PostgreSQL: a copy of the snapshot's tables, restored by INSERT ... SELECT


def take_snapshot(engine: Engine, metadata: MetaData) -> Snapshot:
    with engine.connect() as conn:
        rows = {
            table.name: [dict(row._mapping) for row in conn.execute(_in_order(table))]
            for table in metadata.sorted_tables
        }
        if engine.dialect.name == "postgresql":
            sequences = conn.execute(text(_PG_SEQUENCES)).mappings().all()
        else:
            sequences = (
                conn.execute(text("SELECT name, seq FROM sqlite_sequence")).mappings().all()
                if _has_sqlite_sequence(conn)
                else []
            )
    return Snapshot({name: found for name, found in rows.items() if found}, [dict(s) for s in sequences])


def drop_pristine_copy(engine: Engine) -> None:
    """PostgreSQL: the database holds the service's schema alone again (a backup dumps the whole database)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PRISTINE_SCHEMA} CASCADE")


def keep_pristine_copy(engine: Engine, metadata: MetaData, snapshot: Snapshot) -> None:
    """PostgreSQL: the snapshot's rows in tables of PRISTINE_SCHEMA, so a restore is one round trip of statements."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PRISTINE_SCHEMA} CASCADE; CREATE SCHEMA {PRISTINE_SCHEMA}")
        copies = MetaData(schema=PRISTINE_SCHEMA)
        for name, rows in snapshot.rows.items():
            conn.exec_driver_sql(f'CREATE TABLE {PRISTINE_SCHEMA}."{name}" (LIKE "{name}")')
            conn.execute(metadata.tables[name].to_metadata(copies, schema=PRISTINE_SCHEMA).insert(), rows)


def _in_order(table: Table) -> Select:
    """The table's rows by primary key: snapshots compare equal whatever order the rows were stored in."""
    return table.select().order_by(*(table.primary_key.columns or table.columns))


def restore_snapshot(engine: Engine, metadata: MetaData, snapshot: Snapshot, *, from_copy: bool = True) -> None:
    """Every table holds exactly the snapshot's rows again and every id sequence continues where it stood then.

    On PostgreSQL the rows come from the pristine copy (PRISTINE_SCHEMA, the fresh install's), unless `from_copy` is
    False: then they are inserted from the snapshot itself, as on SQLite (for a snapshot other than the fresh one)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql" and from_copy:
            refills = [
                f'INSERT INTO "{table.name}" SELECT * FROM {PRISTINE_SCHEMA}."{table.name}"'
                for table in metadata.sorted_tables
                if table.name in snapshot.rows
            ]
            conn.exec_driver_sql("; ".join(_deletes(metadata) + refills))
            conn.execute(text(_PG_SET_SEQUENCES), {"sequences": json.dumps(snapshot.sequences)})
            return
        _delete_every_row(conn, metadata)
        for table in metadata.sorted_tables:
            if table.name in snapshot.rows:
                conn.execute(table.insert(), snapshot.rows[table.name])
        if engine.dialect.name == "postgresql":
            conn.execute(text(_PG_SET_SEQUENCES), {"sequences": json.dumps(snapshot.sequences)})
        elif _has_sqlite_sequence(conn):
            conn.execute(text("DELETE FROM sqlite_sequence"))
            if snapshot.sequences:
                conn.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"), snapshot.sequences)


_PG_SEQUENCES = (
    "SELECT format('%I.%I', schemaname, sequencename) AS name, coalesce(last_value, 1) AS value,"
    " last_value IS NOT NULL AS called FROM pg_sequences ORDER BY 1"
)
_PG_SET_SEQUENCES = (
    "SELECT setval(s.name::regclass, s.value, s.called)"
    " FROM json_to_recordset(CAST(:sequences AS json)) AS s(name text, value bigint, called boolean)"
)


def _delete_every_row(conn: Connection, metadata: MetaData) -> None:
    """DELETE in dependency order: far faster than TRUNCATE for the few rows a test leaves behind; on PostgreSQL sent
    as one batch of statements (one round trip instead of one per table)."""
    deletes = _deletes(metadata)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("; ".join(deletes))
    else:
        for delete in deletes:
            conn.exec_driver_sql(delete)


def _deletes(metadata: MetaData) -> list[str]:
    """A DELETE per table, the tables that refer to others first."""
    return [f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)]


def _has_sqlite_sequence(conn) -> bool:
    return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() is not None


def drop_other_connections(engine: Engine) -> int:
    """Terminate every other session on the PostgreSQL test database, as a restart would; how many were dropped."""
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()


@contextmanager
def unreachable_database() -> Iterator[None]:
    """The service's engine on a database it cannot reach (PostgreSQL: a closed port; SQLite: a file in a folder that
    does not exist) until the block ends, then on the test database again."""
    real = os.environ["APP_DATABASE_URL"]
    postgres = real.startswith("postgresql")
    os.environ["APP_DATABASE_URL"] = (
        "postgresql+psycopg://daicho@127.0.0.1:1/none" if postgres else "sqlite:////none/x.db"
    )
    _rebuild_engine()
    try:
        yield
    finally:
        os.environ["APP_DATABASE_URL"] = real
        database.get_engine().dispose()
        _rebuild_engine()


def _rebuild_engine() -> None:
    get_settings.cache_clear()
    database.get_engine.cache_clear()
    database.get_sessionmaker.cache_clear()
