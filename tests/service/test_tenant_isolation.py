"""Tenant isolation is structural: every route of fleet, loaners, entry_logs and crm, read from the app's route table,
is called by a user of tenant A with tenant B's ids and must refuse (404 or 403; 422 when the id is a body field) or,
for a list that names no tenant, show nothing of B. A list or its CSV export filtered by B's id (customer, 管轄,
location, nursery, agency) answers 404, as B's records' own routes do. Nothing of B changes. A route that no walk
calls and no exemption names fails the test.

The CRM walk and the 入退管理 walk are the domains' own (tests/service/crm/test_isolation.py,
tests/service/entry_logs/test_tenancy.py); the fleet and loaners walks live here.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

from service.audit.service import SYSTEM
from service.crm.models import Notification
from service.database import utcnow
from service.entry_logs.roster import service as roster
from service.fleet.alerting.alerts import NewAlert, open_alerts
from service.fleet.models import Alert, Incident
from service.fleet.registry import imports
from service.loaners.imports import imports as loaners_imports
from service.loaners.submissions import forms as loaners_forms
from service.models import metadata
from service.tenancy import TenantScope
from tests.factories import auth_headers, make_user
from tests.service.crm import test_isolation as crm_walk
from tests.service.crm.conftest import World as CrmWorld
from tests.service.crm.conftest import world  # noqa: F401 (the CRM fixture, used by the crm walk)
from tests.service.entry_logs import test_tenancy as entry_logs_walk
from tests.service.entry_logs.world import add_log, make_world, staff_headers
from tests.service.fleet.conftest import agent_headers, make_customer, make_terminal
from tests.service.loaners.conftest import LENT, add_location, answer, make_device

NOT_FOUND, FORBIDDEN, REFUSED, HIDDEN = 404, 403, 422, "hidden"
DOMAINS = ("fleet", "loaners", "entry_logs", "crm")


@dataclass
class Walk:
    """What tenant A's user calls with tenant B's ids, and what B's data looks like in a response body."""

    headers: dict[str, str]
    calls: list[tuple[str, str, dict, int | str]]
    markers: tuple[str, ...]
    exempt: dict[tuple[str, str], str] = field(default_factory=dict)


def domain_routes(app, domain: str) -> list[tuple[str, re.Pattern, str]]:
    """(method, path pattern, path template) of every route whose endpoint lives in service.<domain>."""
    routes = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        if context.endpoint.__module__.split(".")[1] != domain:
            continue
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", context.path) + "$")
        routes.extend((method, pattern, context.path) for method in context.methods)
    return routes


def route_of(routes, method: str, path: str) -> tuple[str, str] | None:
    """The route the router would pick for a call, as (method, template)."""
    return next(((m, template) for m, pattern, template in routes if m == method and pattern.match(path)), None)


def table_counts(db) -> dict[str, int]:
    """Rows per table (audit entries included: every change a person makes is audited)."""
    counts = {table.name: db.scalar(select(func.count()).select_from(table)) for table in metadata.sorted_tables}
    db.commit()
    return counts


# ---------------------------------------------------------------- fleet: a customer-scoped admin


