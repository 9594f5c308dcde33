"""§8.2 rotation: submissions older than 3 years archived (gzip JSON lines) and deleted; every device's latest kept."""

import gzip
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from jobs.loaners import rotate_submissions
from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from service.loaners.archives import rotation
from service.loaners.models import Rotation, Submission
from tests.service.loaners.conftest import ACTOR, IN_HOUSE, LENT, answer, headers, make_device

YEAR = timedelta(days=365)


def history(db):
    """A: four answers (three older than 3 years); B: one 5-year-old answer; C: two, both older than 3 years."""
    now = utcnow()
    a, b, c = (make_device(db, serial=s) for s in ("A", "B", "C"))
    old_a = [
        answer(db, a, LENT if i % 2 else IN_HOUSE, at=now - age).id
        for i, age in enumerate((5 * YEAR, 4 * YEAR, 3 * YEAR + timedelta(days=30)))
    ]
    kept_a = answer(db, a, LENT, at=now - YEAR).id
    only_b = answer(db, b, IN_HOUSE, at=now - 5 * YEAR).id
    old_c = answer(db, c, IN_HOUSE, at=now - 6 * YEAR).id
    latest_c = answer(db, c, LENT, at=now - 4 * YEAR).id
    return old_a + [old_c], [kept_a, only_b, latest_c]


def archived_records(folder: str) -> list[dict]:
    records = []
    for path in sorted(Path(folder).glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            records += [json.loads(line) for line in lines]
    return records


@pytest.mark.dialect
def test_old_submissions_are_archived_and_removed_keeping_each_devices_latest(db):
    removed, kept = history(db)
    run = rotation.start(db, now=utcnow(), actor=ACTOR)
    db.commit()
    counts = []
    while True:
        with session_scope() as batch_db:
            counts.append(rotation.archive_batch(batch_db, run_id=run.id, limit=2))
        if counts[-1] < 2:
            break
    with session_scope() as session:
        finished = rotation.finish(session, run_id=run.id, now=utcnow())
        assert (finished.status, finished.archived_rows, finished.running) == ("done", 4, None)
    assert counts == [2, 2, 0]
    assert sorted(db.scalars(select(Submission.id))) == sorted(kept)
    records = archived_records(run.archive_folder)
    assert sorted(r["id"] for r in records) == sorted(removed)
    first = next(r for r in records if r["id"] == removed[0])
    assert (
        first["management_number"].endswith("_A_001")
        and first["answers"] == IN_HOUSE
        and first["status"] == "3.社内にて保管中"
    )


@pytest.mark.dialect
def test_the_job_runs_once_per_interval_and_two_runs_never_overlap(db):
    history(db)
    db.commit()
    first = rotate_submissions()
    assert first["archived"] == 4
    assert rotate_submissions() == {"run_id": None, "archived": 0}  # done less than 4 weeks ago
    with session_scope() as session:
        assert rotation.start(session, now=utcnow(), actor=ACTOR) is not None
        assert rotation.start(session, now=utcnow(), actor=ACTOR) is None
    with session_scope() as session:
        later = utcnow() + timedelta(hours=7)  # the first run's worker is gone: its run is marked failed
        assert rotation.start(session, now=later, actor=ACTOR) is not None
        assert [r.status for r in session.scalars(select(Rotation).order_by(Rotation.id))] == [
            "done",
            "failed",
            "running",
        ]


def test_admins_start_a_rotation_and_see_its_runs(client, db):
    admin = headers(db, "admin1", "admin")
    db.commit()
    started = client.post("/api/loaners/rotations", headers=admin)
    assert (started.status_code, started.json()["status"], started.json()["status_label"]) == (202, "running", "実行中")
    assert client.post("/api/loaners/rotations", headers=admin).status_code == 409
    assert [r["id"] for r in client.get("/api/loaners/rotations", headers=admin).json()] == [started.json()["id"]]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "start_rotation"))
    assert (entry.actor_label, entry.target_id, started.json()["started_by"]) == (
        "admin1",
        str(started.json()["id"]),
        "admin1",
    )


@pytest.mark.dialect
def test_the_preview_says_what_a_run_started_now_would_archive(client, db, tmp_path, monkeypatch):
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    history(db)
    admin, staff = headers(db, "admin1", "admin"), headers(db, "staff1")
    db.commit()
    preview = client.get("/api/loaners/rotations/preview", headers=admin).json()
    assert (preview["rows"], preview["due"], preview["running"]) == (4, True, False)
    assert preview["oldest_at"] < preview["cutoff"]
    assert rotate_submissions()["archived"] == preview["rows"]
    after = client.get("/api/loaners/rotations/preview", headers=admin).json()
    assert (after["rows"], after["due"]) == (0, False)
    assert client.get("/api/loaners/rotations/preview", headers=staff).status_code == 403
