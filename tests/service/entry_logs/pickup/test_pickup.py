"""Pick-up safety: a restricted guardian's exit is stored with a red warning in the scan's answer and an alert for
staff; a 「本日のみ」 person collects on their date only, with their own barcode (a one-page PDF a scanner reads); an
adult's photo is kept small and shown to their nursery's station; every change to who may collect is audited."""

import csv
import io
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.audit.service import SYSTEM
from service.database import utcnow
from service.entry_logs.attendance import service as attendance
from service.entry_logs.lookups import local_today
from service.entry_logs.models import EntryLog, Parent, PickupAlert
from tests.service.entry_logs.world import World, scan
from tests.support.barcodes import barcodes_in_pdf

WARNING = "{}のお迎えは登録されていません — 職員が確認してください"


def restriction_url(world: World, child_index: int, parent_id: int) -> str:
    return f"/api/entry-logs/children/{world.children[child_index].id}/pickup/restrictions/{parent_id}"


def passes_url(world: World, *rest: object) -> str:
    return "/".join([f"/api/entry-logs/nurseries/{world.nursery.id}/pickup-passes", *map(str, rest)])


def alerts(client, headers, world: World) -> list[dict]:
    response = client.get(f"/api/entry-logs/nurseries/{world.nursery.id}/pickup-alerts", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def audited(db, action: str) -> list[AuditEntry]:
    rows = list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))
    db.commit()
    return rows


