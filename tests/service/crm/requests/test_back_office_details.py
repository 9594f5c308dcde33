"""The back office's smaller rules: a request whose sites are 投入済 and キャンセル is 一部キャンセル in every list and
figure; a request worked to 投入済 without 「次の依頼を担当」 gets the worker as its 担当者; PPS番号 is §3.2's 電気/ガス
choice and decides the サービス種別."""

import pytest
from sqlalchemy import select, update

from service.audit.models import AuditEntry
from service.crm.models import Request, Site
from tests.service.crm.conftest import add_site, made, set_status, submit
from tests.service.crm.requests.test_workflow import detail, request_with_sites
from tests.service.loaners.views.test_search_and_history import run_migration_step

pytestmark = pytest.mark.dialect

PARTLY = "partly_cancelled"


def partly_cancelled(client, world) -> int:
    """A request of sales A with one site cancelled and the other 投入済."""
    request_id, (site, other) = request_with_sites(client, world)
    made(client.post(f"/api/crm/sites/{site['id']}/cancel", json={"version": site["version"]}, headers=world.sales_a))
    set_status(client, world, other, "submitted")
    return request_id


def listed(client, headers, **params) -> set[int]:
    return {item["id"] for item in client.get("/api/crm/requests", params=params, headers=headers).json()["items"]}


def test_submitted_and_cancelled_sites_read_partly_cancelled_in_lists_and_figures(client, world):
    request_id = partly_cancelled(client, world)
    done = made(submit(client, world.sales_a))["request"]["id"]
    set_status(client, world, add_site(client, world, done), "submitted")
    shown = detail(client, world, request_id)["request"]
    assert (shown["status"], shown["status_label"]) == (PARTLY, "一部キャンセル")
    assert listed(client, world.operator, status=PARTLY) == {request_id}
    assert listed(client, world.operator, status="submitted") == {done}
    figures = {f["key"]: f["value"] for f in client.get("/api/crm/metrics/figures", headers=world.operator).json()}
    assert figures["crm.submitted"] == 1  # the 投入済 card counts the 投入済 list: not the 一部キャンセル one
    by_status = {
        f["label"]: f["value"] for f in client.get("/api/crm/dashboard", headers=world.admin).json()["by_status"]
    }
    assert (by_status["投入済"], by_status["一部キャンセル"]) == (1, 1)
    table = client.get("/api/crm/metrics/agencies", headers=world.operator).json()
    row = next(r for r in table["agencies"] if r["agency_id"] == world.agency_a)
    assert (row["submitted"], row["partly_cancelled"], table["total"]["partly_cancelled"]) == (1, 1, 1)
    assert client.get("/api/crm/my/summary", headers=world.sales_a).json()[PARTLY] == 1
    sales_view = made(client.get(f"/api/crm/requests/{request_id}", headers=world.sales_a))
    assert sales_view["actions"]["cancel"] is False  # closed, as 投入済 is


def test_the_migration_reads_an_old_submitted_request_with_a_cancelled_site_as_partly_cancelled(client, db, world):
    request_id = partly_cancelled(client, world)
    db.execute(update(Request).where(Request.id == request_id).values(status="submitted"))
    run_migration_step(db, "0056_crm_partly_cancelled", "upgrade")
    assert db.scalar(select(Request.status).where(Request.id == request_id)) == PARTLY
    db.rollback()


def test_a_request_worked_to_submitted_without_being_taken_gets_the_worker_as_its_assignee(client, db, world):
    request_id, (site, other) = request_with_sites(client, world)
    assert detail(client, world, request_id)["request"]["assigned_to"] is None
    set_status(client, world, site, "submitted")
    item = detail(client, world, request_id)["request"]
    assert (item["assigned_to"], item["assigned_to_name"]) == (world.ids["operator"], "投入担当")
    assigned = db.scalars(select(AuditEntry).where(AuditEntry.action == "assign")).all()
    assert [(e.target_id, e.changes["assigned_to"]["after"]) for e in assigned] == [
        (str(request_id), world.ids["operator"])
    ]
    db.commit()
    taken_id, (taken_site,) = request_with_sites(client, world, count=1)
    version = detail(client, world, taken_id)["request"]["version"]
    body = {"assigned_to": world.ids["admin"], "version": version}
    made(client.put(f"/api/crm/requests/{taken_id}/assignee", json=body, headers=world.admin))
    set_status(client, world, taken_site, "submitted")
    assert detail(client, world, taken_id)["request"]["assigned_to"] == world.ids["admin"]  # taken: kept


def test_pps_is_the_electric_or_gas_choice_and_decides_the_service_type(client, db, world):
    request_id, (site,) = request_with_sites(client, world, count=1)
    assert (site["pps_business_number"], site["service_type"]) == ("electric", "electric")
    gas = add_site(client, world, request_id, pps_business_number="gas")
    assert gas["service_type"] == "gas"
    typed = client.post(
        f"/api/crm/requests/{request_id}/sites", json={"pps_business_number": "A0001"}, headers=world.operator
    )
    assert (typed.status_code, typed.json()["error"]["details"]["rule"]) == (422, "choice")
    mismatch = {"pps_business_number": "gas", "service_type": "electric", "version": site["version"]}
    refused = client.patch(f"/api/crm/sites/{site['id']}", json=mismatch, headers=world.operator)
    assert (refused.status_code, refused.json()["error"]["details"]["rule"]) == (422, "service_type_from_pps")
    assert "PPS番号" in refused.json()["error"]["message"]
    db.execute(update(Site).where(Site.id == site["id"]).values(pps_business_number="PPS001", service_type="gas"))
    db.commit()  # a PPS番号 typed before it was a choice stays as stored, with its service type
    kept = made(
        client.patch(
            f"/api/crm/sites/{site['id']}",
            json={"note": "確認済み", "version": site["version"]},
            headers=world.operator,
        )
    )
    assert (kept["pps_business_number"], kept["service_type"]) == ("PPS001", "gas")
