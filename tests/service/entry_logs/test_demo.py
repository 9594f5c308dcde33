import pytest
from sqlalchemy import func, select

from service.audit.service import SYSTEM
from service.demo.entry_logs import load_entry_logs
from service.demo.framework import DemoProgress
from service.demo.platform import load_accounts
from service.entry_logs.models import Attendance, Child, EntryLog, Nursery, Parent
from service.identity.models import Grant

pytestmark = pytest.mark.dialect

COUNTED = (Parent, Child, EntryLog, Attendance)


def counts(db) -> dict[str, int]:
    return {model.__name__: db.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def test_demo_nursery_is_loaded_once_and_its_staff_can_use_it(client, db):
    progress = DemoProgress(actor=SYSTEM)
    load_accounts(db, progress)
    load_entry_logs(db, progress)
    first = counts(db)
    assert first["Parent"] >= 40 and first["Child"] >= 50 and first["EntryLog"] > 1000 and first["Attendance"] > 500
    load_entry_logs(db, progress)
    assert counts(db) == first
    grants = db.scalars(select(Grant).where(Grant.domain == "entry_logs", Grant.role == "staff")).all()
    assert sorted(grant.user.login_id for grant in grants) == ["nursery-staff", "nursery-staff-2"]
    parent_id = db.scalar(select(Parent.id).order_by(Parent.id))
    db.commit()
    login = client.post("/api/auth/entry-exit-login", json={"nurseryCode": "sakura", "password": "sakura-demo"})
    assert login.status_code == 200 and login.json()["nurseryName"] == "さくら保育園"
    scan = client.post(
        "/api/entry-exit-logs",
        json={"parentId": str(parent_id), "entryType": "Exit", "clientScanId": "demo-check"},
        headers={"Authorization": f"Bearer {login.json()['token']}"},
    )
    assert scan.status_code in (200, 201) and scan.json()["childNames"]
    staff = client.post("/api/auth/login", json={"login_id": "nursery-staff", "password": "daicho-demo"}).json()[
        "access_token"
    ]
    listed = client.get("/api/entry-exit-logs", headers={"Authorization": f"Bearer {staff}"}).json()
    sakura_logs = db.scalar(select(func.count()).select_from(EntryLog).join(Nursery).where(Nursery.code == "sakura"))
    assert listed["totalCount"] >= sakura_logs > 1000 and len(listed["logs"]) == 50


def test_the_two_demo_nurseries_each_see_only_their_own_logs(client, db):
    progress = DemoProgress(actor=SYSTEM)
    load_accounts(db, progress)
    load_entry_logs(db, progress)
    db.commit()
    seen = {}
    for login in ("nursery-staff", "nursery-staff-2"):
        body = {"login_id": login, "password": "daicho-demo"}
        token = client.post("/api/auth/login", json=body).json()["access_token"]
        logs = client.get("/api/entry-exit-logs", headers={"Authorization": f"Bearer {token}"}).json()["logs"]
        seen[login] = {log["nurseryName"] for log in logs}
    assert seen == {"nursery-staff": {"さくら保育園"}, "nursery-staff-2": {"もみじ保育園"}}
