from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service.entry_logs import counts
from service.entry_logs.filters import LogFilter, filtered
from service.entry_logs.models import EntryLog, LogHourCount
from service.tenancy import TenantScope
from tests.service.entry_logs.world import add_log

START = datetime(2026, 1, 14, 0, 0, tzinfo=UTC)
UNRESTRICTED = TenantScope("entry_logs", "nursery", None)


def exact(db, flt: LogFilter, scope: TenantScope) -> int:
    return db.scalar(filtered(select(func.count(EntryLog.id)), flt, scope))


def table(db) -> list[tuple]:
    return sorted(
        db.execute(
            select(
                LogHourCount.nursery_id, LogHourCount.hour_start, LogHourCount.entry_type, LogHourCount.live_count
            ).where(LogHourCount.live_count != 0)
        ).all()
    )


@pytest.fixture
def spread(db, sakura, himawari, client, staff):
    """Logs every 17 minutes over two days in two nurseries, two of them then deleted through the API."""
    logs = [
        add_log(db, world, world.parents[i % 3], ("Entry", "Exit")[i % 2], START + timedelta(minutes=17 * i))
        for world in (sakura, himawari)
        for i in range(170)
    ]
    db.commit()
    for log in logs[3:5]:
        assert (
            client.delete(f"/api/entry-exit-logs/{log.id}", params={"reason": "誤スキャン"}, headers=staff).status_code
            == 204
        )
    return logs


@pytest.mark.parametrize(
    "bounds",
    [
        (None, None),
        (START + timedelta(minutes=7), None),
        (None, START + timedelta(hours=20, minutes=5)),
        (START + timedelta(minutes=7), START + timedelta(minutes=50)),
        (START + timedelta(hours=3), START + timedelta(hours=30)),
        (START + timedelta(minutes=1), START + timedelta(hours=40, seconds=1)),
    ],
)
@pytest.mark.parametrize("entry_type", [None, "Exit"])
def test_counts_agree_with_counting_the_logs(db, sakura, spread, bounds, entry_type):
    scoped = TenantScope("entry_logs", "nursery", str(sakura.nursery.id))
    for scope in (scoped, UNRESTRICTED):
        flt = LogFilter(start=bounds[0], end=bounds[1], entry_type=entry_type)
        assert counts.count_logs(db, flt=flt, scope=scope) == exact(db, flt, scope)
    db.commit()


@pytest.mark.dialect
def test_rebuild_matches_the_counts_kept_by_every_write(db, sakura, himawari, spread):
    kept = table(db)
    for world in (sakura, himawari):
        counts.rebuild(db, nursery_id=world.nursery.id)
    assert table(db) == kept and sum(row[3] for row in kept) == 338
    db.commit()