def new_pass(client, headers, world: World, day, children: list[int], name: str = "山田 祖母") -> dict:
    body = {"name": name, "relation": "祖母", "date": day.isoformat(), "childIds": children}
    response = client.post(passes_url(world), json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def buttons_decide(client, headers, world: World) -> None:
    """The nursery's stations in 手動 mode: each scan is recorded as the button's 入/出 (these tests scan exits of
    people who never came in)."""
    url = f"/api/entry-logs/nurseries/{world.nursery.id}"
    assert client.patch(url, json={"entryMode": "manual"}, headers=headers).json()["entryMode"] == "manual"


def picture(size=(640, 480), kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#88aacc").save(out, kind)
    return out.getvalue()


@pytest.mark.dialect
def test_a_restricted_guardians_exit_is_stored_warned_and_alerted_and_staff_acknowledge_it(client, db, staff, sakura):
    buttons_decide(client, staff, sakura)
    parent = sakura.parents[0]  # guardian of 園児0 and 園児3
    url = restriction_url(sakura, 3, parent.id)
    assert client.put(url, json={"note": "家庭裁判所の決定"}, headers=staff).status_code == 204
    collectors = client.get(f"/api/entry-logs/children/{sakura.children[3].id}/pickup", headers=staff).json()
    assert [(c["name"], c["kind"], c["kindLabel"], c["note"]) for c in collectors["collectors"]] == [
        ("sakura保護者0", "restricted", "お迎え不可", "家庭裁判所の決定")
    ]

    entered = scan(client, sakura, parent.id, "Entry")
    left = scan(client, sakura, parent.id, "Exit")
    again = scan(client, sakura, parent.id, "Exit")  # a double scan: the same warning, no second alert

    assert entered.json()["pickupWarning"] is None and entered.json()["refusedChildren"] == []
    assert left.status_code == 201  # never blocked: the log keeps who scanned
    assert (left.json()["refusedChildren"], left.json()["pickupWarning"]) == (
        ["sakura園児3"],
        WARNING.format("sakura園児3ちゃん"),
    )
    assert again.status_code == 200 and again.json()["pickupWarning"] == WARNING.format("sakura園児3ちゃん")
    [alert] = alerts(client, staff, sakura)
    assert (alert["logId"], alert["parentName"], alert["warning"]) == (
        left.json()["id"],
        "sakura保護者0",
        WARNING.format("sakura園児3ちゃん"),
    )
    assert db.scalar(select(func.count()).select_from(EntryLog).where(EntryLog.entry_type == "Exit")) == 1
    db.commit()

    ack = f"/api/entry-logs/nurseries/{sakura.nursery.id}/pickup-alerts/{alert['id']}/acknowledge"
    assert client.post(ack, headers=staff).status_code == 204
    assert alerts(client, staff, sakura) == []
    [acknowledged] = audited(db, "acknowledge_pickup_alert")
    assert (acknowledged.target_type, acknowledged.changes["acknowledged_by"]["after"]) == ("pickup_alert", "staff-a")

    assert client.delete(url, headers=staff).status_code == 204
    assert scan(client, sakura, parent.id, "Exit", clientScanId="after-lift").json()["pickupWarning"] is None
    [restricted] = audited(db, "restrict_pickup")
    [lifted] = audited(db, "lift_pickup_restriction")
    assert restricted.changes == {
        "restricted_parent_id": {"before": None, "after": parent.id},
        "note": {"before": None, "after": "家庭裁判所の決定"},
    }
    assert lifted.changes["restricted_parent_id"] == {"before": parent.id, "after": None}
    assert db.get(Parent, parent.id).pickup_check is False  # no rules left: exits skip the lookup again
    db.commit()


@pytest.mark.dialect
def test_a_restricted_child_who_is_absent_today_is_no_warning(client, db, staff, sakura):
    buttons_decide(client, staff, sakura)
    parent = sakura.parents[0]
    assert client.put(restriction_url(sakura, 3, parent.id), json={}, headers=staff).status_code == 204
    attendance.set_attendance(
        db, child=sakura.children[3], day=local_today(utcnow()), status="absent", note="", actor=SYSTEM
    )
    db.commit()
    left = scan(client, sakura, parent.id, "Exit")
    assert left.status_code == 201 and left.json()["pickupWarning"] is None
    assert alerts(client, staff, sakura) == []


@pytest.mark.dialect
def test_a_one_day_person_collects_on_their_date_only_with_their_own_barcode(client, db, staff, sakura):
    buttons_decide(client, staff, sakura)
    today = local_today(utcnow())
    children = [sakura.children[1].id, sakura.children[2].id]
    granny = new_pass(client, staff, sakura, today, children)
    sitter = new_pass(client, staff, sakura, today + timedelta(days=1), children[:1], name="佐藤 シッター")
    assert (granny["passDate"], granny["childNames"], granny["relation"]) == (
        today.isoformat(),
        ["sakura園児1", "sakura園児2"],
        "祖母",
    )
    assert granny["url"].startswith("http") and "/api/parent-barcode/" in granny["url"]

    on_the_day = scan(client, sakura, granny["parentId"], "Exit")
    not_yet = scan(client, sakura, sitter["parentId"], "Exit")

    assert on_the_day.status_code == 201 and on_the_day.json()["pickupWarning"] is None
    assert not_yet.status_code == 201 and not_yet.json()["pickupWarning"] == WARNING.format("sakura園児1ちゃん")
    assert [a["parentName"] for a in alerts(client, staff, sakura)] == ["佐藤 シッター"]

    assert client.delete(passes_url(sakura, granny["parentId"]), headers=staff).status_code == 204
    revoked = scan(client, sakura, granny["parentId"], "Exit", clientScanId="after-revoke")
    assert revoked.json()["pickupWarning"] == WARNING.format("sakura園児1ちゃん、sakura園児2ちゃん")
    listed = client.get(passes_url(sakura), headers=staff).json()
    assert [p["name"] for p in listed] == ["佐藤 シッター"]  # revoked: no longer listed
    parents = client.get("/api/entry-logs/parents", params={"nurseryId": sakura.nursery.id}, headers=staff).json()
    assert "山田 祖母" not in [p["name"] for p in parents["items"]]  # a pass person is no parent of the roster
    [created, _] = audited(db, "create_pickup_pass")
    assert {name: change["after"] for name, change in created.changes.items()} == {
        "name": "山田 祖母",
        "name_kana": "",
        "relation": "祖母",
        "pass_date": today.isoformat(),
        "child_ids": children,
    }
    [revoke] = audited(db, "revoke_pickup_pass")
    assert revoke.changes == {"pass_date": {"before": today.isoformat(), "after": None}}


def test_the_one_day_card_is_one_page_whose_barcode_a_reader_reads(client, db, staff, sakura):
    granny = new_pass(client, staff, sakura, local_today(utcnow()), [sakura.children[1].id])
    response = client.get(passes_url(sakura, granny["parentId"], "card"), headers=staff)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert barcodes_in_pdf(response.content) == [("Code128", str(granny["parentId"]))]


@pytest.mark.parametrize(
    ("body", "status", "rule"),
    [
        ({"date": "2020-01-01"}, 422, "today_or_later"),
        ({"childIds": []}, 422, "too_short"),
        ({"name": ""}, 422, "string_too_short"),
    ],
)
def test_a_pass_in_the_past_without_children_or_name_is_refused(client, db, staff, sakura, body, status, rule):
    base = {"name": "山田 祖母", "relation": "祖母", "date": local_today(utcnow()).isoformat()}
    response = client.post(passes_url(sakura), json=base | {"childIds": [sakura.children[0].id]} | body, headers=staff)
    assert response.status_code == status, response.text
    details = response.json()["error"]["details"]
    assert rule in [d["rule"] for d in (details if isinstance(details, list) else [details])]
    assert db.scalar(select(func.count()).select_from(Parent).where(Parent.is_pass)) == 0
    db.commit()


@pytest.mark.dialect
def test_a_photo_is_kept_small_shown_to_the_nurserys_station_and_audited_without_the_picture(
    client, db, staff, sakura, himawari
):
    parent = sakura.parents[1]
    url = f"/api/entry-logs/parents/{parent.id}/photo"
    uploaded = client.put(url, files={"file": ("me.png", picture((1600, 1200)), "image/png")}, headers=staff)
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["photoVersion"] == 1

    answer = scan(client, sakura, parent.id, "Entry").json()
    assert answer["photoVersion"] == 1
    station_url = f"/api/entry-exit-logs/parents/{parent.id}/photo"
    shown = client.get(station_url, headers=sakura.station_headers)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(shown.content)) as kept:
        assert max(kept.size) == 480
    assert client.get(station_url, headers=himawari.station_headers).status_code == 404
    assert client.get(station_url).status_code == 401
    assert scan(client, sakura, sakura.parents[0].id, "Entry").json()["photoVersion"] is None

    [entry] = audited(db, "set_guardian_photo")
    assert entry.changes == {"photo": {"before": None, "after": "set"}, "photo_version": {"before": 0, "after": 1}}
    assert client.delete(url, headers=staff).status_code == 204
    assert client.get(url, headers=staff).status_code == 404
    assert [e.changes["photo"]["after"] for e in audited(db, "remove_guardian_photo")] == [None]


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"", "image_empty"),
        (b"GIF89a not a photo", "image_type"),
        (picture((9000, 8000)), "image_max_pixels"),
        (picture()[:200], "image_corrupt"),
    ],
)
def test_a_photo_that_is_not_one_or_too_large_is_a_422_and_nothing_is_kept(client, db, staff, sakura, content, rule):
    url = f"/api/entry-logs/parents/{sakura.parents[1].id}/photo"
    response = client.put(url, files={"file": ("x.png", content, "image/png")}, headers=staff)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["rule"] == rule
    assert db.get(Parent, sakura.parents[1].id).photo_version == 0
    assert db.scalar(select(func.count()).select_from(PickupAlert)) == 0
    db.commit()


