import gzip
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from jobs import entry_logs as job
from service.config import get_settings
from service.database import utcnow
from service.entry_logs import counts
from service.entry_logs.filters import LogFilter
from service.entry_logs.models import EntryLog
from service.tenancy import TenantScope
from tests.service.entry_logs.world import add_log, make_world

pytestmark = pytest.mark.dialect


def remaining(db) -> list[int]:
    ids = list(db.scalars(select(EntryLog.id).order_by(EntryLog.id)))
    db.commit()
    return ids


@pytest.fixture
def aged_logs(db):
    """Five logs older than a year (one soft-deleted) and two recent ones."""
    world = make_world(db, "sakura", parents=2)
    now = utcnow()
    old = [add_log(db, world, world.parents[i % 2], "Entry", now - timedelta(days=400 + i)) for i in range(5)]
    old[0].deleted_at, old[0].deleted_by, old[0].delete_reason = now - timedelta(days=399), "staff", "誤スキャン"
    counts.add(db, [(old[0].nursery_id, old[0].occurred_at, old[0].entry_type)], by=-1)
    recent = [add_log(db, world, world.parents[0], "Exit", now - timedelta(days=d)) for d in (10, 364)]
    db.commit()
    return [log.id for log in old], [log.id for log in recent]


def test_archive_writes_readable_gzip_files_then_deletes(db, aged_logs, tmp_path, monkeypatch):
    old, recent = aged_logs
    monkeypatch.setattr(job, "archive_folder", lambda: tmp_path)
    monkeypatch.setattr(get_settings(), "entry_logs_archive_batch", 2)
    assert job.archive_old_logs() == 5
    assert remaining(db) == recent
    assert counts.count_logs(db, flt=LogFilter(), scope=TenantScope("entry_logs", "nursery", None)) == 2
    db.commit()
    files = sorted(tmp_path.glob("*.jsonl.gz"))
    assert len(files) == 3 and not list(tmp_path.glob("*.partial"))
    records = [json.loads(line) for path in files for line in gzip.open(path, "rt", encoding="utf-8")]
    assert sorted(r["id"] for r in records) == old
    first = next(r for r in records if r["id"] == old[0])
    assert (first["nursery_code"], first["parent_name"], first["entry_type"]) == ("sakura", "sakura保護者0", "Entry")
    assert (first["deleted_by"], first["delete_reason"]) == ("staff", "誤スキャン")
    assert job.archive_old_logs() == 0


def test_nothing_is_deleted_when_the_archive_cannot_be_written(db, aged_logs, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setattr(job, "archive_folder", lambda: blocker / "archive")
    with pytest.raises(OSError):
        job.archive_old_logs()
    assert db.scalar(select(func.count()).select_from(EntryLog)) == 7
    db.commit()
