"""The platform audit log over a database holding entries of every kind its vocabulary knows: every kind of target
and every action of every domain (service/words.py, filled by each domain's labels.py). Every filter the
page offers answers 200 on every page, each entry in words, and its CSV has as many rows as the list's total.

The entries come from the domains' own code: the demo as `demo load` writes it, then people's requests through the
API. What neither makes here (CLI and job actions, flows these requests do not reach) is written by the one writer
every domain's code calls, `audit.record`, naming record 1 of its kind, so each kind's name lookup runs its query."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import service.main  # noqa: F401 - every router, so every domain's labels, as the running service has them
from service.audit import service as audit
from service.audit import vocabulary
from service.audit.models import AuditEntry
from service.audit.service import SYSTEM
from service.entry_logs.models import Child, Nursery, Parent
from service.fleet.models import Customer, Terminal
from service.identity.models import User
from service.loaners.models import Device
from service.reservations.models import ServiceType, Shop
from service.roles import DOMAINS
from service.words import COMMON_ACTIONS, VOCABULARIES
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user
from tests.service.crm.conftest import world  # noqa: F401 - fixture
from tests.service.crm.test_isolation import agency_b_world
from tests.service.loaners.conftest import LENT
from tests.service.reservations.conftest import book
from tests.support.downloads import csv_download
from tests.support.small_demo import load_small_demo

pytestmark = pytest.mark.walk

AUDIT = "/api/admin/audit"
PAGE = 50  # the demo's 300 devices make a kind several pages long
DAY = "2026-01-14"


def ok(response) -> dict:
    assert response.is_success, (response.request.method, response.request.url, response.text)
    return response.json() if response.content else {}


def first(db, column):
    return db.scalar(select(column).order_by(column).limit(1))


def people_at_work(client, db) -> dict[str, str]:
    """What people do through the API beyond the demo, in each domain; returns the platform admin's headers."""
    root = make_user(db, "audit-root", grants={"platform": "admin"})
    make_user(db, "grantee", name="監査 花子")
    fleet, entry_logs, loaners, support = (
        auth_headers(make_user(db, f"audit-{domain}-{role}", grants={domain: role}))
        for domain, role in (
            ("fleet", "admin"),
            ("entry_logs", "admin"),
            ("loaners", "admin"),
            ("reservations", "support"),
        )
    )
    operator = make_user(db, "audit-reservations-operator", grants={"reservations": "operator"})
    reservations = auth_headers(operator)
    grantee = db.scalar(select(User.id).where(User.login_id == "grantee"))
    customer, terminal, device, shop = (
        first(db, Customer.id),
        first(db, Terminal.id),
        first(db, Device.id),
        first(db, Shop.id),
    )
    nursery, parent, child = first(db, Nursery.id), first(db, Parent.id), first(db, Child.id)
    service_type = first(db, ServiceType.id)
    nursery_code = db.scalar(select(Nursery.code).where(Nursery.id == nursery))
    customer_name = db.scalar(select(Customer.company_name).where(Customer.id == customer))
    db.commit()  # the test's session holds no transaction while the API writes
    admin = auth_headers(root)
    # platform: sign-ins and a grant changed (the grant's entry names its holder)
    ok(client.post("/api/auth/login", json={"login_id": "grantee", "password": DEFAULT_PASSWORD}))
    bad = client.post("/api/auth/login", json={"login_id": "grantee", "password": "wrong-password-1"})
    assert bad.status_code == 401
    session = ok(client.post("/api/auth/login", json={"login_id": "audit-root", "password": DEFAULT_PASSWORD}))
    ok(client.put(f"/api/admin/users/{grantee}/grants/fleet", json={"role": "operator"}, headers=admin))
    ok(client.put(f"/api/admin/users/{grantee}/grants/fleet", json={"role": "viewer"}, headers=admin))
    ok(client.post("/api/auth/logout", headers={"Authorization": f"Bearer {session['access_token']}"}))
    # fleet: a customer's hours, a maintenance window, a terminal's enrolment, token and commands
    ok(client.put(f"/api/fleet/customers/{customer}/business-hours", json={"closed_weekdays": [6]}, headers=fleet))
    window = {
        "customer_id": customer,
        "recurrence": "daily",
        "start_time": "22:00",
        "duration_minutes": 60,
        "until": "2099-12-31",
        "reason": "夜間作業",
    }
    window_id = ok(client.post("/api/fleet/maintenance-windows", json=window, headers=fleet))["id"]
    ok(client.delete(f"/api/fleet/maintenance-windows/{window_id}", headers=fleet))
    ok(client.post(f"/api/fleet/terminals/{terminal}/diagnostics", json={}, headers=fleet))
    ok(client.post(f"/api/fleet/terminals/{terminal}/interval", json={"interval_seconds": 60}, headers=fleet))
    ok(client.post(f"/api/fleet/terminals/{terminal}/enrollment-code", headers=fleet))
    ok(client.post(f"/api/fleet/terminals/{terminal}/revoke-token", headers=fleet))
    terminals_csv = f"serial_number,customer,store_name\nAUDIT-1,{customer_name},監査店\n".encode()
    ok(client.post("/api/fleet/imports", files={"file": ("terminals.csv", terminals_csv, "text/csv")}, headers=fleet))
    # 入退管理: a station's sign-ins (one refused), a scan deleted, an exit recorded, the station signed out; a roster
    # import, the stations' password, attendance, a parent's barcode link
    password = f"/api/entry-logs/nurseries/{nursery}/entry-exit-password"
    station = {"nurseryCode": nursery_code, "password": "wrong-password"}
    assert client.post("/api/auth/entry-exit-login", json=station).status_code == 401
    token = ok(client.post("/api/auth/entry-exit-login", json=station | {"password": nursery_code + "-demo"}))["token"]
    scanned = {"parentId": str(parent), "entryType": "Entry", "clientScanId": "audit-check"}
    ok(client.post("/api/entry-exit-logs", json=scanned, headers={"Authorization": f"Bearer {token}"}))
    ok(client.post(f"/api/entry-logs/nurseries/{nursery}/parents/{parent}/exit", headers=entry_logs))
    log = ok(client.get("/api/entry-exit-logs", params={"nurseryId": nursery}, headers=entry_logs))["logs"][0]["id"]
    ok(client.delete(f"/api/entry-exit-logs/{log}", params={"reason": "誤読"}, headers=entry_logs))
    stations = f"/api/entry-logs/nurseries/{nursery}/stations"
    session_id = ok(client.get(stations, headers=entry_logs))[0]["id"]
    ok(client.post(f"{stations}/{session_id}/sign-out", headers=entry_logs))
    roster = {"file": ("roster.csv", "保護者名,園児名\n監査花子,監査太郎\n".encode(), "text/csv")}
    ok(client.post(f"/api/entry-logs/nurseries/{nursery}/roster-import", files=roster, headers=entry_logs))
    ok(client.put(password, json={"password": "station-pass-1"}, headers=entry_logs))
    ok(client.delete(password, headers=entry_logs))
    ok(client.post(f"/api/entry-logs/nurseries/{nursery}/stations/sign-out", headers=entry_logs))
    ok(client.put(f"/api/attendance/{child}/{DAY}", json={"status": "absent"}, headers=entry_logs))
    ok(client.delete(f"/api/attendance/{child}/{DAY}", headers=entry_logs))
    ok(client.post(f"/api/entry-logs/parents/{parent}/barcode-link", headers=entry_logs))
    ok(client.delete(f"/api/entry-logs/parents/{parent}/barcode-link", headers=entry_logs))
    # loaners: a data type, a question, a device's status (one by one and in bulk), a rotation
    data_type = {"id": "AUDIT_CHECK", "name": "監査確認", "display_order": 99}
    ok(client.post("/api/loaners/data-types", json=data_type, headers=loaners))
    ok(client.post("/api/loaners/forms/terminal/questions", json={"key": "1-9.監査", "type": "text"}, headers=loaners))
    ok(client.post(f"/api/loaners/devices/{device}/submissions", json={"answers": LENT}, headers=loaners))
    ok(client.post("/api/loaners/submissions/bulk", json={"device_ids": [device], "answers": LENT}, headers=loaners))
    ok(client.post("/api/loaners/rotations", headers=loaners))
    # reservations: shops changed and deleted; a reservation (booked as the MCP tool books it) worked; an incident,
    # an inquiry, an MCP key
    ok(client.patch(f"/api/reservations/shops/{shop}", json={"active": False}, headers=reservations))
    code, console = book(service_type), "/api/reservations/manual-operations"
    ok(client.post(f"/api/reservations/reservations/{code}/notes", json={"body": "依頼者から電話"}, headers=support))
    opened = {"reservation_code": code, "op_type": "payment_timeout", "reason": "決済期限切れの問い合わせ"}
    operation = ok(client.post(console, json=opened, headers=support))["id"]
    assign = {"assignee_id": operator.id}
    ok(client.post(f"{console}/{operation}/assign", json=assign, headers=reservations))
    ok(client.post(f"{console}/{operation}/resolve", json={"resolution": "対応済み"}, headers=reservations))
    cancel = {"reason": "依頼者の都合"}
    ok(client.post(f"/api/reservations/reservations/{code}/cancel", json=cancel, headers=reservations))
    incident = {"title": "SMS送信不可", "level": "high", "occurred_at": "2025-01-29T10:00:00", "impact": "12件"}
    incident_id = ok(client.post("/api/reservations/incidents", json=incident, headers=support))["id"]
    recovered = {"recovered_at": "2025-01-29T11:30:00"}
    ok(client.patch(f"/api/reservations/incidents/{incident_id}", json=recovered, headers=support))
    ok(client.post(f"/api/reservations/incidents/{incident_id}/escalate", headers=support))
    inquiry = {
        "channel": "email",
        "requester_type": "requester",
        "requester": "山田",
        "received_at": "2025-01-29T10:00:00",
        "question": "キャンセルの方法",
    }
    inquiry_id = ok(client.post("/api/reservations/inquiries", json=inquiry, headers=support))["id"]
    ok(client.patch(f"/api/reservations/inquiries/{inquiry_id}", json={"answer": "回答済み"}, headers=support))
    new_shop = {"name": "監査クリーン", "phone": "03-1234-5678", "service_type_ids": [service_type]}
    new_shop_id = ok(client.post("/api/reservations/shops", json=new_shop, headers=reservations))["id"]
    ok(client.delete(f"/api/reservations/shops/{new_shop_id}", headers=reservations))
    key = ok(client.post("/api/reservations/mcp-clients", json={"name": "監査"}, headers=reservations))["id"]
    ok(client.post(f"/api/reservations/mcp-clients/{key}/revoke", headers=reservations))
    return admin


