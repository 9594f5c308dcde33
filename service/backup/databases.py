"""The two database backends of a backup: each dumps a consistent snapshot and counts every table's rows in that same
snapshot, and restores all or nothing."""

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

from service.audit.models import AuditEntry
from service.config import get_settings
from service.errors import DomainError
from service.identity.models import User

PG_BIN_ROOT = Path("/usr/lib/postgresql")


class BackupFailed(DomainError):
    """The message says why and what to do."""

    code = "backup_failed"


def count_rows(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}


def holds_data(conn: Connection) -> bool:
    """Users or audit entries: the migrations install neither."""
    present = set(inspect(conn).get_table_names())
    return any(
        conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None
        for name in (User.__tablename__, AuditEntry.__tablename__)
        if name in present
    )


def major_of(version: str) -> int:
    match = re.search(r"(\d+)", version)
    if match is None:
        raise BackupFailed(f"cannot read a PostgreSQL version from {version!r}")
    return int(match.group(1))


def _tool_major(path: str) -> int | None:
    run = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"\(PostgreSQL\) (\d+)", run.stdout)
    return int(found.group(1)) if run.returncode == 0 and found else None


def pg_tool(name: str, major: int) -> str:
    """From APP_BACKUP_PG_BIN_DIR, Debian's folder for that version or PATH, whichever has that major version first."""
    configured = get_settings().backup_pg_bin_dir
    folders = [configured] if configured else [PG_BIN_ROOT / str(major) / "bin"]
    candidates = [str(folder / name) for folder in folders if (folder / name).is_file()]
    if not configured and (on_path := shutil.which(name)):
        candidates.append(on_path)
    for candidate in candidates:
        if _tool_major(candidate) == major:
            return candidate
    where = configured or f"{PG_BIN_ROOT / str(major) / 'bin'} or PATH"
    raise BackupFailed(
        f"{name} of PostgreSQL {major} not found in {where}: install postgresql-client-{major} "
        "or point APP_BACKUP_PG_BIN_DIR at its bin folder"
    )


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.returncode}")


@dataclass
class Postgres:
    """Restore replaces schema public in one transaction."""

    engine: Engine
    name: str = "postgresql"
    dump_name: str = "database.pgdump"

    def _libpq(self) -> tuple[str, dict[str, str]]:
        """The password travels in the environment, never on a command line."""
        url = self.engine.url
        plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        return plain, env

    def version(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]

    def dump(self, target: Path) -> dict[str, int]:
        pg_dump = pg_tool("pg_dump", major_of(self.version()))
        uri, env = self._libpq()
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            rows = count_rows(conn)
            _run([pg_dump, "-Fc", f"--snapshot={snapshot}", f"--file={target}", f"--dbname={uri}"], env)
            conn.rollback()
        return rows

    def restore(self, dump: Path) -> None:
        major = major_of(self.version())
        uri, env = self._libpq()
        reader = subprocess.Popen(
            [pg_tool("pg_restore", major), "--no-owner", "--no-privileges", "--file=-", str(dump)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        writer = subprocess.run(
            [
                pg_tool("psql", major),
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                "--command=DROP SCHEMA public CASCADE",
                "--command=CREATE SCHEMA public",
                "--file=-",
                f"--dbname={uri}",
            ],
            stdin=reader.stdout,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert reader.stdout is not None and reader.stderr is not None  # both opened with PIPE
        reader.stdout.close()
        problem = reader.stderr.read().decode(errors="replace").strip()
        if reader.wait() != 0 or writer.returncode != 0:
            raise BackupFailed(f"restore failed, the database is unchanged: {problem or writer.stderr.strip()}")
        self.engine.dispose()  # pooled connections knew the tables that were just replaced


@dataclass
class Sqlite:
    """Readers and writers may stay connected while it copies."""

    engine: Engine
    name: str = "sqlite"
    dump_name: str = "database.sqlite3"

    @property
    def path(self) -> str:
        return str(make_url(str(self.engine.url)).database)

    def version(self) -> str:
        return sqlite3.sqlite_version

    def dump(self, target: Path) -> dict[str, int]:
        with closing(sqlite3.connect(self.path, timeout=30)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        probe = create_engine(f"sqlite:///{target}")
        with probe.connect() as conn:
            rows = count_rows(conn)
        probe.dispose()
        return rows

    def restore(self, dump: Path) -> None:
        with closing(sqlite3.connect(dump)) as source, closing(sqlite3.connect(self.path, timeout=30)) as live:
            source.backup(live)  # one write transaction: all pages or none
        self.engine.dispose()


def backend_for(engine: Engine) -> Postgres | Sqlite:
    return Postgres(engine) if engine.dialect.name == "postgresql" else Sqlite(engine)


def check_dump(backend: str, dump: Path, server_version: str) -> None:
    if backend == "postgresql":
        _run([pg_tool("pg_restore", major_of(server_version)), "--list", str(dump)], dict(os.environ))
        return
    with closing(sqlite3.connect(f"file:{dump}?mode=ro", uri=True)) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupFailed(f"the SQLite database in the backup is damaged: {result}")
