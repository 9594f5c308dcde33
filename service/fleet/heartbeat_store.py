"""A heartbeat batch's two statements: the locked snapshot of its terminals, then their new state with the samples.

This is the service's hottest path (thousands of beats a second). On PostgreSQL both statements are compiled once and
sent as driver SQL, the new states and samples travelling as two JSON documents unpacked by json_to_recordset: one
round trip and no per-row parameter work in Python. A plain batch (nothing but states and samples) is written with
the same two statements on an async psycopg connection, from the event loop. SQLite runs the same snapshot and an
executemany through SQLAlchemy.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import psycopg
from psycopg import AsyncConnection
from pydantic_core import to_json
from sqlalchemy import Select, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from service.database import utcnow
from service.dialect import insert_rows, is_postgres, update_rows
from service.fleet.alerts import RESOLVED
from service.fleet.models import Alert, Command, FleetState, MetricSample, Terminal
from service.lanes import driver_statement

# The columns a beat writes, besides the constants below; `updates` rows carry them and the id.
STATE_COLUMNS = (
    "status",
    "reported_status",
    "firmware_version",
    "agent_version",
    "cpu_usage",
    "memory_usage",
    "disk_usage",
    "high_cpu_streak",
    "high_memory_streak",
    "error_message",
    "offline_deadline_at",
)
SAMPLE_COLUMNS = ("terminal_id", "cpu", "memory", "disk")


class SnapshotRow(NamedTuple):
    id: int
    customer_id: int
    status: str
    high_cpu_streak: int
    high_memory_streak: int
    interval_seconds: int
    token_hash: str
    has_commands: bool
    has_alerts: bool
    last_ingest_at: datetime | None


@cache
def _snapshot_select(postgres: bool) -> Select:
    """The batch's terminals by token hash, locked in id order, with what the rules need to know."""
    has_commands = select(Command.id).where(Command.terminal_id == Terminal.id, Command.status == "pending").exists()
    has_alerts = select(Alert.id).where(Alert.terminal_id == Terminal.id, Alert.status != RESOLVED).exists()
    last_ingest = select(FleetState.last_ingest_at).where(FleetState.id == 1).scalar_subquery()
    held = (
        Terminal.token_hash == any_(bindparam("token_hashes"))
        if postgres
        else Terminal.token_hash.in_(bindparam("token_hashes", expanding=True))
    )
    return (
        select(
            Terminal.id,
            Terminal.customer_id,
            Terminal.status,
            Terminal.high_cpu_streak,
            Terminal.high_memory_streak,
            Terminal.interval_seconds,
            Terminal.token_hash,
            has_commands.label("has_commands"),
            has_alerts.label("has_alerts"),
            last_ingest.label("last_ingest_at"),
        )
        .where(held)
        .order_by(Terminal.id)
        .with_for_update(of=Terminal)
    )


def snapshot_rows(db: Session, token_hashes: list[str]) -> list[SnapshotRow]:
    """Authenticate, lock and read a batch's terminals in one round trip."""
    if is_postgres(db):
        statement = driver_statement(_snapshot_select(True))
        params = statement.defaults | {"token_hashes": token_hashes}
        rows = db.connection().exec_driver_sql(statement.sql.decode(), params).all()
    else:
        rows = db.connection().execute(_snapshot_select(False), {"token_hashes": token_hashes}).all()
    return [SnapshotRow(*row) for row in rows]


@cache
def _store_sql() -> str:
    """UPDATE the terminals from one JSON document and INSERT the samples from another, in one statement."""
    dialect = postgresql.psycopg.dialect()
    terminal, sample = Terminal.__table__, MetricSample.__table__

    def record(table, names: Sequence[str]) -> str:
        return ", ".join(f"{n} {table.c[n].type.compile(dialect)}" for n in names)

    assignments = ", ".join(f"{n} = v.{n}" for n in STATE_COLUMNS)
    return (
        f"WITH updated AS (UPDATE {terminal.name} AS t SET {assignments}, last_heartbeat_at = %(now)s, "
        f"offline_since = NULL, updated_at = %(now)s "
        f"FROM json_to_recordset(%(states)s::json) AS v(id INTEGER, {record(terminal, STATE_COLUMNS)}) "
        f"WHERE t.id = v.id) "
        f"INSERT INTO {sample.name} ({', '.join(SAMPLE_COLUMNS)}, recorded_at) "
        f"SELECT {', '.join('s.' + n for n in SAMPLE_COLUMNS)}, %(now)s "
        f"FROM json_to_recordset(%(samples)s::json) AS s({record(sample, SAMPLE_COLUMNS)})"
    )


def _store_params(states: list[dict[str, Any]], samples: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The store statement's parameters; pydantic-core encodes datetimes natively, in a third of the json module's
    time with a `default` hook."""
    return {"now": now, "states": to_json(states).decode(), "samples": to_json(samples).decode()}


def store_states_and_samples(
    db: Session, states: list[dict[str, Any]], samples: list[dict[str, Any]], *, now: datetime
) -> None:
    """The terminals' new state (rows of `id` + STATE_COLUMNS) and one metric sample per beat (SAMPLE_COLUMNS)."""
    if not states:
        return
    if is_postgres(db):
        db.connection().exec_driver_sql(_store_sql(), _store_params(states, samples, now))
        return
    constants = {"last_heartbeat_at": now, "offline_since": None, "updated_at": now}
    update_rows(db, Terminal.__table__, states, constants=constants)
    insert_rows(db, MetricSample, [sample | {"recorded_at": now} for sample in samples])


Decide = Callable[[list[SnapshotRow], list, datetime], tuple[Any, list] | None]


async def write_plain(connection: AsyncConnection, beats: list, decide: Decide) -> list | None:
    """Lock and read the batch's terminals, let `decide` plan the batch, write its states and samples and commit.

    `decide` answers (plan, replies) for a plain batch, else None: the transaction is then rolled back, nothing is
    written, and None is returned.
    """
    now = utcnow()
    snapshot = driver_statement(_snapshot_select(True))
    decided = None
    async with connection.pipeline(), connection.transaction():
        token_hashes = sorted({beat.token_hash for beat in beats})
        cursor = await connection.execute(snapshot.sql, snapshot.defaults | {"token_hashes": token_hashes})
        decided = decide([SnapshotRow(*row) for row in await cursor.fetchall()], beats, now)
        if decided is None:
            raise psycopg.Rollback()
        plan, _ = decided
        if plan.states:
            await connection.execute(_store_sql(), _store_params(plan.states, plan.samples, now))
    return decided[1] if decided is not None else None