def crm_at_work(client, world) -> None:
    """代理店CRM: requests with corporations, images and sites, a site's status changed, masters added; a request sent
    back as deficient, resubmitted, then cancelled."""
    request = f"/api/crm/requests/{agency_b_world(client, world)['request']}"
    option = {"code": "OPT099000", "name": "監査オプション", "price_label": "100円/月(税込)", "sort_order": 50}
    ok(client.post("/api/crm/masters/options", json=option, headers=world.admin))
    ok(
        client.post(
            "/api/crm/masters/choices/job_type", json={"code": "12", "label": "医療・福祉"}, headers=world.admin
        )
    )

    def version() -> int:
        return ok(client.get(request, headers=world.operator))["request"]["version"]

    deficient = {"message": "書類の不足", "version": version()}
    ok(client.post(f"{request}/deficiencies", json=deficient, headers=world.operator))
    ok(
        client.post(
            f"{request}/resubmit", json={"message": "追加しました", "version": version()}, headers=world.sales_b
        )
    )
    ok(client.post(f"{request}/cancel", json={"version": version()}, headers=world.sales_b))


def written_by_the_writer_for_the_rest(db) -> None:
    """An entry for each kind of target and each action no code above made, through audit.record."""
    kinds = set(db.execute(select(AuditEntry.domain, AuditEntry.target_type).distinct()).tuples())
    actions = set(db.execute(select(AuditEntry.domain, AuditEntry.action).distinct()).tuples())
    at = datetime(2026, 1, 14, tzinfo=UTC)
    for domain, words in VOCABULARIES.items():
        for target_type in words.targets:
            if (domain, target_type) not in kinds:
                audit.record(
                    db, actor=SYSTEM, action="update", domain=domain, target_type=target_type, target_id=1, at=at
                )
        for action in [*words.actions, *COMMON_ACTIONS]:
            if (domain, action) not in actions:
                target_type = next(iter(words.targets))
                audit.record(
                    db, actor=SYSTEM, action=action, domain=domain, target_type=target_type, target_id=1, at=at
                )
    db.commit()


