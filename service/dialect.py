"""The SQLite/PostgreSQL differences in one place: ids, JSON, upserts, bulk writes, epoch and local time.

SQLite stores timestamps as naive UTC text and has no time zones: local time there uses the zone's offset at a given
moment (exact for zones without DST, such as Asia/Tokyo). The hot paths' prepared statements (service/lanes.py,
fleet/heartbeat_store.py, entry_logs/scans.py) keep their own SQL and take only shared pieces from here.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import JSON, TypeEngine

from service.config import get_settings

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit id on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements."""

POSTGRES_PATTERNS = {"%Y-%m-%d %H:%M": "YYYY-MM-DD HH24:MI", "%Y-%m-%d": "YYYY-MM-DD", "%Y-%m": "YYYY-MM"}


def is_postgres(bind: Session | Engine | Connection) -> bool:
    """Whether a session, engine or connection talks to PostgreSQL (else SQLite)."""
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name == "postgresql"


def notify(db: Session, channel: str, payload: str) -> None:
    """NOTIFY the channel when the transaction commits (PostgreSQL; SQLite has no other process to tell)."""
    if is_postgres(db):
        db.execute(select(func.pg_notify(channel, payload)))


def json_impl(dialect: Dialect) -> TypeEngine:
    """JSONB on PostgreSQL (indexable, compared by value), JSON text on SQLite."""
    return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())


def insert_for(dialect_name: str, table: Any) -> Any:
    """The dialect's INSERT, which has on_conflict_do_update / on_conflict_do_nothing (an upsert)."""
    return (postgresql.insert if dialect_name == "postgresql" else sqlite.insert)(table)


def insert(db: Session, table: Any) -> Any:
    """The session's dialect's INSERT with its upsert clauses."""
    return insert_for(db.get_bind().dialect.name, table)


def id_in(db: Session, column: Any, ids: list[int]) -> Any:
    """column IN ids: one array parameter on PostgreSQL (a 10,000-item IN list costs more to plan than to run)."""
    if is_postgres(db):
        return column == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))
    return column.in_(ids)


class epoch(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """Seconds since 1970 of a timestamp column, as a float."""

    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "postgresql")
def _epoch_pg(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


class json_record(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """A row as JSON text, built by the database from alternating key literals and values (JSON values embedded)."""

    type = Text()
    inherit_cache = True
    name = "json_record"


@compiles(json_record, "postgresql")
def _json_record_pg(element: json_record, compiler: Any, **kw: Any) -> str:
    return f"CAST(json_build_object({compiler.process(element.clauses, **kw)}) AS TEXT)"


def _is_json(type_: TypeEngine) -> bool:
    """A JSON column, also behind a TypeDecorator such as database.JSONType."""
    return isinstance(getattr(type_, "impl_instance", type_), JSON)


@compiles(json_record, "sqlite")
def _json_record_sqlite(element: json_record, compiler: Any, **kw: Any) -> str:
    parts = [
        f"json({compiler.process(c, **kw)})" if _is_json(c.type) else compiler.process(c, **kw) for c in element.clauses
    ]
    return f"json_object({', '.join(parts)})"


def utc_hour(db: Session, column: Any) -> Any:
    """A UTC timestamp truncated to its hour."""
    if is_postgres(db):
        return func.timezone("UTC", func.date_trunc("hour", func.timezone("UTC", column)))
    return cast(func.strftime("%Y-%m-%d %H:00:00.000000", column), String)


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_time(db: Session, column: Any, *, at: datetime) -> Any:
    """A UTC timestamp column as local wall-clock time (SQLite: with the zone's offset at `at`)."""
    zone = _zone()
    if is_postgres(db):
        return func.timezone(zone.key, column)
    offset = int(at.astimezone(zone).utcoffset().total_seconds())
    return func.datetime(column, f"{offset:+d} seconds")


def local_text(db: Session, column: Any, pattern: str, *, at: datetime) -> Any:
    """A UTC timestamp column as local time formatted with a strftime pattern from POSTGRES_PATTERNS."""
    local = local_time(db, column, at=at)
    if is_postgres(db):
        return func.to_char(local, POSTGRES_PATTERNS[pattern])
    return func.strftime(pattern, local)


def local_weekday_hour(db: Session, column: Any, *, at: datetime) -> tuple[Any, Any]:
    """(weekday 0=Monday, hour) of a UTC timestamp column in local time, as integer SQL expressions."""
    local = local_time(db, column, at=at)
    if is_postgres(db):
        return cast(func.extract("isodow", local), Integer) - 1, cast(func.extract("hour", local), Integer)
    return (cast(func.strftime("%w", local), Integer) + 6) % 7, cast(func.strftime("%H", local), Integer)


def _arrays(db: Session, table: Table, names: list[str]) -> str:
    """unnest(CAST(:a AS type[]), …): a whole batch of rows as a handful of array parameters."""
    dialect = db.get_bind().dialect
    return "unnest(" + ", ".join(f"CAST(:{n} AS {table.c[n].type.compile(dialect)}[])" for n in names) + ")"


def _columns(rows: list[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    return {n: [row[n] for row in rows] for n in names}


def insert_rows(db: Session, model: type, rows: list[dict[str, Any]], *, ignore_conflicts: bool = False) -> None:
    """Insert many rows in one statement (INSERT … SELECT FROM unnest on PostgreSQL, an executemany on SQLite);
    with ignore_conflicts a row that would break a unique rule (a second open alert, a repeated event id) is skipped."""
    if not rows:
        return
    table: Table = model.__table__
    names = list(rows[0])
    if is_postgres(db):
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        db.execute(
            text(f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM {_arrays(db, table, names)}{conflict}"),
            _columns(rows, names),
        )
        return
    stmt = sqlite.insert(table)
    db.execute(stmt.on_conflict_do_nothing() if ignore_conflicts else stmt, rows)


def update_rows(db: Session, table: Table, rows: list[dict[str, Any]], *, constants: dict[str, Any]) -> None:
    """Update many rows by id: one UPDATE … FROM unnest(arrays) on PostgreSQL, an executemany elsewhere."""
    names = [name for name in rows[0] if name != "id"]
    if is_postgres(db):
        assignments = ", ".join([f"{n} = v.{n}" for n in names] + [f"{n} = :const_{n}" for n in constants])
        stmt = text(
            f"UPDATE {table.name} AS t SET {assignments} FROM {_arrays(db, table, ['id', *names])} "
            f"AS v(id, {', '.join(names)}) WHERE t.id = v.id"
        )
        db.execute(stmt, _columns(rows, ["id", *names]) | {f"const_{n}": v for n, v in constants.items()})
        return
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({name: bindparam(f"_{name}") for name in names} | constants)
    )
    db.execute(stmt, [{f"_{name}": value for name, value in row.items()} for row in rows])
