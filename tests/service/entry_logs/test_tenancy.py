from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from service.audit.service import SYSTEM
from service.database import session_scope, utcnow
from service.entry_logs import cards
from service.entry_logs.lookups import local_today
from service.entry_logs.models import Attendance, Child, EntryLog, Nursery, Parent, PickupAlert
from service.entry_logs.pickup import service as pickup
from service.entry_logs.roster import roster_import
from service.identity.security import decode_token
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.world import add_log

DAY = "2026-01-14"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def station_session_id(station_headers: dict[str, str]) -> int:
    """The station session a world's station token carries."""
    return decode_token(station_headers["Authorization"].removeprefix("Bearer "), kind="station")["sid"]


def card_job_of(world) -> int:
    """A card PDF job asked for by the nursery (not drawn: the walk only looks it up)."""
    with session_scope() as db:
        return cards.request_cards(db, nursery=world.nursery, class_name=None, now=utcnow()).id


def roster_import_of(world) -> int:
    """A roster import of the nursery (not run: the walk only looks it up)."""
    content = "保護者名,園児名\n山田花子,山田太郎\n".encode()
    with session_scope() as db:
        job = roster_import.create_import(
            db, nursery=world.nursery, filename="roster.csv", data=content, actor=SYSTEM, now=utcnow()
        )
        return job.id


def pickup_of(world, log_id: int) -> tuple[int, int]:
    """A 「本日のみ」 pass of the nursery and an alert of a restricted guardian's exit (the walk only looks them up)."""
    parent = world.parents[0]
    with session_scope() as db:
        person = pickup.create_pass(
            db,
            nursery=world.nursery,
            name="祖母",
            relation="祖母",
            day=local_today(utcnow()),
            child_ids=[world.children[0].id],
            actor=SYSTEM,
            now=utcnow(),
        )
        pickup.restrict(
            db, child=db.get(Child, world.children[0].id), parent=db.get(Parent, parent.id), note="", actor=SYSTEM
        )
        alert = PickupAlert(nursery_id=world.nursery.id, log_id=log_id, parent_id=parent.id, child_names="園児")
        db.add(alert)
        db.flush()
        return person.id, alert.id


