"""The import and the rotation started from the API are run by a real Celery worker; the page polls their progress."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.database import utcnow
from service.loaners.imports import imports
from service.loaners.models import Submission
from tests.service.loaners.conftest import IN_HOUSE, LENT, answer, headers, make_device
from tests.service.loaners.imports.test_imports import HEADER, ROWS, upload
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401


def finished(job: dict) -> dict | None:
    return job if job["status"] not in imports.RUNNING else None


@pytest.mark.dialect
def test_import_and_rotation_are_run_by_the_worker(client, db, start_worker):  # noqa: F811
    device = make_device(db, serial="OLD")
    answer(db, device, IN_HOUSE, at=utcnow() - timedelta(days=4 * 365))
    answer(db, device, LENT, at=utcnow() - timedelta(days=10))
    make_device(db, "osaka", serial="ABC123")
    admin = headers(db, "admin1", "admin")
    db.commit()
    start_worker()
    job = upload(client, admin, HEADER + "\n".join(ROWS) + "\n").json()
    done = wait_for_job(
        lambda: finished(client.get(f"/api/loaners/imports/{job['id']}", headers=admin).json()),
        timeout=60,
        message="the import to finish",
    )
    assert (done["processed_rows"], done["accepted_rows"], done["rejected_rows"]) == (9, 4, 5)
    run_id = client.post("/api/loaners/rotations", headers=admin).json()["id"]
    run = wait_for_job(
        lambda: finished(
            next(r for r in client.get("/api/loaners/rotations", headers=admin).json() if r["id"] == run_id)
        ),
        timeout=60,
        message="the rotation to finish",
    )
    assert (run["status"], run["archived_rows"]) == ("done", 1)
    assert db.scalar(select(func.count()).select_from(Submission).where(Submission.device_id == device.id)) == 1
