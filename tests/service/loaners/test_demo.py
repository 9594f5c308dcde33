"""The demo data: the §8.1 masters, a few hundred devices in every status with history; loading twice adds nothing."""

from sqlalchemy import func, select

from service.audit.service import Actor
from service.database import session_scope
from service.demo.framework import load_demo
from service.loaners import labels
from service.loaners.models import Device, Location, Model, Submission

DEMO = Actor(type="cli", label="test")


def counts(db):
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Location, Model, Device, Submission))


def test_demo_has_every_status_with_history_and_loads_once(db):
    with session_scope() as session:
        load_demo(session, actor=DEMO, only=["loaners"])
    first = counts(db)
    assert first[:2] == (5, 8) and 200 <= first[2] <= 400 and first[3] > first[2]
    statuses = set(db.scalars(select(Device.status).distinct()))
    assert {"1.貸出中", "2.回収後社内保管", "3.社内にて保管中", "4.廃棄済み"} <= statuses
    assert set(labels.HELD_STATUSES) <= set(db.scalars(select(Device.held_status).distinct()))
    assert db.scalar(select(func.count()).select_from(Device).where(Device.current_submission_id.is_(None))) == 0
    newer = select(Submission.id).where(
        Submission.device_id == Device.id, Submission.submitted_at > Device.last_submitted_at
    )
    assert db.scalar(select(func.count()).select_from(Device).where(newer.exists())) == 0
    db.commit()
    with session_scope() as session:
        load_demo(session, actor=DEMO, only=["loaners"])
    assert counts(db) == first
