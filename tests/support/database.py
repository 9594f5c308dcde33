"""Creating and emptying the test database."""

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Engine

from service.audit.service import GENESIS_HASH
from service.config import REPO_ROOT


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
    """Empty every table, restart the id sequences and put the audit chain back at its genesis.

    DELETE in dependency order is far faster than TRUNCATE for the few rows a test leaves behind.
    """
    names = [t.name for t in metadata.sorted_tables]
    with engine.begin() as conn:
        for name in reversed(names):
            conn.execute(text(f'DELETE FROM "{name}"'))
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))
        elif _has_sqlite_sequence(conn):
            conn.execute(text("DELETE FROM sqlite_sequence"))
        conn.execute(
            text("INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH}
        )


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
