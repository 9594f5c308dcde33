"""Each table PostgreSQL partitions by time (service/fleet/retention.py PARTITIONED): a row arriving late for a period
whose partition is gone waits in the table's default partition until the batch prune takes it, and a period made
after its rows arrived takes them from there. Each test works on a period of its own, years back, and drops what it
made."""

from datetime import UTC, datetime, timedelta

import pytest

from service.database import session_scope
from service.fleet import retention
from tests.service.fleet import conftest as fleet
from tests.service.fleet.conftest import make_customer, make_terminal

pytestmark = [pytest.mark.postgres_only, pytest.mark.dialect]

FIRST = datetime(2018, 5, 1, tzinfo=UTC)  # a day's and a month's first moment, far from any other test's rows
ROWS = {"metric_sample": fleet.sample, "metric_hourly": fleet.hourly}


def table_of(kind: str) -> str:
    return retention.PARTITIONED[kind].column.table.name


def partition(kind: str) -> str:
    return retention.PARTITIONED[kind].period.name(table_of(kind), FIRST.date())


def test_every_partitioned_table_has_a_row_here():
    assert set(ROWS) == set(retention.PARTITIONED)


@pytest.mark.parametrize("kind", list(ROWS))
def test_a_row_arriving_late_for_a_dropped_period_waits_in_the_default_partition_and_is_pruned(
    db, own_partitions, kind
):
    terminal, _ = make_terminal(db, make_customer(db))
    retention.make_ahead(db, kind=kind, now=FIRST)
    db.commit()
    end = retention.PARTITIONED[kind].period.bounds(FIRST.date())["end"]
    with session_scope() as work:
        assert retention.drop_past(work, kind=kind, before=end) == [partition(kind)]
    late = ROWS[kind](db, terminal, FIRST + timedelta(hours=8))
    assert fleet.partition_of(db, table_of(kind), late) == f"{table_of(kind)}_default"
    db.commit()
    assert retention.prune_batch(db, kind=kind, before=end) == 1
    assert fleet.partition_of(db, table_of(kind), late) is None


@pytest.mark.parametrize("kind", list(ROWS))
def test_a_period_made_after_its_rows_arrived_takes_them_from_the_default_partition(db, own_partitions, kind):
    terminal, _ = make_terminal(db, make_customer(db))
    waiting = ROWS[kind](db, terminal, FIRST + timedelta(hours=2))
    assert fleet.partition_of(db, table_of(kind), waiting) == f"{table_of(kind)}_default"
    retention.make_ahead(db, kind=kind, now=FIRST)
    assert fleet.partition_of(db, table_of(kind), waiting) == partition(kind)
