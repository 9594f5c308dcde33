"""PostgreSQL keeps the raw metric samples in one partition per UTC day (service/fleet/retention.py,
service/dialect.py): made ahead by the beat, dropped whole once the day is rolled up and out of retention (a late
sample: test_partitions.py). Each test works on days of its own, years back, and drops what it made."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jobs import fleet as fleet_jobs
from service.database import session_scope
from service.fleet import retention
from service.fleet.models import MetricHourly, MetricSample
from service.fleet.registry.terminals import metric_series
from tests.service.fleet import conftest as fleet
from tests.service.fleet.conftest import make_customer, make_terminal, sample

pytestmark = [pytest.mark.postgres_only, pytest.mark.dialect]

DAY = date(2021, 3, 14)  # far from any other test's samples
AT_DAY = datetime(2021, 3, 14, tzinfo=UTC)


def day_partition(day: date) -> str:
    return f"fleet_metric_sample_p{day:%Y%m%d}"


def partitions(db) -> set[str]:
    return fleet.partitions(db, "fleet_metric_sample")


def partition_of(db, sample_id: int) -> str:
    return fleet.partition_of(db, "fleet_metric_sample", sample_id)


def test_the_beat_makes_today_and_the_days_ahead_once(db, own_partitions):
    now = AT_DAY + timedelta(hours=15)
    made = retention.make_ahead(db, kind="metric_sample", now=now)
    expected = [day_partition(DAY + timedelta(days=n)) for n in range(retention.PARTITIONED["metric_sample"].ahead + 1)]
    assert made == expected and set(expected) <= partitions(db)
    assert retention.make_ahead(db, kind="metric_sample", now=now) == []  # again: nothing to make
    assert retention.make_ahead(db, kind="metric_sample", now=now + timedelta(days=1)) == [
        day_partition(DAY + timedelta(days=4))
    ]


def test_a_day_past_retention_is_dropped_whole_after_its_rollup_and_the_hourly_rows_stay(db, own_partitions):
    terminal, _ = make_terminal(db, make_customer(db))
    retention.make_ahead(db, kind="metric_sample", now=AT_DAY)
    for hour, cpu in ((1, 10), (1.5, 30), (23.5, 50)):
        sample(db, terminal, AT_DAY + timedelta(hours=hour), cpu)
    db.commit()
    now = AT_DAY + timedelta(days=9)
    with session_scope() as work:
        while retention.rollup_hours(work, now=now):
            pass
        cutoff = retention.cutoffs(work, now=now)["metric_sample"]
        dropped = retention.drop_past(work, kind="metric_sample", before=cutoff)
    assert day_partition(DAY) in dropped
    assert day_partition(DAY) not in partitions(db)
    assert db.scalar(select(func.count()).where(MetricSample.terminal_id == terminal.id)) == 0
    hourly = db.scalars(select(MetricHourly).where(MetricHourly.terminal_id == terminal.id).order_by(MetricHourly.hour))
    assert [(h.hour, h.samples, h.cpu_avg) for h in hourly] == [
        (AT_DAY + timedelta(hours=1), 2, 20.0),
        (AT_DAY + timedelta(hours=23), 1, 50.0),
    ]


def test_a_day_not_rolled_up_yet_is_kept(db, own_partitions):
    terminal, _ = make_terminal(db, make_customer(db))
    retention.make_ahead(db, kind="metric_sample", now=AT_DAY)
    sample(db, terminal, AT_DAY + timedelta(hours=3))
    db.commit()
    with session_scope() as work:  # no rollup ran: the samples are kept until one has
        cutoff = retention.cutoffs(work, now=AT_DAY + timedelta(days=30))["metric_sample"]
        assert retention.drop_past(work, kind="metric_sample", before=cutoff) == []
    assert day_partition(DAY) in partitions(db)


def test_the_terminals_chart_reads_across_a_day_boundary(db, own_partitions):
    terminal, _ = make_terminal(db, make_customer(db))
    retention.make_ahead(db, kind="metric_sample", now=AT_DAY)
    late, early = AT_DAY + timedelta(hours=23, minutes=30), AT_DAY + timedelta(days=1, minutes=30)
    ids = [sample(db, terminal, late, 11), sample(db, terminal, early, 22)]
    assert [partition_of(db, i) for i in ids] == [day_partition(d) for d in (DAY, DAY + timedelta(1))]
    series = metric_series(db, terminal=terminal, range_key="24h", now=early + timedelta(minutes=5))
    assert [(p.at, p.cpu) for p in series.points] == [(late, 11), (early, 22)]


def test_the_prune_job_drops_the_days_and_deletes_the_rest(db, own_partitions, monkeypatch):
    terminal, _ = make_terminal(db, make_customer(db))
    retention.make_ahead(db, kind="metric_sample", now=AT_DAY)
    sample(db, terminal, AT_DAY + timedelta(hours=1))
    db.commit()
    now = AT_DAY + timedelta(days=9)
    monkeypatch.setattr(fleet_jobs, "utcnow", lambda: now)
    with session_scope() as work:
        while retention.rollup_hours(work, now=now):
            pass
    fleet_jobs.prune_history.run()
    assert day_partition(DAY) not in partitions(db)