def other_nursery_requests(a, b, b_log):
    """Every endpoint a staff user of nursery A might point at nursery B's data."""
    n, p, c = b.nursery.id, b.parents[0].id, b.children[0].id
    b_cards = f"/api/entry-logs/nurseries/{n}/card-jobs"
    a_cards = f"/api/entry-logs/nurseries/{a.nursery.id}/card-jobs"
    b_job, b_import = card_job_of(b), roster_import_of(b)
    b_station = station_session_id(b.station_headers)
    csv_file = {"file": ("roster.csv", "保護者名,園児名\n山田花子,山田太郎\n".encode(), "text/csv")}
    manual = {"entryType": "Entry", "occurredAt": utcnow().isoformat(), "reason": "再登録"}
    b_pass, b_alert = pickup_of(b, b_log)
    a_child = a.children[0].id
    photo = {"files": {"file": ("me.png", PNG, "image/png")}}
    one_day = {"name": "祖母", "date": DAY, "childIds": [c]}
    hours = {"effectiveFrom": DAY, "openingTime": "07:30", "closingTime": "18:30", "unitMinutes": 30}
    return [
        ("GET", "/api/entry-exit-logs", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-exit-logs/export", {"params": {"nurseryId": n}}),
        ("DELETE", f"/api/entry-exit-logs/{b_log}", {"params": {"reason": "x"}}),
        ("GET", "/api/attendance", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/attendance-month", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/attendance-month/export", {"params": {"nurseryId": n, "format": "xlsx"}}),
        ("GET", f"/api/entry-logs/nurseries/{n}/attendance-corrections", {}),
        ("PUT", f"/api/attendance/{c}/{DAY}", {"json": {"status": "absent"}}),
        ("DELETE", f"/api/attendance/{c}/{DAY}", {}),
        ("GET", f"/api/entry-logs/nurseries/{n}", {}),
        ("PATCH", f"/api/entry-logs/nurseries/{n}", {"json": {"name": "乗っ取り"}}),
        ("PUT", f"/api/entry-logs/nurseries/{n}/entry-exit-password", {"json": {"password": "hijacked-1"}}),
        ("DELETE", f"/api/entry-logs/nurseries/{n}/entry-exit-password", {}),
        ("PUT", f"/api/entry-logs/nurseries/{n}/station-pin", {"json": {"pin": "1234"}}),
        ("DELETE", f"/api/entry-logs/nurseries/{n}/station-pin", {}),
        ("POST", b_cards, {"json": {}}),
        ("GET", b_cards, {}),
        ("GET", f"{b_cards}/{b_job}", {}),
        ("GET", f"{b_cards}/{b_job}/file", {}),
        ("GET", f"{a_cards}/{b_job}", {}),
        ("GET", f"{a_cards}/{b_job}/file", {}),
        ("POST", f"/api/entry-logs/nurseries/{n}/roster-import", {"files": csv_file}),
        ("GET", f"/api/entry-logs/nurseries/{n}/roster-imports/{b_import}", {}),
        ("GET", f"/api/entry-logs/nurseries/{a.nursery.id}/roster-imports/{b_import}", {}),
        ("GET", f"/api/entry-logs/nurseries/{n}/classes", {}),
        ("GET", f"/api/entry-logs/nurseries/{n}/present-parents", {}),
        ("POST", f"/api/entry-logs/nurseries/{n}/parents/{p}/exit", {}),
        ("POST", f"/api/entry-logs/nurseries/{a.nursery.id}/parents/{p}/exit", {}),
        ("POST", f"/api/entry-logs/nurseries/{n}/parents/{p}/logs", {"json": manual}),
        ("POST", f"/api/entry-logs/nurseries/{a.nursery.id}/parents/{p}/logs", {"json": manual}),
        ("GET", f"/api/entry-logs/nurseries/{n}/heatmap", {}),
        ("GET", "/api/entry-logs/figures", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/parents", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/parents/export", {"params": {"nurseryId": n}}),
        ("POST", "/api/entry-logs/parents", {"json": {"nurseryId": n, "name": "侵入者"}}),
        ("GET", f"/api/entry-logs/parents/{p}", {}),
        ("PATCH", f"/api/entry-logs/parents/{p}", {"json": {"name": "改ざん"}}),
        ("DELETE", f"/api/entry-logs/parents/{p}", {}),
        ("GET", "/api/entry-logs/children", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/children/export", {"params": {"nurseryId": n}}),
        ("POST", "/api/entry-logs/children", {"json": {"nurseryId": n, "name": "侵入者"}}),
        ("POST", "/api/entry-logs/children", {"json": {"nurseryId": a.nursery.id, "name": "子", "parentIds": [p]}}),
        ("GET", f"/api/entry-logs/children/{c}", {}),
        ("PATCH", f"/api/entry-logs/children/{c}", {"json": {"name": "改ざん"}}),
        ("PATCH", f"/api/entry-logs/children/{a.children[0].id}", {"json": {"parentIds": [p]}}),
        ("DELETE", f"/api/entry-logs/children/{c}", {}),
        ("GET", f"/api/entry-logs/parents/{p}/barcode-link", {}),
        ("POST", f"/api/entry-logs/parents/{p}/barcode-link", {}),
        ("DELETE", f"/api/entry-logs/parents/{p}/barcode-link", {}),
        ("POST", f"/api/entry-logs/nurseries/{n}/stations/sign-out", {}),
        ("GET", f"/api/entry-logs/nurseries/{n}/stations", {}),
        ("PUT", f"/api/entry-logs/nurseries/{n}/station-names/demo-gate", {"json": {"name": "乗っ取り"}}),
        ("POST", f"/api/entry-logs/nurseries/{n}/stations/{b_station}/sign-out", {}),
        ("POST", f"/api/entry-logs/nurseries/{a.nursery.id}/stations/{b_station}/sign-out", {}),
        ("GET", "/api/entry-logs/extended-care", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/extended-care/export", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/extended-care/days", {"params": {"nurseryId": n}}),
        ("GET", "/api/entry-logs/extended-care/figures", {"params": {"nurseryId": n}}),
        ("GET", f"/api/entry-logs/nurseries/{n}/care-hours", {}),
        ("POST", f"/api/entry-logs/nurseries/{n}/care-hours", {"json": hours}),
        ("GET", f"/api/entry-logs/children/{c}/pickup", {}),
        ("PUT", f"/api/entry-logs/children/{c}/pickup/restrictions/{p}", {"json": {}}),
        ("PUT", f"/api/entry-logs/children/{a_child}/pickup/restrictions/{p}", {"json": {}}),
        ("DELETE", f"/api/entry-logs/children/{c}/pickup/restrictions/{p}", {}),
        ("DELETE", f"/api/entry-logs/children/{a_child}/pickup/restrictions/{p}", {}),
        ("POST", f"/api/entry-logs/nurseries/{n}/pickup-passes", {"json": one_day}),
        ("POST", f"/api/entry-logs/nurseries/{a.nursery.id}/pickup-passes", {"json": one_day}),
        ("GET", f"/api/entry-logs/nurseries/{n}/pickup-passes", {}),
        ("DELETE", f"/api/entry-logs/nurseries/{n}/pickup-passes/{b_pass}", {}),
        ("DELETE", f"/api/entry-logs/nurseries/{a.nursery.id}/pickup-passes/{b_pass}", {}),
        ("GET", f"/api/entry-logs/nurseries/{n}/pickup-passes/{b_pass}/card", {}),
        ("GET", f"/api/entry-logs/nurseries/{a.nursery.id}/pickup-passes/{b_pass}/card", {}),
        ("PUT", f"/api/entry-logs/parents/{p}/photo", photo),
        ("DELETE", f"/api/entry-logs/parents/{p}/photo", {}),
        ("GET", f"/api/entry-logs/parents/{p}/photo", {}),
        ("GET", f"/api/entry-logs/nurseries/{n}/pickup-alerts", {}),
        ("POST", f"/api/entry-logs/nurseries/{n}/pickup-alerts/{b_alert}/acknowledge", {}),
        ("POST", f"/api/entry-logs/nurseries/{a.nursery.id}/pickup-alerts/{b_alert}/acknowledge", {}),
    ]


def b_state(db, b):
    state = (
        db.scalar(select(Nursery.entry_exit_password_hash).where(Nursery.id == b.nursery.id)),
        db.scalar(select(func.count()).select_from(EntryLog).where(EntryLog.deleted_at.is_(None))),
        db.scalar(select(func.count()).select_from(Parent).where(Parent.nursery_id == b.nursery.id)),
        db.scalar(select(func.count()).select_from(Child).where(Child.nursery_id == b.nursery.id)),
        db.scalar(select(func.count()).select_from(Attendance)),
        sorted(db.scalars(select(Parent.name))),
    )
    db.commit()
    return state


@pytest.mark.dialect
def test_staff_of_one_nursery_gets_404_for_every_id_of_another(client, db, sakura, himawari, staff):
    b_log = add_log(db, himawari, himawari.parents[0], "Entry", datetime(2026, 1, 14, 0, 0, tzinfo=UTC)).id
    db.commit()
    requests = other_nursery_requests(sakura, himawari, b_log)
    before = b_state(db, himawari)
    for method, path, kwargs in requests:
        response = client.request(method, path, headers=staff, **kwargs)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] in {
            "not_found",
            "nursery_not_found",
            "parent_not_found",
            "child_not_found",
            "station_not_found",
            "import_not_found",
            "pass_not_found",
            "alert_not_found",
            "photo_not_found",
        }
    assert b_state(db, himawari) == before


@pytest.mark.dialect
def test_lists_only_show_the_callers_nursery(client, db, sakura, himawari, staff):
    add_log(db, himawari, himawari.parents[0], "Entry", datetime(2026, 1, 14, 0, 0, tzinfo=UTC))
    add_log(db, sakura, sakura.parents[0], "Entry", datetime(2026, 1, 14, 0, 0, tzinfo=UTC))
    db.commit()
    logs = client.get("/api/entry-exit-logs", headers=staff).json()
    assert [log["nurseryId"] for log in logs["logs"]] == [sakura.nursery.id]
    assert [n["code"] for n in client.get("/api/entry-logs/nurseries", headers=staff).json()] == ["sakura"]
    assert {p["nurseryId"] for p in client.get("/api/entry-logs/parents", headers=staff).json()["items"]} == {
        sakura.nursery.id
    }


@pytest.mark.dialect  # attendance from the door reads dialect SQL (lookups.door_days)
@pytest.mark.parametrize("path", ["/api/attendance", "/api/entry-logs/parents"])
def test_domain_admins_see_every_nursery_but_must_name_one_for_per_nursery_pages(client, db, sakura, himawari, path):
    admin = auth_headers(make_user(db, "el-admin", grants={"entry_logs": "admin"}))
    db.commit()
    missing = client.get(path, headers=admin)
    assert missing.status_code == 422 and missing.json()["error"]["details"]["field"] == "nurseryId"
    assert client.get(path, params={"nurseryId": himawari.nursery.id}, headers=admin).status_code == 200
