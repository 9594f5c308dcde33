"""A heartbeat batch's statements, as lane work (service/lanes.py): the locked snapshot of its terminals, then their
new state with the samples.

This is the service's hottest path (thousands of beats a second): the new states and samples are one
`dialect.UpdateThenInsert` (on PostgreSQL one statement over two JSON documents, no per-row parameter work in
Python). The same statements serve the lane's plain batches and the ORM session's others
(`lanes.run_on_connection`).
"""

from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, select

from service.database import Base
from service.dialect import Dialect, UpdateThenInsert, current
from service.fleet.alerts import RESOLVED
from service.fleet.models import Alert, Command, FleetState, MetricSample, Terminal
from service.lanes import Batch, Query, Work, named_columns

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
def _snapshot_select(dialect: Dialect) -> Select:
    """The batch's terminals by token hash, locked in id order, with what the rules need to know."""
    has_commands = select(Command.id).where(Command.terminal_id == Terminal.id, Command.status == "pending").exists()
    has_alerts = select(Alert.id).where(Alert.terminal_id == Terminal.id, Alert.status != RESOLVED).exists()
    last_ingest = select(FleetState.last_ingest_at).where(FleetState.id == 1).scalar_subquery()
    held = dialect.member_of(Terminal.token_hash, "token_hashes")
    columns = named_columns(
        SnapshotRow._fields,
        id=Terminal.id,
        customer_id=Terminal.customer_id,
        status=Terminal.status,
        high_cpu_streak=Terminal.high_cpu_streak,
        high_memory_streak=Terminal.high_memory_streak,
        interval_seconds=Terminal.interval_seconds,
        token_hash=Terminal.token_hash,
        has_commands=has_commands,
        has_alerts=has_alerts,
        last_ingest_at=last_ingest,
    )
    return select(*columns).where(held).order_by(Terminal.id).with_for_update(of=Terminal)


def snapshot(token_hashes: list[str]) -> Work[list[SnapshotRow]]:
    """Authenticate, lock and read a batch's terminals in one statement."""
    statement = _snapshot_select(current())
    rows = yield Query(statement, {"token_hashes": token_hashes})
    return [SnapshotRow._make(row) for row in rows]


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


_STORE = UpdateThenInsert(
    updated=_table(Terminal),
    update_columns=STATE_COLUMNS,
    update_nulls=("offline_since",),
    update_constants=("last_heartbeat_at", "updated_at"),
    inserted=_table(MetricSample),
    insert_columns=SAMPLE_COLUMNS,
    insert_constants=("recorded_at",),
)


def store(states: list[dict[str, Any]], samples: list[dict[str, Any]], now: datetime) -> Work[None]:
    """The terminals' new state (rows of `id` + STATE_COLUMNS) and one metric sample per beat (SAMPLE_COLUMNS)."""
    if states:
        steps = [
            Query(step.statement, step.params, fetch="none")
            for step in current().update_then_insert(_STORE, states, samples, now)
        ]
        yield steps[0] if len(steps) == 1 else Batch(tuple(steps))