def fleet_walk(client, db) -> Walk:
    mine, theirs = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    my_terminal, my_token = make_terminal(db, mine, serial="MINE-1")
    their_terminal, _ = make_terminal(db, theirs, serial="THEIRS-1")
    open_alerts(db, [NewAlert(their_terminal.id, theirs.id, "error", "y")], now=utcnow())
    alert = db.scalar(select(Alert.id).where(Alert.customer_id == theirs.id))
    incident = Incident(customer_id=theirs.id, alert_type="error", terminal_count=1)
    db.add(incident)
    db.flush()
    db.get(Alert, alert).incident_id = incident.id
    job = imports.create_import(
        db,
        filename="x.csv",
        data="serial_number,customer,store_name\nS-1,XYZ商店,店\n".encode(),
        scope=TenantScope("fleet", "customer", str(theirs.id)),
        actor=SYSTEM,
        now=utcnow(),
    )
    admin = auth_headers(make_user(db, "fleet-admin", grants={"fleet": "admin"}))
    scoped = auth_headers(make_user(db, "scoped-admin", grants={"fleet": ("admin", str(mine.id))}))
    db.commit()
    blob = b"TC-200 firmware 2.0.0"
    release = client.post(
        "/api/fleet/firmware/releases",
        data={"version": "2.0.0", "sha256": hashlib.sha256(blob).hexdigest()},
        files={"file": ("fw.bin", blob, "application/octet-stream")},
        headers=admin,
    ).json()["id"]
    rollout_body = {"release_id": release, "target": {"customer_id": theirs.id}, "waves": [100]}
    rollout = client.post("/api/fleet/rollouts", json=rollout_body, headers=admin).json()["id"]
    command = client.post(f"/api/fleet/terminals/{their_terminal.id}/diagnostics", json={}, headers=admin).json()["id"]
    window_body = {
        "customer_id": theirs.id,
        "recurrence": "daily",
        "start_time": "22:00",
        "duration_minutes": 60,
        "until": "2099-12-31",
        "reason": "XYZ商店 夜間作業",
    }
    window = client.post("/api/fleet/maintenance-windows", json=window_body, headers=admin).json()["id"]
    c, t, a, r, i = theirs.id, their_terminal.id, alert, rollout, incident.id
    agent = {"headers": agent_headers(my_token)}
    calls = [
        ("GET", "/api/fleet/dashboard", {}, HIDDEN),
        ("GET", "/api/fleet/alerts/figures", {}, HIDDEN),
        ("GET", "/api/fleet/customers", {"params": {"q": "XYZ"}}, HIDDEN),
        ("GET", "/api/fleet/customers/export", {"params": {"q": "XYZ"}}, HIDDEN),
        ("GET", f"/api/fleet/customers/{c}", {}, NOT_FOUND),
        ("PATCH", f"/api/fleet/customers/{c}", {"json": {"company_name": "x"}}, NOT_FOUND),
        ("DELETE", f"/api/fleet/customers/{c}", {}, NOT_FOUND),
        ("GET", "/api/fleet/terminals", {"params": {"customer_id": c}}, NOT_FOUND),
        ("GET", "/api/fleet/terminals/export", {"params": {"customer_id": c}}, NOT_FOUND),
        ("GET", "/api/fleet/stores", {"params": {"customer_id": c}}, NOT_FOUND),
        ("GET", "/api/fleet/stores/export", {"params": {"customer_id": c}}, NOT_FOUND),
        (
            "POST",
            "/api/fleet/terminals",
            {"json": {"serial_number": "N-1", "customer_id": c, "store_name": "店"}},
            REFUSED,
        ),
        ("GET", f"/api/fleet/terminals/{t}", {}, NOT_FOUND),
        ("PATCH", f"/api/fleet/terminals/{t}", {"json": {"store_name": "x"}}, NOT_FOUND),
        ("PATCH", f"/api/fleet/terminals/{my_terminal.id}", {"json": {"customer_id": c}}, REFUSED),
        ("POST", f"/api/fleet/terminals/{t}/maintenance", {"json": {"enabled": True}}, NOT_FOUND),
        ("POST", f"/api/fleet/terminals/{t}/enrollment-code", {}, NOT_FOUND),
        ("POST", f"/api/fleet/terminals/{t}/revoke-token", {}, NOT_FOUND),
        ("POST", f"/api/fleet/terminals/{t}/diagnostics", {"json": {}}, NOT_FOUND),
        ("GET", f"/api/fleet/terminals/{t}/diagnostics", {}, NOT_FOUND),
        ("POST", f"/api/fleet/terminals/{t}/interval", {"json": {"interval_seconds": 60}}, NOT_FOUND),
        ("GET", f"/api/fleet/terminals/{t}/commands", {}, NOT_FOUND),
        ("POST", f"/api/fleet/terminals/{t}/restart", {}, NOT_FOUND),
        ("GET", f"/api/fleet/terminals/{t}/metrics", {}, NOT_FOUND),
        ("GET", f"/api/fleet/terminals/{t}/events", {}, NOT_FOUND),
        ("GET", f"/api/fleet/terminals/{t}/events/export", {}, NOT_FOUND),
        ("GET", f"/api/fleet/terminals/{t}/update-tasks", {}, NOT_FOUND),
        ("GET", "/api/fleet/alerts", {"params": {"customer_id": c}}, NOT_FOUND),
        ("GET", "/api/fleet/alerts", {"params": {"terminal_id": t}}, NOT_FOUND),
        ("GET", "/api/fleet/alerts/export", {"params": {"customer_id": c}}, NOT_FOUND),
        ("GET", "/api/fleet/alerts/export", {"params": {"terminal_id": t}}, NOT_FOUND),
        ("GET", "/api/fleet/alerts/export", {"params": {"incident_id": i}}, NOT_FOUND),
        ("GET", f"/api/fleet/alerts/{a}", {}, NOT_FOUND),
        ("GET", f"/api/fleet/alerts/{a}/notes", {}, NOT_FOUND),
        ("POST", f"/api/fleet/alerts/{a}/notes", {"json": {"body": "x"}}, NOT_FOUND),
        ("POST", f"/api/fleet/alerts/{a}/acknowledge", {}, NOT_FOUND),
        ("POST", f"/api/fleet/alerts/{a}/diagnosed", {}, NOT_FOUND),
        ("POST", f"/api/fleet/alerts/{a}/customer-contacted", {"json": {"customer_message": "x"}}, NOT_FOUND),
        ("POST", f"/api/fleet/alerts/{a}/reported", {}, NOT_FOUND),
        ("POST", f"/api/fleet/alerts/{a}/assign", {"json": {"assignee_id": None}}, NOT_FOUND),
        ("POST", f"/api/fleet/alerts/{a}/resolve", {"json": {}}, NOT_FOUND),
        ("POST", "/api/fleet/alerts/bulk", {"json": {"ids": [a], "action": "acknowledge"}}, NOT_FOUND),
        (
            "POST",
            "/api/fleet/terminals/bulk",
            {"json": {"ids": [my_terminal.id, t], "action": "maintenance_on"}},
            NOT_FOUND,
        ),
        ("POST", "/api/fleet/incidents/bulk", {"json": {"ids": [i], "action": "resolve"}}, NOT_FOUND),
        ("GET", f"/api/fleet/alerts/{a}/assignees", {}, NOT_FOUND),
        ("GET", "/api/fleet/incidents", {}, HIDDEN),
        ("GET", "/api/fleet/incidents", {"params": {"customer_id": c}}, NOT_FOUND),
        ("GET", "/api/fleet/incidents/export", {"params": {"customer_id": c}}, NOT_FOUND),
        ("GET", "/api/fleet/alerts", {"params": {"incident_id": i}}, NOT_FOUND),
        ("GET", f"/api/fleet/incidents/{i}", {}, NOT_FOUND),
        ("GET", f"/api/fleet/incidents/{i}/assignees", {}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/acknowledge", {}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/diagnosed", {}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/customer-contacted", {"json": {"customer_message": "x"}}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/reported", {"json": {"cause": "x", "report": "x"}}, NOT_FOUND),
        ("GET", f"/api/fleet/incidents/{i}/notes", {}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/notes", {"json": {"body": "x"}}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/assign", {"json": {"assignee_id": None}}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/take", {}, NOT_FOUND),
        ("POST", f"/api/fleet/incidents/{i}/resolve", {"json": {}}, NOT_FOUND),
        ("PUT", f"/api/fleet/customers/{c}/business-hours", {"json": {"closed_weekdays": [6]}}, NOT_FOUND),
        ("GET", "/api/fleet/maintenance-windows", {"params": {"customer_id": c}}, NOT_FOUND),
        ("POST", "/api/fleet/maintenance-windows", {"json": window_body}, REFUSED),
        ("DELETE", f"/api/fleet/maintenance-windows/{window}", {}, NOT_FOUND),
        ("GET", "/api/fleet/rollouts", {}, HIDDEN),
        ("GET", "/api/fleet/rollouts/export", {}, HIDDEN),
        ("POST", "/api/fleet/rollouts", {"json": rollout_body}, REFUSED),
        ("GET", f"/api/fleet/rollouts/{r}", {}, NOT_FOUND),
        ("POST", f"/api/fleet/rollouts/{r}/pause", {}, NOT_FOUND),
        ("GET", "/api/fleet/reports/customers", {}, HIDDEN),
        ("GET", f"/api/fleet/reports/monthly/{c}", {"params": {"month": "2026-11"}}, NOT_FOUND),
        ("GET", "/api/fleet/reports/monthly", {"params": {"month": "2026-11", "format": "csv"}}, HIDDEN),
        ("GET", f"/api/fleet/imports/{job.id}", {}, NOT_FOUND),
        (
            "POST",
            f"/api/fleet/agent/commands/{command}/progress",
            agent | {"json": {"state": "downloading"}},
            NOT_FOUND,
        ),
        (
            "POST",
            "/api/fleet/agent/diagnostics",
            agent | {"json": {"command_id": command, "collected_at": utcnow().isoformat(), "lines": ["x"]}},
            NOT_FOUND,
        ),
    ]
    own = "names no tenant: the caller's own customer or terminal is implied"
    views = "a person's own saved views (tests/service/fleet/lists/test_bulk_work.py)"
    exempt = {
        ("GET", "/api/fleet/vocabulary"): "labels only",
        ("GET", "/api/fleet/ingest"): "the platform's heartbeat intake, no customer's data",
        ("GET", "/api/fleet/views"): views,
        ("POST", "/api/fleet/views"): views,
        ("DELETE", "/api/fleet/views/{view_id}"): views,
        ("POST", "/api/fleet/customers"): own,
        ("GET", "/api/fleet/firmware/releases"): "firmware is shared by every customer",
        ("GET", "/api/fleet/firmware/releases/export"): "firmware is shared by every customer",
        ("POST", "/api/fleet/firmware/releases"): "firmware is shared by every customer",
        ("POST", "/api/fleet/imports"): own + " (tests/service/fleet/registry/test_imports.py)",
        ("POST", "/api/fleet/agent/enroll"): "an enrolment code names one terminal",
        ("POST", "/api/fleet/agent/heartbeat"): own,
        ("POST", "/api/fleet/agent/heartbeat/validate"): own,
        ("GET", "/api/fleet/agent/firmware/{release_id}"): "firmware is shared by every customer",
        ("POST", "/api/fleet/agent/token/rotate"): own,
    }
    return Walk(scoped, calls, ("XYZ商店", "THEIRS-1"), exempt)


# ---------------------------------------------------------------- loaners: staff scoped to 関西


def loaners_walk(client, db) -> Walk:
    add_location(db, "tokyo", "関東", name="東京")
    theirs = make_device(db, "tokyo", serial="THEIRS1")
    answer(db, theirs, LENT)
    their_sheet = loaners_imports.create_import(
        db,
        form=loaners_forms.get_form(db, "terminal"),
        filename="東京.csv",
        data="タイムスタンプ,0-2.拠点管理番号\n".encode(),
        scope=TenantScope("loaners", "jurisdiction", "関東"),
        actor=SYSTEM,
        now=utcnow(),
        dry_run=True,
    )
    kansai = auth_headers(make_user(db, "kansai-staff", grants={"loaners": ("staff", "関西")}))
    db.commit()
    d, kanto, tokyo = theirs.id, {"params": {"jurisdiction": "関東"}}, {"params": {"location_id": "tokyo"}}
    calls = [
        ("GET", "/api/loaners/jurisdictions", {}, HIDDEN),
        ("GET", "/api/loaners/locations", kanto, NOT_FOUND),
        ("GET", "/api/loaners/locations/tokyo", {}, NOT_FOUND),
        ("PATCH", "/api/loaners/locations/tokyo", {"json": {"name": "x"}}, FORBIDDEN),
        ("DELETE", "/api/loaners/locations/tokyo", {}, FORBIDDEN),
        ("GET", "/api/loaners/locations/tokyo/labels.pdf", {}, NOT_FOUND),
        ("GET", "/api/loaners/devices", tokyo, NOT_FOUND),
        (
            "POST",
            "/api/loaners/devices",
            {"json": {"location_id": "tokyo", "model_id": "MODEL_001", "serial_number": "X1"}},
            REFUSED,
        ),
        ("GET", f"/api/loaners/devices/{d}", {}, NOT_FOUND),
        ("PATCH", f"/api/loaners/devices/{d}", {"json": {"os": "x"}}, NOT_FOUND),
        ("DELETE", f"/api/loaners/devices/{d}", {}, FORBIDDEN),
        ("GET", f"/api/loaners/devices/{d}/qr.png", {}, NOT_FOUND),
        ("GET", f"/api/loaners/devices/{d}/form", {}, NOT_FOUND),
        ("GET", f"/api/loaners/devices/{d}/submissions", {}, NOT_FOUND),
        ("GET", f"/api/loaners/devices/{d}/submissions/export", {}, NOT_FOUND),
        ("POST", f"/api/loaners/devices/{d}/submissions", {"json": {"answers": LENT}}, NOT_FOUND),
        ("POST", "/api/loaners/submissions/bulk", {"json": {"device_ids": [d], "answers": LENT}}, REFUSED),
        ("PUT", f"/api/loaners/bulk-picks/{d}", {}, NOT_FOUND),
        ("DELETE", f"/api/loaners/bulk-picks/{d}", {}, NOT_FOUND),
        ("GET", "/api/loaners/bulk-picks", {}, HIDDEN),
        ("GET", "/api/loaners/views/normal", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/normal/export", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/normal/export", tokyo, NOT_FOUND),
        ("GET", "/api/loaners/views/audit", tokyo, NOT_FOUND),
        ("GET", "/api/loaners/views/audit/export", tokyo, NOT_FOUND),
        ("GET", "/api/loaners/views/audit/export", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/summary", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/summary/export", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/summary/devices", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/summary/devices", tokyo, NOT_FOUND),
        ("GET", "/api/loaners/views/returns", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/returns", tokyo, NOT_FOUND),
        ("GET", "/api/loaners/views/returns/export", kanto, NOT_FOUND),
        ("GET", "/api/loaners/views/returns/export", tokyo, NOT_FOUND),
        ("GET", "/api/loaners/imports", {}, HIDDEN),
        ("GET", "/api/loaners/imports.csv", {}, HIDDEN),
        ("GET", f"/api/loaners/imports/{their_sheet.id}", {}, NOT_FOUND),
        ("POST", f"/api/loaners/imports/{their_sheet.id}/run", {}, NOT_FOUND),
        ("POST", f"/api/loaners/imports/{their_sheet.id}/held/2", {"json": {"resolution": "new"}}, NOT_FOUND),
        # admin only (a scoped admin reads their 管轄's archived rows: tests/service/loaners/archives/test_archives.py)
        ("GET", "/api/loaners/archives", {}, FORBIDDEN),
        ("GET", "/api/loaners/archives/rotation_00001_20200101T000000/search", {"params": {"device_id": d}}, FORBIDDEN),
        ("GET", "/api/loaners/archives/rotation_00001_20200101T000000/download", {}, FORBIDDEN),
    ]
    shared = "master data or admin job shared by every 管轄"
    exempt = {
        (method, path): shared
        for method, path in (
            ("GET", "/api/loaners/categories"),
            ("GET", "/api/loaners/vocabulary"),
            ("POST", "/api/loaners/locations"),
            ("GET", "/api/loaners/models"),
            ("POST", "/api/loaners/models"),
            ("GET", "/api/loaners/models/{model_id}"),
            ("PATCH", "/api/loaners/models/{model_id}"),
            ("DELETE", "/api/loaners/models/{model_id}"),
            ("GET", "/api/loaners/data-types"),
            ("POST", "/api/loaners/data-types"),
            ("GET", "/api/loaners/data-types/{data_type_id}"),
            ("PATCH", "/api/loaners/data-types/{data_type_id}"),
            ("DELETE", "/api/loaners/data-types/{data_type_id}"),
            ("GET", "/api/loaners/forms"),
            ("GET", "/api/loaners/forms/{kind}"),
            ("POST", "/api/loaners/forms/{kind}/questions"),
            ("PATCH", "/api/loaners/forms/{kind}/questions/{question_id}"),
            ("GET", "/api/loaners/rotations"),
            ("GET", "/api/loaners/rotations/preview"),
            ("POST", "/api/loaners/rotations"),
        )
    }
    exempt[("DELETE", "/api/loaners/bulk-picks")] = "empties the caller's own selection: it takes no id"
    exempt[("POST", "/api/loaners/imports")] = (
        "names no tenant: the caller's own 管轄 is implied, its rows of another refused "
        "(tests/service/loaners/imports/test_imports.py)"
    )
    return Walk(kansai, calls, ("THEIRS1", "東京"), exempt)


# ---------------------------------------------------------------- 入退管理: staff and the station of one nursery


def entry_logs_walk_of(client, db) -> Walk:
    sakura, himawari = make_world(db, "sakura", name="さくら保育園"), make_world(db, "himawari", name="ひまわり保育園")
    b_log = add_log(db, himawari, himawari.parents[0], "Entry", datetime(2026, 1, 14, tzinfo=UTC)).id
    roster.set_station_pin(db, nursery=sakura.nursery, pin="1234", actor=SYSTEM)
    db.commit()
    staff = staff_headers(db, sakura)
    unlock = {"pin": "1234", "staffName": "職員"}
    unlocked = client.post("/api/entry-exit-logs/forgotten-card/unlock", json=unlock, headers=sakura.station_headers)
    at_the_door = {"Authorization": f"Bearer {unlocked.json()['token']}"}
    by_hand = {"parentId": himawari.parents[0].id, "entryType": "Entry", "reason": "カード忘れ"}
    scan = {"parentId": himawari.parents[0].id, "nurseryId": himawari.nursery.id, "entryType": "Entry"}
    calls = [
        (method, path, kwargs, NOT_FOUND)
        for method, path, kwargs in entry_logs_walk.other_nursery_requests(sakura, himawari, b_log)
    ] + [
        ("GET", "/api/entry-logs/nurseries", {}, HIDDEN),
        ("POST", "/api/entry-logs/nurseries", {"json": {"code": "x", "name": "x"}}, FORBIDDEN),
        ("POST", "/api/entry-exit-logs", {"json": scan, "headers": sakura.station_headers}, REFUSED),
        (
            "POST",
            "/api/entry-exit-logs",
            {"json": scan | {"nurseryId": sakura.nursery.id}, "headers": sakura.station_headers},
            NOT_FOUND,
        ),
        (
            "GET",
            f"/api/entry-exit-logs/parents/{himawari.parents[0].id}/photo",
            {"headers": sakura.station_headers},
            NOT_FOUND,
        ),
        (
            "GET",
            "/api/entry-exit-logs/forgotten-card/people",
            {"params": {"q": "himawari"}, "headers": at_the_door},
            HIDDEN,
        ),
        ("POST", "/api/entry-exit-logs/forgotten-card/logs", {"json": by_hand, "headers": at_the_door}, NOT_FOUND),
    ]
    exempt = {
        ("GET", "/api/entry-logs/vocabulary"): "labels only",
        ("POST", "/api/auth/entry-exit-login"): "a station logs in with its own nursery's password",
        ("POST", "/api/auth/heartbeat"): "the station token names its own nursery",
        ("POST", "/api/entry-exit-logs/forgotten-card/unlock"): "the station token names its own nursery's PIN",
        ("GET", "/api/station/"): "the browser station's page: a static file",
        ("GET", "/api/station/{name}"): "the browser station's static files",
        ("GET", "/api/station/vocabulary.json"): "the stations' wording and rules",
        ("GET", "/api/parent-barcode/sw.js"): "the barcode page's service worker: a static file",
        ("GET", "/api/parent-barcode/{token}"): "a signed link names its own parent; another needs another token",
    }
    return Walk(staff, calls, ("himawari", "ひまわり"), exempt)


# ---------------------------------------------------------------- 代理店CRM: a sales user of agency A


def crm_walk_of(client, db, crm_world: CrmWorld) -> Walk:
    b = crm_walk.agency_b_world(client, crm_world)
    b["notification"] = db.scalar(select(Notification.id).where(Notification.user_id == crm_world.ids["sales_b"]))
    db.commit()
    calls = [
        (method, "/api" + template.format(**ids), kwargs, int(expected))
        for method, template, ids, kwargs, expected in crm_walk.walk(b)
    ]
    exempt = {(m, "/api" + p): "shows only the caller's own data" for m, p in crm_walk.OWN_DATA_ONLY}
    return Walk(crm_world.sales_a, calls, ("BBB", "営業B"), exempt)


WALKS: dict[str, Callable[..., Walk]] = {
    "fleet": fleet_walk,
    "loaners": loaners_walk,
    "entry_logs": entry_logs_walk_of,
}


def walk_for(domain: str, client, db, request) -> Walk:
    if domain == "crm":
        return crm_walk_of(client, db, request.getfixturevalue("world"))
    return WALKS[domain](client, db)


@pytest.mark.dialect
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_route_refuses_another_tenants_ids(app, client, db, domain, request):
    walk = walk_for(domain, client, db, request)
    routes = domain_routes(app, domain)
    before = table_counts(db)
    walked = set()
    for method, path, kwargs, expected in walk.calls:
        route = route_of(routes, method, path)
        assert route is not None, f"{method} {path} is not a route of {domain}"
        walked.add(route)
        response = client.request(method, path, **({"headers": walk.headers} | kwargs))
        if expected == HIDDEN:
            assert response.status_code == 200, (method, path, response.text)
        else:
            assert response.status_code == expected, (method, path, response.text)
            assert set(response.json()["error"]) == {"code", "message", "details"}
        assert not any(marker in response.text for marker in walk.markers), (method, path, response.text)
    assert table_counts(db) == before
    every = {(method, template) for method, _, template in routes}
    assert every - walked - set(walk.exempt) == set(), "routes no walk calls: add them to the walk"
    assert set(walk.exempt) <= every, "exemptions for routes that no longer exist"
