"""Creating and emptying the test database."""

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, Select, Table, create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from service import database
from service.audit.service import GENESIS_HASH
from service.config import REPO_ROOT, get_settings


def alembic_config(connection=None) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "service" / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


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
    """Keep the database as it is now (it holds exactly the snapshot) for `restore_snapshot` to copy back.

    SQLite: the whole file copied into memory by SQLite's online backup; a restore copies its ~300 pages back.
    PostgreSQL: the snapshot's rows and sequences in tables of PRISTINE_SCHEMA, and a function there (RESTORE_FUNCTION)
    that puts back, in one call, only what differs: it empties the tables holding rows, refills the reference tables
    when any of them differs from its copy and sets back the sequences that moved."""
    if engine.dialect.name == "sqlite":
        _SQLITE_COPIES[str(engine.url)] = _sqlite_copy(engine)
        return
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PRISTINE_SCHEMA} CASCADE; CREATE SCHEMA {PRISTINE_SCHEMA}")
        copies = MetaData(schema=PRISTINE_SCHEMA)
        for name, rows in snapshot.rows.items():
            conn.exec_driver_sql(f'CREATE TABLE {PRISTINE_SCHEMA}."{name}" (LIKE "{name}")')
            conn.execute(metadata.tables[name].to_metadata(copies, schema=PRISTINE_SCHEMA).insert(), rows)
        conn.exec_driver_sql(
            f"CREATE TABLE {PRISTINE_SCHEMA}.{_SEQUENCES_COPY} (name text PRIMARY KEY, value bigint, called boolean)"
        )
        conn.execute(
            text(f"INSERT INTO {PRISTINE_SCHEMA}.{_SEQUENCES_COPY} SELECT * FROM {_SEQUENCES_FROM_JSON}"),
            {"sequences": json.dumps(snapshot.sequences)},
        )
        conn.execute(text(_restore_function(metadata, snapshot)))


_SQLITE_COPIES: dict[str, sqlite3.Connection] = {}  # the engine's URL -> its database as keep_pristine_copy found it
_SEQUENCES_COPY = "_sequences"  # PostgreSQL: the snapshot's sequences beside the copied tables in PRISTINE_SCHEMA
RESTORE_FUNCTION = f"{PRISTINE_SCHEMA}.restore_fresh_install"


def copy_sqlite_database(engine: Engine, path: Path) -> None:
    """The engine's SQLite database as it stands (between tests: the fresh install, schema at head), copied into a new
    file: a stack started on the copy finds it migrated without running Alembic again."""
    with closing(sqlite3.connect(path)) as copy:
        _backed_up_into(engine, copy)


def _sqlite_copy(engine: Engine) -> sqlite3.Connection:
    return _backed_up_into(engine, sqlite3.connect(":memory:", check_same_thread=False))


def _backed_up_into(engine: Engine, copy: sqlite3.Connection) -> sqlite3.Connection:
    """The engine's database copied into `copy` by SQLite's online backup."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.backup(copy)
    finally:
        raw.close()
    return copy


def _restore_function(metadata: MetaData, snapshot: Snapshot) -> str:
    """PL/pgSQL that makes the database equal to the pristine copy again, touching only what differs.

    A table the snapshot holds no rows of is emptied when it holds any (whoever wrote them: this process, a worker, a
    restore); a reference table (one the snapshot holds rows of) is compared row by row with its copy (as text, so any
    column type compares) and, when it differs or a reference table it refers to is refilled, emptied and refilled
    from its copy; a sequence whose value or called flag differs from the snapshot's is set back. Tables are emptied
    and refilled in dependency order, as a DELETE per table is."""
    references = [table for table in metadata.sorted_tables if table.name in snapshot.rows]
    flag = {table.name: f"differs_{number}" for number, table in enumerate(references)}
    declarations = [f"{flag[table.name]} boolean := {_differs_from_copy(table.name)};" for table in references]
    # a reference table refilled takes the reference tables referring to it along (their rows would refer to nothing)
    spreads = [
        f"{flag[table.name]} := {flag[table.name]} OR {flag[parent]};"
        for table in references
        for parent in sorted({key.column.table.name for key in table.foreign_keys} & flag.keys() - {table.name})
    ]
    empties = [
        f'IF {flag[table.name]} THEN DELETE FROM "{table.name}"; END IF;'
        if table.name in flag
        else f'IF EXISTS (SELECT 1 FROM "{table.name}") THEN DELETE FROM "{table.name}"; END IF;'
        for table in reversed(metadata.sorted_tables)
    ]
    refills = [
        f'IF {flag[table.name]} THEN INSERT INTO "{table.name}" SELECT * FROM {PRISTINE_SCHEMA}."{table.name}"; END IF;'
        for table in references
    ]
    lines = "\n    ".join
    return f"""CREATE FUNCTION {RESTORE_FUNCTION}() RETURNS void LANGUAGE plpgsql AS $restore$
