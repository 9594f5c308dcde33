"""The daily backup job: one backup into APP_BACKUP_DIR, retention applied, skipped while another run holds its lock."""

from datetime import timedelta

import pytest
from celery.schedules import crontab

from jobs import platform
from jobs.schedule import BEAT_SCHEDULE
from jobs.single_flight import single_flight
from service.backup import service as backups
from service.config import get_settings
from service.database import utcnow


@pytest.fixture
def backup_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_BACKUP_DIR", str(tmp_path / "backups"))
    get_settings.cache_clear()
    yield tmp_path / "backups"
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_daily_job_backs_up_and_keeps_only_what_retention_keeps(backup_folder):
    assert BEAT_SCHEDULE["platform.backup"]["schedule"] == crontab(hour=2, minute=30)
    backup_folder.mkdir()
    long_ago = utcnow() - timedelta(days=100)
    for minutes in (0, 1, 2):  # three of one day: only its newest stays
        (backup_folder / backups.backup_name(long_ago - timedelta(minutes=minutes))).touch()

    name = platform.backup()

    kept = [b.path.name for b in backups.list_backups()]
    assert kept == [name, backups.backup_name(long_ago)]
    assert backups.verify_backup(backup_folder / name).manifest["rows"]


def test_a_run_while_another_holds_the_lock_makes_no_backup(backup_folder):
    with single_flight("platform.backup") as taken:
        assert taken
        assert platform.backup() is None
    assert backups.list_backups() == []
