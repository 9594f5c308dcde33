"""Image files: leftovers of a crash are swept, named files stay, and paths never leave the storage root."""

import os
from datetime import timedelta

import pytest

from jobs import crm as crm_jobs
from jobs.celery_app import TASK_MODULES
from jobs.celery_app import app as celery_app
from jobs.schedule import BEAT_SCHEDULE
from service.crm import storage
from service.database import utcnow
from service.errors import NotFound
from tests.service.crm.conftest import made, submit


@pytest.mark.dialect
def test_the_sweep_removes_old_files_no_row_names_and_keeps_the_rest(client, db, world, storage_root):
    detail = made(submit(client, world.sales_a))
    folder = next(p.parent for p in storage_root.rglob("*.png"))
    old_orphan, new_orphan = folder / "crashed.png", folder / "uploading.png"
    old_orphan.write_bytes(b"x")
    new_orphan.write_bytes(b"y")
    day_ago = (utcnow() - timedelta(days=1)).timestamp()
    for path in (old_orphan, *folder.iterdir()):
        os.utime(path, (day_ago, day_ago))
    os.utime(new_orphan, None)
    assert storage.sweep_orphans(db, older_than=utcnow() - timedelta(hours=6)) == 1
    db.commit()
    assert not old_orphan.exists() and new_orphan.exists()
    assert client.get(f"/api/crm/images/{detail['images'][0]['id']}/file", headers=world.sales_a).status_code == 200
    assert crm_jobs.sweep_orphan_files() == 0


def test_the_sweep_is_a_scheduled_task():
    assert "jobs.crm" in TASK_MODULES and "crm.sweep_orphan_files" in celery_app.tasks
    assert BEAT_SCHEDULE["crm.sweep_orphan_files"]["task"] == "crm.sweep_orphan_files"


@pytest.mark.parametrize("relative", ["../../etc/passwd", "/etc/passwd", "1/2/missing.png"])
def test_paths_outside_the_root_or_missing_are_404(relative, storage_root):
    with pytest.raises(NotFound):
        storage.path_of(relative)