DECLARE
    {lines(declarations)}
BEGIN
    {lines(spreads + empties + refills)}
    PERFORM setval(s.name::regclass, s.value, s.called)
        FROM {PRISTINE_SCHEMA}.{_SEQUENCES_COPY} s
        JOIN pg_sequences p ON format('%I.%I', p.schemaname, p.sequencename) = s.name
        WHERE coalesce(p.last_value, 1) <> s.value OR (p.last_value IS NOT NULL) <> s.called;
END
$restore$"""


def _differs_from_copy(name: str) -> str:
    """A PostgreSQL condition: the table's rows (as text, so any column type compares) are not its copy's."""
    live, kept = f'"{name}"', f'{PRISTINE_SCHEMA}."{name}"'
    return (
        f"EXISTS (SELECT a::text FROM {live} a EXCEPT ALL SELECT b::text FROM {kept} b)"
        f" OR EXISTS (SELECT b::text FROM {kept} b EXCEPT ALL SELECT a::text FROM {live} a)"
    )


def _in_order(table: Table) -> Select:
    """The table's rows by primary key: snapshots compare equal whatever order the rows were stored in."""
    return table.select().order_by(*(table.primary_key.columns or table.columns))


def restore_snapshot(engine: Engine, metadata: MetaData, snapshot: Snapshot, *, from_copy: bool = True) -> None:
    """Every table holds exactly the snapshot's rows again and every id sequence continues where it stood then.

    With `from_copy` (the default) the database is put back from the copy `keep_pristine_copy` kept of it when it
    held the snapshot (the fresh install's): SQLite copies its pages back (rows, sqlite_sequence and schema as they
    were), PostgreSQL calls RESTORE_FUNCTION, which touches only the tables and sequences that differ. Without it, or
    when no copy was kept, the rows are deleted and inserted from the snapshot itself (for a snapshot other than the
    fresh one)."""
    if from_copy and engine.dialect.name == "sqlite" and str(engine.url) in _SQLITE_COPIES:
        raw = engine.raw_connection()
        try:
            _SQLITE_COPIES[str(engine.url)].backup(raw.driver_connection)
        finally:
            raw.close()
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql" and from_copy:
            conn.exec_driver_sql(f"SELECT {RESTORE_FUNCTION}()")
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
_SEQUENCES_FROM_JSON = "json_to_recordset(CAST(:sequences AS json)) AS s(name text, value bigint, called boolean)"
_PG_SET_SEQUENCES = f"SELECT setval(s.name::regclass, s.value, s.called) FROM {_SEQUENCES_FROM_JSON}"


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
    """Terminate every session on the PostgreSQL test database, the engine's pooled ones too, as a restart would; how
    many were dropped (the connection asking is one of its own, outside the pool)."""
    with create_engine(engine.url, poolclass=NullPool).connect() as connection:
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
