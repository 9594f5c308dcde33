"""PostgreSQL keeps the hourly metric rollups in one partition per UTC month (service/fleet/retention.py,
service/dialect.py): made ahead by the beat, dropped whole once the month is past the history's retention, the month
retention cuts through kept and pruned by batch (a late row: test_partitions.py). Each test works on months of its
own, years back, and drops what it made."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from jobs import fleet as fleet_jobs
from service.database import session_scope
from service.fleet import retention
from service.fleet.models import MetricHourly
from service.fleet.registry.terminals import metric_series
from tests.service.fleet import conftest as fleet
from tests.service.fleet.conftest import hourly, make_customer, make_terminal

pytestmark = [pytest.mark.postgres_only, pytest.mark.dialect]

TABLE = "fleet_metric_hourly"
JANUARY = datetime(2019, 1, 1, tzinfo=UTC)  # far from any other test's rollups
FEBRUARY = datetime(2019, 2, 1, tzinfo=UTC)


def month_partition(month: date | datetime) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def hours_kept(db, terminal) -> list[datetime]:
    return list(db.scalars(select(MetricHourly.hour).where(MetricHourly.terminal_id == terminal.id).order_by("hour")))


def test_the_beat_makes_this_month_and_the_next_once(db, own_partitions, monkeypatch):
    now = JANUARY + timedelta(days=19)
    monkeypatch.setattr(fleet_jobs, "utcnow", lambda: now)
    made = fleet_jobs.make_partitions.run()
    months = {month_partition(JANUARY), month_partition(FEBRUARY)}
    assert months <= set(made) and months <= fleet.partitions(db, TABLE)
    assert fleet.partitions(db, "fleet_metric_sample") >= {
        "fleet_metric_sample_p20190120",
        "fleet_metric_sample_p20190123",
    }
    assert retention.make_ahead(db, kind="metric_hourly", now=now) == []  # again: nothing to make
    assert retention.make_ahead(db, kind="metric_hourly", now=FEBRUARY + timedelta(days=2)) == [
        "fleet_metric_hourly_p201903"
    ]


def test_a_month_past_retention_is_dropped_whole_and_the_month_retention_cuts_through_is_pruned_by_batch(
    db, own_partitions, monkeypatch
):
    terminal, _ = make_terminal(db, make_customer(db))
    retention.make_ahead(db, kind="metric_hourly", now=JANUARY)
    for hour in (JANUARY + timedelta(days=3), FEBRUARY, FEBRUARY + timedelta(days=19)):
        hourly(db, terminal, hour)
    db.commit()
    now = FEBRUARY + timedelta(days=10) + timedelta(days=365)  # the history's retention ends on 11 February
    monkeypatch.setattr(fleet_jobs, "utcnow", lambda: now)
    with session_scope() as work:
        assert retention.cutoffs(work, now=now)["metric_hourly"] == FEBRUARY + timedelta(days=10)
    fleet_jobs.prune_history.run()
    kept = fleet.partitions(db, TABLE)
    assert month_partition(JANUARY) not in kept and month_partition(FEBRUARY) in kept
    assert hours_kept(db, terminal) == [FEBRUARY + timedelta(days=19)]


def test_the_terminals_chart_reads_across_a_month_boundary(db, own_partitions):
    terminal, _ = make_terminal(db, make_customer(db))
    retention.make_ahead(db, kind="metric_hourly", now=JANUARY)
    last, first = FEBRUARY - timedelta(hours=1), FEBRUARY
    ids = [hourly(db, terminal, last, 11), hourly(db, terminal, first, 22)]
    assert [fleet.partition_of(db, TABLE, i) for i in ids] == [month_partition(JANUARY), month_partition(FEBRUARY)]
    series = metric_series(db, terminal=terminal, range_key="7d", now=FEBRUARY + timedelta(days=1))
    assert [(p.at, p.cpu) for p in series.points] == [(last, 11), (first, 22)]
