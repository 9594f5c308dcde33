"""The few SQL constructs that differ between PostgreSQL and SQLite, in one place."""

from typing import Any

from sqlalchemy import Float, Table, bindparam, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement


class epoch(FunctionElement):
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


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


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
