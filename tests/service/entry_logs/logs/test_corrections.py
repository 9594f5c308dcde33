"""再登録 (CON-B-002): staff record the entry or exit a scan missed at its real time with their reason; it is 手入力
with who and why in the list, the CSV, attendance and the audit log. 「退出を記録」 takes the time the parent left."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.entry_logs.models import EntryLog
from tests.service.entry_logs.attendance.test_closing import TOKYO, exit_url, today_at
from tests.service.entry_logs.world import World, add_log
from tests.support.downloads import csv_download

REASON = "スキャン忘れ（保護者から申告）"


def yesterday_at(clock: str) -> datetime:
    return datetime.combine(datetime.now(TOKYO).date() - timedelta(days=1), time.fromisoformat(clock), tzinfo=TOKYO)


def logs_url(world: World, parent_id: int, nursery: World | None = None) -> str:
    return f"/api/entry-logs/nurseries/{(nursery or world).nursery.id}/parents/{parent_id}/logs"


def re_register(client, headers, world: World, parent_id: int, **body):
    payload = {"entryType": "Entry", "occurredAt": yesterday_at("08:05").isoformat(), "reason": REASON} | body
    return client.post(logs_url(world, parent_id), json=payload, headers=headers)


def log_count(db) -> int:
    total = db.scalar(select(func.count()).select_from(EntryLog))
    db.commit()
    return total


@pytest.mark.dialect
def test_a_re_registration_at_a_past_time_is_manual_with_its_reason_everywhere(client, db, staff, sakura):
    parent = sakura.parents[0]
    add_log(db, sakura, parent, "Exit", yesterday_at("17:30"))
    db.commit()
    day = yesterday_at("00:00").date().isoformat()

    response = re_register(client, staff, sakura, parent.id)

    assert response.status_code == 201, response.text
    written = response.json()
    assert (written["entryType"], written["recordedBy"], written["manualReason"]) == ("Entry", "staff-a", REASON)
    assert datetime.fromisoformat(written["timestamp"]) == yesterday_at("08:05")
    assert written["childNames"] == ["sakura園児0", "sakura園児3"]

    listed = client.get("/api/entry-exit-logs", params={"from": day, "to": day}, headers=staff).json()
    assert listed["totalCount"] == 2  # the hour counts include it
    assert [(log["entryType"], log["recordedBy"], log["manualReason"]) for log in listed["logs"]] == [
        ("Exit", None, None),
        ("Entry", "staff-a", REASON),
    ]
    rows = csv_download(client.get("/api/entry-exit-logs/export", params={"from": day, "to": day}, headers=staff))
    header = rows[0]
    assert len(rows) == 5  # the exit and the entry, each a row per child (園児0 and 園児3)
    manual = dict(zip(header, rows[3], strict=True))
    assert (manual["日時"], manual["手入力者"], manual["手入力の理由"]) == (f"{day} 08:05:00", "staff-a", REASON)

    attendance = client.get("/api/attendance", params={"date": day}, headers=staff).json()["children"]
    child = next(c for c in attendance if c["childName"] == "sakura園児0")
    assert (child["latestEntry"]["logId"], child["latestEntry"]["recordedBy"]) == (written["id"], "staff-a")
    assert child["latestEntry"]["manualReason"] == REASON and child["latestExit"]["recordedBy"] is None

    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "record_log")).all()
    db.commit()
    assert (entry.actor_label, entry.target_type, entry.target_id) == ("staff-a", "entry_exit_log", str(written["id"]))
    assert {name: change["after"] for name, change in entry.changes.items()} == {
        "entry_type": "Entry",
        "manual_reason": REASON,
        "nursery_id": sakura.nursery.id,
        "occurred_at": str(db.get(EntryLog, written["id"]).occurred_at),
        "parent_id": parent.id,
        "recorded_by": "staff-a",
    }
    db.commit()


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # a day ahead: the parameters are computed when the suite is collected, long before the test runs
        ({"occurredAt": (datetime.now(TOKYO) + timedelta(days=1)).isoformat()}, "not_in_future"),
        ({"occurredAt": (datetime.now(TOKYO) - timedelta(days=400)).isoformat()}, "within_retention_period"),
        ({"occurredAt": "2026-01-14T08:05:00"}, "timezone_required"),
        ({"reason": ""}, "string_too_short"),
        ({"reason": "  "}, "string_too_short"),
        ({"entryType": "Both"}, "enum"),
    ],
)
def test_a_re_registration_in_the_future_too_old_without_zone_or_reason_is_a_422(client, db, staff, sakura, body, rule):
    response = re_register(client, staff, sakura, sakura.parents[0].id, **body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    details = error["details"] if isinstance(error["details"], list) else [error["details"]]
    assert rule in [d["rule"] for d in details]
    assert all(ord(ch) > 0x2E7F for ch in error["message"][:1])  # Japanese words, not an English message
    assert log_count(db) == 0


@pytest.mark.dialect
def test_staff_record_an_exit_at_the_time_the_parent_left_not_before_their_entry(client, db, staff, sakura):
    parent = sakura.parents[0]
    add_log(db, sakura, parent, "Entry", today_at(0.4))
    db.commit()
    url = exit_url(sakura, parent.id)
    refused = {
        "after_entry": today_at(0.2),
        "today": yesterday_at("23:59"),
        "not_in_future": datetime.now(TOKYO) + timedelta(minutes=5),
    }
    for rule, at in refused.items():
        response = client.post(url, json={"occurredAt": at.isoformat()}, headers=staff)
        assert response.status_code == 422, (rule, response.text)
        assert response.json()["error"]["details"]["rule"] == rule
    left = today_at(0.6).replace(microsecond=0)

    response = client.post(url, json={"occurredAt": left.isoformat(), "reason": "お迎え時に押し忘れ"}, headers=staff)

    assert response.status_code == 201, response.text
    answer = response.json()
    assert datetime.fromisoformat(answer["timestamp"]) == left
    assert (answer["recordedBy"], answer["manualReason"]) == ("staff-a", "お迎え時に押し忘れ")
    assert client.post(url, json={"occurredAt": left.isoformat()}, headers=staff).status_code == 409  # left already
    assert log_count(db) == 2
