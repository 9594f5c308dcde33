"""Attendance from the door: a child whose parent (or a 「本日のみ」 person) scanned 入 that day is 出席 with no staff
record; staff corrections stay whatever is scanned later, and are audited with before/after. The cards, the list's
filters and the day's rows agree."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.entry_logs.station import issue_station_token
from tests.service.entry_logs.world import World, scan, staff_headers
from tests.support.clock import clock_at, japan_time

pytestmark = pytest.mark.dialect
NOON = japan_time(2026, 1, 14, 12, 0)
TODAY = "2026-01-14"


@pytest.fixture
def at_noon(db, sakura):
    """The clock at NOON, and staff's and the station's sign-ins made then."""
    with clock_at(NOON):
        sakura.station_headers = {
            "Authorization": f"Bearer {issue_station_token(db, sakura.nursery, now=utcnow()).token}"
        }
        yield staff_headers(db, sakura)


def scanned(client, world: World, parent, entry_type: str, minutes_ago: int):
    """A scan queued `minutes_ago` at the station, sent now."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    return scan(
        client,
        world,
        parent.id,
        entry_type,
        scannedAt=at.isoformat(),
        sentAt=utcnow().isoformat(),
        clientScanId=f"{parent.id}-{minutes_ago}",
    )


def day_rows(client, headers: dict, day: str, **params) -> dict[str, dict]:
    body = client.get("/api/attendance", params={"date": day, **params}, headers=headers).json()
    return {row["childName"]: row for row in body["children"]}


def shown(row: dict) -> tuple[str | None, bool | None]:
    record = row["attendances"][0] if row["attendances"] else {}
    return record.get("statusLabel"), record.get("fromDoor")


def figures(client, headers: dict, day: str) -> dict[str, int]:
    body = client.get("/api/attendance", params={"date": day}, headers=headers).json()
    return {figure["key"].removeprefix("entry_logs."): figure["value"] for figure in body["figures"]}


def test_a_scanned_entry_marks_the_children_present_and_a_staff_correction_stays(client, db, at_noon, sakura):
    staff = at_noon
    today = TODAY
    p0, p1, _ = sakura.parents  # p0 collects 園児0 and 園児3; p1 園児1; nobody scans for 園児2
    assert figures(client, staff, today) == {"attended": 0, "absent": 0, "unrecorded": 4}

    assert scanned(client, sakura, p0, "Entry", 180).status_code == 201
    rows = day_rows(client, staff, today)
    assert [shown(rows[f"sakura園児{i}"]) for i in range(4)] == [
        ("出席", True),
        (None, None),
        (None, None),
        ("出席", True),
    ]
    assert figures(client, staff, today) == {"attended": 2, "absent": 0, "unrecorded": 2}

    # Staff correct: 園児3 stayed home (its sibling came), 園児1 came with someone who has no card.
    url = f"/api/attendance/{sakura.children[3].id}/{today}"
    assert client.put(url, json={"status": "absent", "note": "兄弟のみ登園"}, headers=staff).status_code == 200
    assert client.put(f"/api/attendance/{sakura.children[1].id}/{today}", json={"status": "present"}, headers=staff)
    # The door goes on: p0 leaves and comes back, p1 comes in.
    for parent, entry_type, minutes_ago in ((p0, "Exit", 120), (p0, "Entry", 60), (p1, "Entry", 30)):
        assert scanned(client, sakura, parent, entry_type, minutes_ago).status_code == 201

    rows = day_rows(client, staff, today)
    assert shown(rows["sakura園児3"]) == ("欠席", False) and rows["sakura園児3"]["absentWithLogs"] is True
    assert rows["sakura園児3"]["attendances"][0]["note"] == "兄弟のみ登園"
    assert shown(rows["sakura園児1"]) == ("出席", False)
    assert shown(rows["sakura園児0"]) == ("出席", True)
    assert figures(client, staff, today) == {"attended": 2, "absent": 1, "unrecorded": 1}
    assert list(day_rows(client, staff, today, status="unrecorded")) == ["sakura園児2"]
    assert sorted(day_rows(client, staff, today, status="present")) == ["sakura園児0", "sakura園児1"]
    assert list(day_rows(client, staff, today, status="absent")) == ["sakura園児3"]

    # Clearing the correction gives the day back to the door.
    assert client.delete(url, headers=staff).status_code == 204
    assert shown(day_rows(client, staff, today)["sakura園児3"]) == ("出席", True)

    changes = [
        (entry.action, entry.changes)
        for entry in db.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == "attendance", AuditEntry.target_id == f"{sakura.children[3].id}:{today}")
            .order_by(AuditEntry.seq)
        )
    ]
    db.commit()
    assert [action for action, _ in changes] == ["set_attendance", "clear_attendance"]
    assert changes[0][1]["status"] == {"before": None, "after": "absent"}
    assert changes[1][1]["status"] == {"before": "absent", "after": None}


def test_a_deleted_scan_no_longer_marks_the_child_present(client, db, at_noon, sakura):
    staff = at_noon
    today = TODAY
    entered = scanned(client, sakura, sakura.parents[1], "Entry", 10).json()
    assert shown(day_rows(client, staff, today)["sakura園児1"]) == ("出席", True)
    deleted = client.delete(f"/api/entry-exit-logs/{entered['id']}", params={"reason": "誤スキャン"}, headers=staff)
    assert deleted.status_code == 204
    assert shown(day_rows(client, staff, today)["sakura園児1"]) == (None, None)
