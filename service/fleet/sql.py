"""The few SQL constructs that differ between PostgreSQL and SQLite, in one place."""

from typing import Any

from sqlalchemy import Float
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
