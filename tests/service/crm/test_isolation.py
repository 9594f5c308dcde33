"""Agency isolation (§5.1): a sales user sees only their agency; another agency's ids are 404 on every endpoint.

The walk below names every route under /api/crm; a test fails when a route is added without being walked.
"""

import json

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.crm.models import Comment, Corporation, Image, Notification, Request, Site
from tests.service.crm.conftest import add_site, made, picture, set_status, submit

SALES_MAY_USE = "404"
BACK_OFFICE_ONLY = "403"


def agency_b_world(client, world) -> dict:
    """Agency B's request with a submitted site, an open site, an image, a comment and a notification for sales B."""
    request = made(submit(client, world.sales_b))
    rid = request["request"]["id"]
    site = add_site(client, world, rid)
    done = add_site(client, world, rid, power_branch_name="完了店")
    set_status(client, world, done, "submitted")
    made(client.post(f"/api/crm/requests/{rid}/comments", json={"message": "B社へ"}, headers=world.operator))
    mine = made(submit(client, world.sales_a))
    return {
        "request": rid,
        "corporation": request["corporation"]["id"],
        "site": site["id"],
        "image": request["images"][0]["id"],
        "agency": world.agency_b,
        "user": world.ids["sales_b"],
        "my_request": mine["request"]["id"],
        "my_image": mine["images"][0]["id"],
    }