def all_pages(client, headers, params: dict) -> tuple[int, list[dict]]:
    """Every entry the filter selects, page by page up to the last; (the list's total, the entries)."""
    entries, page, total = [], 1, None
    while True:
        answer = client.get(AUDIT, params=params | {"page": page, "page_size": PAGE}, headers=headers)
        assert answer.status_code == 200, (params, page, answer.text)
        body = answer.json()
        assert total in (None, body["total"])
        total = body["total"]
        entries.extend(body["items"])
        if page * PAGE >= total:
            return total, entries
        page += 1


def in_words(entry: dict) -> bool:
    """The entry's action and target read in its domain's words (a code shown as it is means words are missing)."""
    kind = vocabulary.target_kind(entry["domain"], entry["target_type"])
    return (
        entry["action_label"] == vocabulary.action_label(entry["domain"], entry["action"]) != entry["action"]
        and kind != entry["target_type"]
        and entry["target_label"].startswith(kind)
        and all(change["field_label"] for change in entry["changed_fields"])
    )


def every_kind_and_action_is_in_the_log(client, every_kind):
    for domain, words in VOCABULARIES.items():
        for target_type in words.targets:
            params = {"domain": domain, "target_type": target_type, "page_size": 1}
            assert client.get(AUDIT, params=params, headers=every_kind).json()["total"] > 0, (domain, target_type)
        for action in words.actions:
            params = {"domain": domain, "action": action, "page_size": 1}
            assert client.get(AUDIT, params=params, headers=every_kind).json()["total"] > 0, (domain, action)


