"""The few SQL constructs that differ between PostgreSQL and SQLite, in one place."""

from typing import Any

from sqlalchemy import Float, Table, bindparam, text, update
from sqlalchemy.dialects import postgresql, sqlite
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


def insert_ignoring_conflicts(db: Session, model: type) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the session's dialect (a second open alert, a repeated event id)."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()


def update_rows(db: Session, table: Table, rows: list[dict[str, Any]], *, constants: dict[str, Any]) -> None:
    """Update many rows by id: on PostgreSQL one UPDATE … FROM unnest(arrays) (a fixed, prepared statement), elsewhere an executemany."""
    names = [name for name in rows[0] if name != "id"]
    if db.get_bind().dialect.name == "postgresql":
        dialect = db.get_bind().dialect
        arrays = ", ".join(f"CAST(:{n} AS {table.c[n].type.compile(dialect)}[])" for n in ["id", *names])
        assignments = ", ".join([f"{n} = v.{n}" for n in names] + [f"{n} = :const_{n}" for n in constants])
        stmt = text(f"UPDATE {table.name} AS t SET {assignments} FROM unnest({arrays}) AS v(id, {', '.join(names)}) "
                    "WHERE t.id = v.id")
        params = {n: [row[n] for row in rows] for n in ["id", *names]} | {f"const_{n}": v for n, v in constants.items()}
        db.execute(stmt, params)
        return
    stmt = update(table).where(table.c.id == bindparam("_id")).values({name: bindparam(f"_{name}") for name in names} | constants)
    db.execute(stmt, [{f"_{name}": value for name, value in row.items()} for row in rows])
