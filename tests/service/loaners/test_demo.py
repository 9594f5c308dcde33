"""The demo data: the §8.1 masters, a few hundred devices in every status with history, in two 管轄, and a staff
account scoped to one of them; loading twice adds nothing."""

import pytest
from sqlalchemy import func, select

from service.audit.service import Actor
from service.database import session_scope
from service.demo.framework import load_demo
from service.identity.models import Grant, User
from service.loaners import labels
from service.loaners.models import Device, Location, Model, Submission
from tests.factories import auth_headers

DEMO = Actor(type="cli", label="test")


def counts(db):
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Location, Model, Device, Submission, Grant))


def devices_by_jurisdiction(db) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for device_id, jurisdiction in db.execute(select(Device.id, Device.jurisdiction)):
        found.setdefault(jurisdiction, set()).add(device_id)
    return found


def listed(client, headers) -> tuple[int, set[int]]:
    """How many devices the user's list counts, and the ids on its first page."""
    page = client.get("/api/loaners/devices", params={"page_size": 100}, headers=headers).json()
    return page["total"], {row["id"] for row in page["items"]}


def assert_staff_sees_kansai_only(client, db) -> None:
    """loaners-staff (scoped to 関西) lists 関西's devices only and gets 404 for 関東's; loaners-admin sees both."""
    by_jurisdiction = devices_by_jurisdiction(db)
    assert set(by_jurisdiction) == {"関西", "関東"}
    staff, admin = (
        auth_headers(db.scalar(select(User).where(User.login_id == login)))
        for login in ("loaners-staff", "loaners-admin")
    )
    db.commit()
    assert client.get("/api/loaners/jurisdictions", headers=staff).json() == ["関西"]
    total, shown = listed(client, staff)
    assert total == len(by_jurisdiction["関西"]) and shown <= by_jurisdiction["関西"]
    assert client.get(f"/api/loaners/devices/{min(by_jurisdiction['関東'])}", headers=staff).status_code == 404
    assert listed(client, admin)[0] == len(by_jurisdiction["関西"]) + len(by_jurisdiction["関東"])


@pytest.mark.dialect
def test_demo_has_every_status_with_history_two_jurisdictions_and_loads_once(client, db):
    with session_scope() as session:
        load_demo(session, actor=DEMO, only=["platform", "loaners"])
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
    scoped = (
        select(Grant.role, Grant.scope).join(User).where(Grant.domain == "loaners", User.login_id == "loaners-staff")
    )
    assert db.execute(scoped).all() == [("staff", "関西")]
    assert_staff_sees_kansai_only(client, db)
    with session_scope() as session:
        load_demo(session, actor=DEMO, only=["platform", "loaners"])
    assert counts(db) == first
