"""A heartbeat batch's statements, as lane work (service/lanes.py): the locked snapshot of its terminals, then their
new state with the samples.

This is the service's hottest path (thousands of beats a second). On PostgreSQL the new states and samples travel as
two JSON documents unpacked by json_to_recordset in one statement: no per-row parameter work in Python. SQLite runs
an UPDATE and an INSERT once per row. The same statements serve the lane's plain batches and the ORM session's
others (`lanes.run_on_connection`).
"""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, cast

from pydantic_core import to_json
from sqlalchemy import BindParameter, Select, Table, TextClause, Update, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql

from service.config import get_settings
from service.database import Base
from service.fleet.alerts import RESOLVED
from service.fleet.models import Alert, Command, FleetState, MetricSample, Terminal
from service.lanes import Batch, Query, Work

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
    """A snapshot row: the snapshot's columns are selected by these names, in this order."""

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
    columns: dict[str, Any] = {
        "id": Terminal.id,
        "customer_id": Terminal.customer_id,
        "status": Terminal.status,
        "high_cpu_streak": Terminal.high_cpu_streak,
        "high_memory_streak": Terminal.high_memory_streak,
        "interval_seconds": Terminal.interval_seconds,
        "token_hash": Terminal.token_hash,
        "has_commands": has_commands,
        "has_alerts": has_alerts,
        "last_ingest_at": last_ingest,
    }
    return (
        select(*(columns[name].label(name) for name in SnapshotRow._fields))
        .where(held)
        .order_by(Terminal.id)
        .with_for_update(of=Terminal)
    )


def snapshot(token_hashes: list[str]) -> Work[list[SnapshotRow]]:
    """Authenticate, lock and read a batch's terminals in one statement."""
    statement = _snapshot_select(not get_settings().is_sqlite)
    rows = yield Query(statement, {"token_hashes": token_hashes})
    return [SnapshotRow._make(row) for row in rows]


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


@cache
def _json_store() -> TextClause:
    """PostgreSQL: UPDATE the terminals from one JSON document and INSERT the samples from another, in one statement."""
    dialect = postgresql.psycopg.dialect()
    terminal, sample = _table(Terminal), _table(MetricSample)

    def record(table: Table, names: Sequence[str]) -> str:
        return ", ".join(f"{n} {table.c[n].type.compile(dialect)}" for n in names)

    assignments = ", ".join(f"{n} = v.{n}" for n in STATE_COLUMNS)
    return text(
        f"WITH updated AS (UPDATE {terminal.name} AS t SET {assignments}, last_heartbeat_at = :now, "
        f"offline_since = NULL, updated_at = :now "
        f"FROM json_to_recordset(CAST(:states AS json)) AS v(id INTEGER, {record(terminal, STATE_COLUMNS)}) "
        f"WHERE t.id = v.id) "
        f"INSERT INTO {sample.name} ({', '.join(SAMPLE_COLUMNS)}, recorded_at) "
        f"SELECT {', '.join('s.' + n for n in SAMPLE_COLUMNS)}, :now "
        f"FROM json_to_recordset(CAST(:samples AS json)) AS s({record(sample, SAMPLE_COLUMNS)})"
    )


@cache
def _each_state() -> Update:
    """SQLite: one terminal's new state (run once per terminal)."""
    terminal = _table(Terminal)
    now: BindParameter[datetime] = bindparam("_now")
    values: dict[str, Any] = {name: bindparam(f"_{name}") for name in STATE_COLUMNS}
    return (
        update(terminal)
        .where(terminal.c.id == bindparam("_id"))
        .values(values | {"last_heartbeat_at": now, "offline_since": None, "updated_at": now})
    )


def _store_step(states: list[dict[str, Any]], samples: list[dict[str, Any]], now: datetime) -> Query | Batch:
    if get_settings().is_sqlite:
        rows = [{f"_{name}": value for name, value in state.items()} | {"_now": now} for state in states]
        stored = [sample | {"recorded_at": now} for sample in samples]
        return Batch((Query(_each_state(), rows), Query(insert(_table(MetricSample)), stored)))
    # pydantic-core encodes datetimes natively, in a third of the json module's time with a `default` hook
    params = {"now": now, "states": to_json(states).decode(), "samples": to_json(samples).decode()}
    return Query(_json_store(), params, fetch="none")


def store(states: list[dict[str, Any]], samples: list[dict[str, Any]], now: datetime) -> Work[None]:
    """The terminals' new state (rows of `id` + STATE_COLUMNS) and one metric sample per beat (SAMPLE_COLUMNS)."""
    if states:
        yield _store_step(states, samples, now)
