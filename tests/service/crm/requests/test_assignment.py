"""「次の依頼を担当」: the oldest unassigned 対応中 request, resubmissions first, is the caller's at once; two people
pressing together get two different requests (two threads, two connections, on both backends; on PostgreSQL the
second claim passes over the first's uncommitted one without waiting). The list shows the assignee; an admin
reassigns (audited); a resubmission puts the request back in the queue."""

import threading

import pytest
from sqlalchemy import select, text

from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.crm.auditing import Actorship
from service.crm.models import Request
from service.crm.requests import assignment
from service.crm.visibility import CaseView
from service.database import session_scope, utcnow
from service.tenancy import TenantScope
from tests.factories import auth_headers, make_user
from tests.service.crm.conftest import made, set_status, submit
from tests.service.crm.requests.test_queue import resubmitted
from tests.service.crm.requests.test_workflow import detail, request_with_sites


def take(client, headers) -> dict | None:
    return made(client.post("/api/crm/requests/next", headers=headers))["request"]


def filed(client, world, count: int) -> list[int]:
    return [made(submit(client, world.sales_a))["request"]["id"] for _ in range(count)]


@pytest.mark.dialect
def test_the_next_request_is_the_oldest_unassigned_resubmissions_first_and_shows_on_the_list(client, world):
    older, newer = filed(client, world, 2)
    back = resubmitted(client, world)  # the newest, but back from the agency

    first = take(client, world.operator)
    assert (first["id"], first["assigned_to"], first["assigned_to_name"]) == (back, world.ids["operator"], "投入担当")
    assert [take(client, world.admin)["id"], take(client, world.operator)["id"]] == [older, newer]
    assert take(client, world.operator) is None  # nothing waits

    listed = made(client.get("/api/crm/requests", headers=world.operator))["items"]
    assert {item["id"]: item["assigned_to_name"] for item in listed} == {
        back: "投入担当",
        older: "管理者",
        newer: "投入担当",
    }
    mine = made(client.get("/api/crm/requests", params={"assigned_to": world.ids["operator"]}, headers=world.operator))
    assert sorted(item["id"] for item in mine["items"]) == sorted([back, newer])
    assert made(client.get("/api/crm/requests/queue-summary", headers=world.operator))["unassigned"] == 0
    entries = made(client.get("/api/crm/audit", params={"action": "assign"}, headers=world.admin))["items"]
    assert {e["changes"]["assigned_to"]["after"] for e in entries} == {world.ids["operator"], world.ids["admin"]}
    assert client.post("/api/crm/requests/next", headers=world.sales_a).status_code == 403


@pytest.mark.dialect
def test_a_resubmission_puts_the_request_back_in_the_queue(client, world):
    request_id, (site,) = request_with_sites(client, world, count=1)
    assert take(client, world.operator)["id"] == request_id
    set_status(client, world, site, "deficient", reason="お客様番号が違います")
    assert detail(client, world, request_id)["request"]["assigned_to"] == world.ids["operator"]  # kept while 不備
    version = detail(client, world, request_id, world.sales_a)["request"]["version"]
    body = {"message": "直しました", "version": version}
    made(client.post(f"/api/crm/requests/{request_id}/resubmit", json=body, headers=world.sales_a))
    assert detail(client, world, request_id)["request"]["assigned_to"] is None
    assert take(client, world.admin)["id"] == request_id


@pytest.mark.dialect
def test_an_admin_reassigns_an_open_request_to_the_back_office_only_and_it_is_audited(client, db, world):
    other = make_user(db, "op2", name="投入担当2", grants={"crm": "operator"})
    db.commit()
    (request_id,) = filed(client, world, 1)
    take(client, world.operator)
    path = f"/api/crm/requests/{request_id}/assignee"

    moved = made(client.put(path, json={"assigned_to": other.id}, headers=world.admin))["request"]
    assert (moved["assigned_to"], moved["assigned_to_name"]) == (other.id, "投入担当2")
    refused = client.put(path, json={"assigned_to": world.ids["sales_a"]}, headers=world.admin)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "back_office_only"
    assert client.put(path, json={"assigned_to": other.id}, headers=world.operator).status_code == 403
    assert made(client.put(path, json={"assigned_to": None}, headers=world.admin))["request"]["assigned_to"] is None
    entries = made(client.get("/api/crm/audit", params={"action": "reassign"}, headers=world.admin))["items"]
    assert [e["changes"]["assigned_to"] for e in entries] == [
        {"before": other.id, "after": None},
        {"before": world.ids["operator"], "after": other.id},
    ]
    assert entries[0]["action_label"] == "担当者の変更"

    made(client.post(f"/api/crm/requests/{request_id}/cancel", json={"version": 1}, headers=world.sales_a))
    closed = client.put(path, json={"assigned_to": other.id}, headers=world.admin)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "request_closed"


@pytest.mark.dialect
def test_two_operators_pressing_at_once_get_two_different_requests(client, db, world):
    other = auth_headers(make_user(db, "op2", name="投入担当2", grants={"crm": "operator"}))
    db.commit()
    filed(client, world, 3)
    barrier, taken = threading.Barrier(2), []

    def press(headers: dict) -> None:
        barrier.wait(timeout=30)
        taken.append(take(client, headers)["id"])

    threads = [threading.Thread(target=press, args=(headers,)) for headers in (world.operator, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(taken) == 2 and len(set(taken)) == 2
    assigned = db.scalars(select(Request.id).where(Request.assigned_to.is_not(None)).order_by(Request.id)).all()
    db.commit()
    assert sorted(taken) == list(assigned)


def claimer(user_id: int) -> tuple[CaseView, Actorship]:
    view = CaseView(TenantScope("crm", None, None), user_id, "back_office")
    return view, Actorship(actor=Actor(type="user", id=str(user_id)), user_id=user_id, role="operator")


@pytest.mark.postgres_only
def test_a_second_claim_passes_over_one_not_yet_committed_without_waiting(client, world):
    """Two connections: the first has claimed and not committed; the second gets the next request at once (its lock
    timeout would refuse a wait)."""
    older, newer = filed(client, world, 2)
    first_view, first = claimer(world.ids["operator"])
    second_view, second = claimer(world.ids["admin"])
    with session_scope() as holding:
        assert assignment.take_next(holding, view=first_view, by=first, now=utcnow()).id == older
        with session_scope() as other:
            other.execute(text("SET LOCAL lock_timeout = '5s'"))
            assert assignment.take_next(other, view=second_view, by=second, now=utcnow()).id == newer
    with session_scope() as db:
        owners = dict(db.execute(select(Request.id, Request.assigned_to)).tuples().all())
        assert owners == {older: world.ids["operator"], newer: world.ids["admin"]}
        assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "assign").limit(1)) is not None