def walk(b: dict) -> list[tuple[str, str, dict, dict, str]]:
    """(method, route template, path ids, request kwargs, expected for a sales user of agency A)."""
    png = [("images", ("x.png", picture(), "image/png"))]
    r, c, s, i, a, u = b["request"], b["corporation"], b["site"], b["image"], b["agency"], b["user"]
    new_request = {"data": {"payload": json.dumps({"corporation_id": c})}, "files": png}
    new_for_b = {
        "data": {
            "payload": json.dumps(
                {"agency_id": a, "corporation": {"customer_type": "2", "last_name": "x", "payment_type": "2"}}
            )
        }
    }
    return [
        ("GET", "/crm/requests", {}, {"params": {"agency_id": a}}, SALES_MAY_USE),
        ("GET", "/crm/requests", {}, {"params": {"corporation_id": c}}, SALES_MAY_USE),
        ("GET", "/crm/requests", {}, {"params": {"requested_by": u}}, SALES_MAY_USE),
        ("GET", "/crm/requests/export", {}, {"params": {"agency_id": a}}, SALES_MAY_USE),
        ("GET", "/crm/requests/export", {}, {"params": {"corporation_id": c}}, SALES_MAY_USE),
        ("GET", "/crm/requests/team", {}, {"params": {"agency_id": a}}, SALES_MAY_USE),
        ("GET", "/crm/requests/team", {}, {"params": {"requested_by": u}}, SALES_MAY_USE),
        ("POST", "/crm/requests/next", {}, {}, BACK_OFFICE_ONLY),
        (
            "PUT",
            "/crm/requests/{request_id}/assignee",
            {"request_id": r},
            {"json": {"assigned_to": None}},
            BACK_OFFICE_ONLY,
        ),
        ("POST", "/crm/requests", {}, new_request, SALES_MAY_USE),
        ("POST", "/crm/requests", {}, new_for_b, SALES_MAY_USE),
        ("GET", "/crm/requests/{request_id}", {"request_id": r}, {}, SALES_MAY_USE),
        (
            "PATCH",
            "/crm/requests/{request_id}",
            {"request_id": r},
            {"json": {"remarks": "x", "version": 1}},
            SALES_MAY_USE,
        ),
        ("POST", "/crm/requests/{request_id}/cancel", {"request_id": r}, {"json": {"version": 1}}, SALES_MAY_USE),
        ("POST", "/crm/requests/{request_id}/resubmit", {"request_id": r}, {"json": {"version": 1}}, SALES_MAY_USE),
        (
            "POST",
            "/crm/requests/{request_id}/deficiencies",
            {"request_id": r},
            {"json": {"message": "x", "version": 1}},
            BACK_OFFICE_ONLY,
        ),
        ("POST", "/crm/requests/{request_id}/comments", {"request_id": r}, {"json": {"message": "x"}}, SALES_MAY_USE),
        (
            "POST",
            "/crm/requests/{request_id}/comments",
            {"request_id": b["my_request"]},
            {"json": {"message": "x", "site_id": s}},
            SALES_MAY_USE,
        ),
        ("POST", "/crm/requests/{request_id}/read", {"request_id": r}, {}, SALES_MAY_USE),
        ("POST", "/crm/requests/{request_id}/images", {"request_id": r}, {"files": png}, SALES_MAY_USE),
        ("POST", "/crm/requests/{request_id}/sites", {"request_id": r}, {"json": {}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/requests/{request_id}/carrier.csv", {"request_id": r}, {}, BACK_OFFICE_ONLY),
        ("GET", "/crm/corporations", {}, {"params": {"agency_id": a}}, SALES_MAY_USE),
        ("GET", "/crm/corporations/{corporation_id}", {"corporation_id": c}, {}, SALES_MAY_USE),
        (
            "PATCH",
            "/crm/corporations/{corporation_id}",
            {"corporation_id": c},
            {"json": {"city": "x", "version": 1}},
            SALES_MAY_USE,
        ),
        ("POST", "/crm/corporations/{corporation_id}/card/reveal", {"corporation_id": c}, {}, BACK_OFFICE_ONLY),
        (
            "POST",
            "/crm/corporations/{corporation_id}/merge",
            {"corporation_id": c},
            {"json": {"duplicate_id": c}},
            BACK_OFFICE_ONLY,
        ),
        ("GET", "/crm/images/{image_id}/file", {"image_id": i}, {}, SALES_MAY_USE),
        ("GET", "/crm/images/{image_id}/thumbnail", {"image_id": i}, {}, SALES_MAY_USE),
        ("GET", "/crm/images/{image_id}/ocr", {"image_id": i}, {}, BACK_OFFICE_ONLY),
        ("GET", "/crm/images/{image_id}/ocr/page", {"image_id": i}, {}, BACK_OFFICE_ONLY),
        ("PATCH", "/crm/images/{image_id}", {"image_id": i}, {"json": {"site_id": None}}, BACK_OFFICE_ONLY),
        ("DELETE", "/crm/images/{image_id}", {"image_id": i}, {}, SALES_MAY_USE),
        ("GET", "/crm/sites/{site_id}", {"site_id": s}, {}, BACK_OFFICE_ONLY),
        ("PATCH", "/crm/sites/{site_id}", {"site_id": s}, {"json": {"note": "x", "version": 1}}, BACK_OFFICE_ONLY),
        ("DELETE", "/crm/sites/{site_id}", {"site_id": s}, {"params": {"version": 1}}, BACK_OFFICE_ONLY),
        (
            "POST",
            "/crm/sites/{site_id}/status",
            {"site_id": s},
            {"json": {"status": "submitted", "version": 1}},
            BACK_OFFICE_ONLY,
        ),
        ("POST", "/crm/sites/{site_id}/cancel", {"site_id": s}, {"json": {"version": 1}}, SALES_MAY_USE),
        ("GET", "/crm/sites/{site_id}/carrier.csv", {"site_id": s}, {}, BACK_OFFICE_ONLY),
        ("GET", "/crm/acquired", {}, {"params": {"agency_id": a}}, SALES_MAY_USE),
        ("GET", "/crm/acquired.csv", {}, {"params": {"agency_id": a}}, SALES_MAY_USE),
        ("GET", "/crm/metrics/agencies", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/metrics/series", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/metrics/figures", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/metrics/agencies/export", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/metrics/deficiency-reasons", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/ocr/reviews", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/ocr/reviews/export", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/ocr/acceptance", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/ocr/bills", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/ocr/bills/export", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/agencies/{agency_id}", {"agency_id": a}, {}, SALES_MAY_USE),
        (
            "PATCH",
            "/crm/agencies/{agency_id}",
            {"agency_id": a},
            {"json": {"name": "x", "version": 1}},
            BACK_OFFICE_ONLY,
        ),
        ("GET", "/crm/sales-staff", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/users", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/users/export", {}, {"params": {"agency_id": a}}, BACK_OFFICE_ONLY),
        ("GET", "/crm/users/{user_id}", {"user_id": u}, {}, BACK_OFFICE_ONLY),
        ("PATCH", "/crm/users/{user_id}", {"user_id": u}, {"json": {"name": "x"}}, BACK_OFFICE_ONLY),
        ("DELETE", "/crm/users/{user_id}", {"user_id": u}, {}, BACK_OFFICE_ONLY),
        (
            "POST",
            "/crm/notifications/{notification_id}/read",
            {"notification_id": b["notification"]},
            {},
            SALES_MAY_USE,
        ),
    ]


# Routes without another tenant's id to point at: they only ever show the caller's own data (tested below) or none.
OWN_DATA_ONLY = {
    ("GET", "/crm/me"),
    ("GET", "/crm/masters"),
    ("GET", "/crm/vocabulary"),
    ("GET", "/crm/ocr/engine"),  # whether OCR runs here: no tenant's data
    ("POST", "/crm/validate/{kind}"),
    ("GET", "/crm/notifications"),
    ("GET", "/crm/notifications/unread-count"),
    ("POST", "/crm/notifications/read-all"),
    ("GET", "/crm/my/summary"),
    ("GET", "/crm/requests/queue-summary"),  # counts of the caller's cases (CaseView), back office only
    ("GET", "/crm/dashboard"),
    ("GET", "/crm/agencies"),
    ("GET", "/crm/agencies/export"),
    ("POST", "/crm/agencies"),
    ("POST", "/crm/users"),
    ("GET", "/crm/audit"),
    ("GET", "/crm/audit/export"),
    ("GET", "/crm/audit/vocabulary"),
    # マスタ管理: masters are shared by every agency (admins only, tested in test_masters.py).
    ("GET", "/crm/masters/manage"),
    ("POST", "/crm/masters/options"),
    ("PATCH", "/crm/masters/options/{code}"),
    ("DELETE", "/crm/masters/options/{code}"),
    ("POST", "/crm/masters/choices/{kind}"),
    ("PATCH", "/crm/masters/choices/{kind}/{code}"),
    ("DELETE", "/crm/masters/choices/{kind}/{code}"),
}


def state_of_b(db, b) -> tuple:
    """Everything the walk could have changed for agency B."""
    state = (
        db.scalar(select(func.count()).select_from(Request)),
        db.scalar(select(func.count()).select_from(Image).where(Image.agency_id == b["agency"])),
        db.scalar(select(func.count()).select_from(Comment)),
        db.scalar(select(func.count()).select_from(Site).where(Site.agency_id == b["agency"])),
        db.execute(select(Request.status, Request.remarks, Request.version).where(Request.id == b["request"])).one(),
        db.execute(select(Corporation.city, Corporation.version).where(Corporation.id == b["corporation"])).one(),
        db.scalar(select(Notification.read_at).where(Notification.id == b["notification"])),
        db.scalar(select(func.count()).select_from(AuditEntry)),
    )
    db.commit()
    return state


def test_every_crm_route_is_walked(app):
    routes = {
        (method.upper(), path.removeprefix("/api"))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/crm")
        for method in operations
    }
    walked = {
        (method, path)
        for method, path, *_ in walk(
            {
                k: 1
                for k in (
                    "request",
                    "corporation",
                    "site",
                    "image",
                    "agency",
                    "user",
                    "my_request",
                    "my_image",
                    "notification",
                )
            }
        )
    }
    assert routes - walked - OWN_DATA_ONLY == set()
    assert (walked | OWN_DATA_ONLY) - routes == set()


@pytest.mark.dialect
def test_a_sales_user_gets_404_for_every_id_of_another_agency(client, db, world):
    b = agency_b_world(client, world)
    b["notification"] = db.scalar(select(Notification.id).where(Notification.user_id == world.ids["sales_b"]))
    db.commit()
    before = state_of_b(db, b)
    for method, template, ids, kwargs, expected in walk(b):
        response = client.request(method, "/api" + template.format(**ids), headers=world.sales_a, **kwargs)
        assert str(response.status_code) == expected, (method, template, kwargs, response.text)
        if expected == SALES_MAY_USE:
            assert response.json()["error"]["code"] == "not_found", (method, template)
    assert state_of_b(db, b) == before


@pytest.mark.dialect
def test_lists_exports_and_counters_show_only_the_callers_agency(client, world):
    b = agency_b_world(client, world)
    for headers, own in ((world.sales_a, [b["my_request"]]), (world.sales_a2, [])):  # sales see their own cases
        requests = client.get("/api/crm/requests", headers=headers).json()
        assert [r["id"] for r in requests["items"]] == own and requests["total"] == len(own)
        assert {c["agency_id"] for c in client.get("/api/crm/corporations", headers=headers).json()["items"]} == {
            world.agency_a
        }
        assert client.get("/api/crm/acquired", headers=headers).json()["total"] == 0
        csv = client.get("/api/crm/acquired.csv", headers=headers).content.decode("utf-8-sig")
        assert len(csv.strip().splitlines()) == 1 and "完了店" not in csv
        assert [a["id"] for a in client.get("/api/crm/agencies", headers=headers).json()["items"]] == [world.agency_a]
    assert client.get("/api/crm/my/summary", headers=world.sales_a).json()["in_progress"] == 1
    operator_view = client.get("/api/crm/requests", headers=world.operator).json()
    assert operator_view["total"] == 2
    assert (
        client.get("/api/crm/acquired", headers=world.operator).json()["items"][0]["sites"][0]["power_branch_name"]
        == "完了店"
    )
    assert client.get("/api/crm/me", headers=world.sales_a).json()["agency_id"] == world.agency_a


@pytest.mark.dialect
def test_the_role_matrix_hides_back_office_and_admin_pages_from_sales(client, world):
    """§3/§5: sales never reach 代理店別数値, ダッシュボード, 代理店管理 or ユーザー管理; operators no admin pages."""
    for path in (
        "/api/crm/metrics/agencies",
        "/api/crm/metrics/series",
        "/api/crm/metrics/figures",
        "/api/crm/dashboard",
        "/api/crm/users",
        "/api/crm/audit",
        "/api/crm/sales-staff",
    ):
        assert client.get(path, headers=world.sales_a).status_code == 403, path
    for path in ("/api/crm/dashboard", "/api/crm/users", "/api/crm/audit"):
        assert client.get(path, headers=world.operator).status_code == 403, path
    assert client.post("/api/crm/agencies", json={"name": "x", "code": "X"}, headers=world.operator).status_code == 403
    assert client.get("/api/crm/metrics/agencies", headers=world.operator).status_code == 200
    assert client.get("/api/crm/dashboard", headers=world.admin).status_code == 200
    homes = {
        k: client.get("/api/crm/me", headers=getattr(world, k)).json()["home"] for k in ("sales_a", "operator", "admin")
    }
    assert homes == {"sales_a": "マイ依頼一覧", "operator": "投入案件一覧", "admin": "ダッシュボード"}
