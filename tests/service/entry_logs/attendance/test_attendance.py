from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from tests.service.entry_logs.world import add_log

# Local (Tokyo) 2026-01-14 07:00 = 2026-01-13 22:00 UTC.
DAY_START = datetime(2026, 1, 13, 22, 0, tzinfo=UTC)


@pytest.mark.dialect
def test_attendance_page_has_each_childs_attendance_and_pickup_times(client, db, staff, sakura):
    p0, p1, _ = sakura.parents
    for i in range(7):
        add_log(db, sakura, p0, "Entry" if i % 2 == 0 else "Exit", DAY_START + timedelta(hours=i, seconds=5))
    add_log(db, sakura, p1, "Entry", DAY_START - timedelta(hours=8))  # 23:00 the evening before, local time
    db.commit()
    assert (
        client.put(
            f"/api/attendance/{sakura.children[0].id}/2026-01-14", json={"status": "present"}, headers=staff
        ).status_code
        == 200
    )
    body = client.get("/api/attendance", params={"date": "2026-01-14"}, headers=staff).json()
    assert body["date"] == "2026-01-14" and body["nurseryName"] == "さくら保育園"
    rows = {row["childName"]: row for row in body["children"]}
    assert len(rows) == 4
    first = rows["sakura園児0"]
    assert first["attendances"] == [
        {"date": "2026-01-14", "status": "present", "statusLabel": "出席", "note": "", "fromDoor": False}
    ]
    assert first["entryExitLogCount"] == 7
    assert [log["timestamp"] for log in first["entryExitLogs"]] == [
        (DAY_START + timedelta(hours=h, seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ") for h in range(2, 7)
    ]
    assert (
        first["latestEntry"]["timestamp"] == "2026-01-14T04:00:05Z"
        and first["latestEntry"]["parentName"] == "sakura保護者0"
    )
    assert first["latestExit"]["timestamp"] == "2026-01-14T03:00:05Z"
    assert set(first["entryExitLogs"][0]) == {
        *("logId", "entryType", "timestamp", "parentId", "parentName", "recordedBy", "manualReason")
    }
    assert rows["sakura園児3"]["entryExitLogCount"] == 7
    assert [(r["status"], r["fromDoor"]) for r in rows["sakura園児3"]["attendances"]] == [("present", True)]
    second = rows["sakura園児1"]
    assert (second["attendances"], second["entryExitLogs"], second["latestEntry"], second["latestExit"]) == (
        [],
        [],
        None,
        None,
    )
    by_class = client.get(
        "/api/attendance", params={"date": "2026-01-14", "className": "うさぎ組"}, headers=staff
    ).json()
    assert [c["childName"] for c in by_class["children"]] == ["sakura園児1"]
    assert [(figure["key"], figure["value"]) for figure in by_class["figures"]] == [
        ("entry_logs.attended", 0),
        ("entry_logs.absent", 0),
        ("entry_logs.unrecorded", 1),
    ]


@pytest.mark.dialect  # attendance from the door reads dialect SQL (lookups.door_days)
def test_editing_attendance_is_audited_and_can_be_cleared(client, db, staff, sakura):
    child = sakura.children[1].id
    url = f"/api/attendance/{child}/2026-01-14"
    assert client.put(url, json={"status": "present"}, headers=staff).json()["statusLabel"] == "出席"
    changed = client.put(url, json={"status": "absent", "note": "風邪のため"}, headers=staff).json()
    assert changed == {
        "date": "2026-01-14",
        "status": "absent",
        "statusLabel": "欠席",
        "note": "風邪のため",
        "fromDoor": False,
    }
    assert client.put(url, json={"status": "late"}, headers=staff).status_code == 422
    assert client.delete(url, headers=staff).status_code == 204
    body = client.get("/api/attendance", params={"date": "2026-01-14"}, headers=staff).json()
    assert all(row["attendances"] == [] for row in body["children"])
    actions = [
        e.action
        for e in db.scalars(select(AuditEntry).where(AuditEntry.target_type == "attendance").order_by(AuditEntry.seq))
    ]
    db.commit()
    assert actions == ["set_attendance", "set_attendance", "clear_attendance"]
