"""The CRM demo: three agencies, sales staff scoped to their agency, requests in every status, bill images."""

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.config import get_settings
from service.crm.models import Agency, Corporation, Image, Request, Site
from service.crm.statuses import aggregate
from service.crm.validation import corporation_number
from service.database import session_scope
from service.demo.framework import load_demo
from service.demo.platform import DEMO_PASSWORD
from service.identity.models import Grant, User
from tests.support.history import restore_history

ACTOR = Actor(type="cli", label="test")


def load() -> tuple[int, int, int]:
    with session_scope() as db:
        load_demo(db, actor=ACTOR, only=["platform", "crm"])
    with session_scope() as db:
        return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Request, Image, AuditEntry))


def test_demo_has_every_status_images_and_consistent_statuses(client):
    requests, images, _ = load()
    with session_scope() as db:
        assert [a.code for a in db.scalars(select(Agency).order_by(Agency.code))] == ["DEMO1", "DEMO2", "DEMO3"]
        by_status = dict(db.execute(select(Request.status, func.count()).group_by(Request.status)).tuples().all())
        assert requests == 360 and set(by_status) == {"in_progress", "deficient", "submitted", "cancelled"}
        assert min(by_status.values()) >= 20
        for request in db.scalars(select(Request)):
            sites = db.scalars(select(Site.status).where(Site.request_id == request.id)).all()
            expected = aggregate(
                sites, whole_deficiency=request.whole_deficiency, cancelled=request.cancelled_at is not None
            )
            assert request.status == expected, request.id
        paths = db.scalars(select(Image.stored_path)).all()
        first_agency = db.scalar(select(Agency.id).where(Agency.code == "DEMO1"))
        grant = db.scalar(
            select(Grant).join(Grant.user).where(Grant.domain == "crm", Grant.user.has(login_id="crm-sales"))
        )
        assert (grant.role, grant.scope) == ("sales", str(first_agency))
    root = get_settings().crm_storage_root
    assert len(paths) == images and all((root / p).is_file() for p in paths)
    sales, manager = (login_headers(client, name) for name in ("crm-sales", "crm-sales-manager"))
    mine = client.get("/api/crm/requests", params={"page_size": 100}, headers=sales).json()
    assert 0 < mine["total"] < requests and {r["agency_id"] for r in mine["items"]} == {first_agency}
    with session_scope() as db:
        sales_id = db.scalar(select(User.id).where(User.login_id == "crm-sales"))
        agency_total = db.scalar(select(func.count()).select_from(Request).where(Request.agency_id == first_agency))
    assert {r["requested_by"] for r in mine["items"]} == {sales_id}
    assert client.get("/api/crm/requests", headers=manager).json()["total"] == agency_total > mine["total"]
    deficient = client.get("/api/crm/requests", params={"status": "deficient"}, headers=sales)
    assert deficient.json()["total"] > 0


def login_headers(client, login_id: str) -> dict[str, str]:
    token = client.post("/api/auth/login", json={"login_id": login_id, "password": DEMO_PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_loading_twice_adds_nothing():
    first = load()
    assert load() == first


def numbers_by_agency(db) -> list[tuple[int, str]]:
    """Every corporation's (agency, 法人番号), each number checked by its check digit (an error fails the test)."""
    rows = db.execute(select(Corporation.agency_id, Corporation.corporation_number)).tuples().all()
    return [(agency, corporation_number(number)) for agency, number in rows if number]


@pytest.mark.dialect
@pytest.mark.walk  # loads the lived-in history
def test_the_demo_and_its_history_give_each_company_its_own_valid_corporation_number(db):
    restore_history()
    numbered = numbers_by_agency(db)
    db.commit()
    assert numbered and len(numbered) == len(set(numbered))  # one company, one corporation