def every_target_filter_reads_in_words_on_every_page_and_its_csv_is_its_total(client, every_kind):
    offered = client.get(f"{AUDIT}/vocabulary", headers=every_kind).json()
    assert set(offered["target_types"]) == {t for v in VOCABULARIES.values() for t in v.targets}
    assert set(offered["domains"]) == set(DOMAINS)
    longest = 0
    for target_type in offered["target_types"]:
        total, entries = all_pages(client, every_kind, {"target_type": target_type})
        assert len(entries) == total > 0 and {e["target_type"] for e in entries} == {target_type}
        assert [e for e in entries if not in_words(e)] == [], target_type
        rows = csv_download(client.get(f"{AUDIT}/export", params={"target_type": target_type}, headers=every_kind))
        assert len(rows) - 1 == total, target_type
        assert [int(row[0]) for row in rows[1:]] == [e["seq"] for e in entries]  # same entries, same order
        longest = max(longest, total)
    assert longest > 2 * PAGE  # some filter was read past its second page


def a_grant_change_reads_as_its_holder_and_domain(client, every_kind):
    total, entries = all_pages(client, every_kind, {"target_type": "grant", "domain": "platform"})
    changed = [e for e in entries if e["action"] == "update" and e["actor_label"] == "audit-root"]
    assert [e["target_label"] for e in changed] == ["権限 監査 花子（端末管理）"]
    role = next(c for c in changed[0]["changed_fields"] if c["field"] == "role")
    assert (role["before_label"], role["after_label"]) == ("運用オペレーター", "閲覧のみ")
    rows = csv_download(client.get(f"{AUDIT}/export", params={"target_type": "grant"}, headers=every_kind))
    assert any(row[5] == "権限 監査 花子（端末管理）" for row in rows[1:]) and len(rows) - 1 == total


def test_the_log_of_a_database_with_every_kind_of_entry_reads_in_words_page_by_page_and_as_csv(client, db, world):
    """One database for every check: the demo's loading is most of the test's time."""
    load_small_demo(db)
    db.commit()
    crm_at_work(client, world)
    admin = people_at_work(client, db)
    written_by_the_writer_for_the_rest(db)
    every_kind_and_action_is_in_the_log(client, admin)
    every_target_filter_reads_in_words_on_every_page_and_its_csv_is_its_total(client, admin)
    a_grant_change_reads_as_its_holder_and_domain(client, admin)