@pytest.mark.dialect
def test_a_one_day_persons_exit_is_their_childrens_pick_up_in_attendance_on_that_date_only(client, staff, sakura):
    buttons_decide(client, staff, sakura)
    today = local_today(utcnow())
    granny = new_pass(client, staff, sakura, today, [sakura.children[1].id])
    sitter = new_pass(client, staff, sakura, today + timedelta(days=1), [sakura.children[2].id], name="佐藤 シッター")
    assert scan(client, sakura, granny["parentId"], "Exit").status_code == 201
    assert scan(client, sakura, sitter["parentId"], "Exit").status_code == 201  # a day early: warned, not theirs

    body = client.get("/api/attendance", params={"date": today.isoformat()}, headers=staff).json()

    rows = {row["childName"]: row for row in body["children"]}
    assert rows["sakura園児1"]["latestExit"]["parentName"] == "山田 祖母"
    assert rows["sakura園児1"]["entryExitLogCount"] == 1
    assert rows["sakura園児2"]["latestExit"] is None and rows["sakura園児2"]["entryExitLogCount"] == 0
    assert rows["sakura園児0"]["entryExitLogCount"] == 0


@pytest.mark.dialect
def test_a_one_day_persons_scans_name_the_children_of_their_pass(client, staff, sakura):
    """DI-AL-001: 関連園児 of a 「本日のみ」 person's log are the pass's children, in the scan's answer (greeted on
    the pass's date), the log list and its 園児名 filter, the CSV, 園内にいる保護者 and attendance."""
    today = local_today(utcnow())
    granny = new_pass(client, staff, sakura, today, [sakura.children[1].id, sakura.children[2].id])
    sitter = new_pass(client, staff, sakura, today + timedelta(days=1), [sakura.children[1].id], name="佐藤 シッター")

    came = scan(client, sakura, granny["parentId"], "Entry")
    early = scan(client, sakura, sitter["parentId"], "Entry")

    assert came.json()["childNames"] == ["sakura園児1", "sakura園児2"]
    assert early.json()["childNames"] == []  # not their day: nobody to greet them for
    listed = client.get("/api/entry-exit-logs", params={"sort": "timestamp"}, headers=staff).json()["logs"]
    assert [(log["parentName"], log["childNames"]) for log in listed] == [
        ("山田 祖母", ["sakura園児1", "sakura園児2"]),
        ("佐藤 シッター", ["sakura園児1"]),
    ]
    by_child = client.get("/api/entry-exit-logs", params={"childName": "sakura園児2"}, headers=staff).json()
    assert [log["parentName"] for log in by_child["logs"]] == ["山田 祖母"]
    exported = client.get("/api/entry-exit-logs/export", params={"sort": "timestamp"}, headers=staff)
    rows = list(csv.reader(io.StringIO(exported.content.decode().lstrip("\ufeff"))))
    assert [(row[2], row[4]) for row in rows[1:]] == [
        ("山田 祖母", "sakura園児1"),
        ("山田 祖母", "sakura園児2"),
        ("佐藤 シッター", "sakura園児1"),
    ]
    inside = client.get(f"/api/entry-logs/nurseries/{sakura.nursery.id}/present-parents", headers=staff).json()
    assert {p["parentName"]: p["childNames"] for p in inside["parents"]}["山田 祖母"] == ["sakura園児1", "sakura園児2"]
    day = client.get("/api/attendance", params={"date": today.isoformat()}, headers=staff).json()
    rows_by_child = {row["childName"]: row for row in day["children"]}
    assert rows_by_child["sakura園児2"]["latestEntry"]["parentName"] == "山田 祖母"
