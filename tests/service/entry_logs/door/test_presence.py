"""自動 mode (BC-003, FR-ER-002): a scan that repeats the person's state today is recorded as the other type, decided
by the service when the scan reaches it (a station's queued scans too), and the answer says why (decidedBy); a
nursery's 手動 mode records the button. The clock is set to a morning, so the local day never ends mid-test."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.entry_logs import counts
from service.entry_logs.models import EntryLog, LogHourCount
from tests.service.entry_logs.world import add_log, make_world, scan, staff_headers
from tests.support.clock import clock_at, japan_time

pytestmark = pytest.mark.dialect

MORNING = japan_time(2026, 6, 1, 9, 0)


@pytest.fixture
def morning():
    with clock_at(MORNING):
        yield


def at(minutes_ago: float) -> str:
    """A station's reading of a scan `minutes_ago` (no sentAt: the service files it then)."""
    return (utcnow() - timedelta(minutes=minutes_ago)).isoformat()


def recorded(answer) -> tuple[int, str, str, bool]:
    assert answer.status_code in (200, 201), answer.text
    body = answer.json()
    return answer.status_code, body["entryType"], body["decidedBy"], body["duplicate"]


def test_a_scan_repeating_the_persons_state_is_recorded_as_the_other_type(client, db, morning):
    world = make_world(db, "sakura")
    staff = staff_headers(db, world)
    hanako, taro, jiro = world.parents

    answers = [
        scan(client, world, hanako.id, "Entry", scannedAt=at(50)),  # out: 入
        scan(client, world, taro.id, "Entry", scannedAt=at(45)),
        scan(client, world, hanako.id, "Entry", scannedAt=at(40)),  # the button still on 入, she is inside: 出
        scan(client, world, hanako.id, "Exit", scannedAt=at(30)),  # 出 pressed, she is out: 入
        scan(client, world, jiro.id, "Exit", scannedAt=at(20)),  # never came in today: 入
        scan(client, world, hanako.id, "Exit", scannedAt=at(10)),  # 出, and she is inside: 出
    ]

    assert [recorded(answer) for answer in answers] == [
        (201, "Entry", "presence", False),
        (201, "Entry", "presence", False),
        (201, "Exit", "presence", False),
        (201, "Entry", "presence", False),
        (201, "Entry", "presence", False),
        (201, "Exit", "presence", False),
    ]
    inside = client.get(f"/api/entry-logs/nurseries/{world.nursery.id}/present-parents", headers=staff).json()
    assert sorted(parent["parentName"] for parent in inside["parents"]) == ["sakura保護者1", "sakura保護者2"]
    listed = client.get("/api/entry-exit-logs", params={"sort": "timestamp"}, headers=staff).json()
    assert [(log["parentName"], log["entryType"]) for log in listed["logs"]] == [
        ("sakura保護者0", "Entry"),
        ("sakura保護者1", "Entry"),
        ("sakura保護者0", "Exit"),
        ("sakura保護者0", "Entry"),
        ("sakura保護者2", "Entry"),
        ("sakura保護者0", "Exit"),
    ]
    kept = db.execute(select(LogHourCount.entry_type, LogHourCount.live_count).order_by(LogHourCount.entry_type)).all()
    counts.rebuild(db, nursery_id=world.nursery.id)
    recounted = db.execute(select(LogHourCount.entry_type, LogHourCount.live_count).order_by(LogHourCount.entry_type))
    assert kept == recounted.all() and sum(count for _, count in kept) == 6
    db.commit()


def test_a_second_read_within_the_double_scan_window_is_a_double_scan_whatever_the_button(client, db, morning):
    world = make_world(db, "sakura")
    db.commit()
    parent = world.parents[0].id
    first = scan(client, world, parent, "Entry", scannedAt=at(1))
    again = scan(client, world, parent, "Exit", scannedAt=(utcnow() - timedelta(seconds=55)).isoformat())
    assert recorded(first) == (201, "Entry", "presence", False)
    assert recorded(again) == (200, "Entry", "presence", True) and again.json()["id"] == first.json()["id"]
    assert db.scalar(select(EntryLog.id).where(EntryLog.parent_id == parent).limit(2).offset(1)) is None
    db.commit()


def test_a_resent_scan_answers_its_first_decision_whatever_type_it_carries(client, db, morning):
    world = make_world(db, "sakura")
    db.commit()
    parent = world.parents[0].id
    scan(client, world, parent, "Entry", scannedAt=at(30))
    first = scan(client, world, parent, "Entry", scannedAt=at(5), clientScanId="gate-1-0002")
    resent = scan(client, world, parent, "Entry", scannedAt=at(5), clientScanId="gate-1-0002")
    assert recorded(first) == (201, "Exit", "presence", False)
    assert recorded(resent) == (200, "Exit", "presence", True) and resent.json()["id"] == first.json()["id"]
    reused = scan(client, world, world.parents[1].id, "Entry", clientScanId="gate-1-0002")
    assert reused.status_code == 409  # still refused for another parent


def test_the_state_is_todays_live_logs_staff_exits_included(client, db, morning):
    world = make_world(db, "sakura")
    staff = staff_headers(db, world)
    forgot_to_leave, deleted, left_by_hand = world.parents
    add_log(db, world, forgot_to_leave, "Entry", utcnow() - timedelta(days=1))  # yesterday: no exit recorded
    mistaken = add_log(db, world, deleted, "Entry", utcnow() - timedelta(hours=1))
    add_log(db, world, left_by_hand, "Entry", utcnow() - timedelta(hours=1))
    db.commit()
    deleting = client.delete(f"/api/entry-exit-logs/{mistaken.id}", params={"reason": "誤スキャン"}, headers=staff)
    assert deleting.status_code == 204
    exit_url = f"/api/entry-logs/nurseries/{world.nursery.id}/parents/{left_by_hand.id}/exit"
    left = {"occurredAt": at(10), "reason": "スキャン忘れ"}
    assert client.post(exit_url, json=left, headers=staff).status_code == 201

    answers = [scan(client, world, person.id, "Exit") for person in (forgot_to_leave, deleted, left_by_hand)]
    assert [recorded(answer)[1] for answer in answers] == ["Entry", "Entry", "Entry"]


def test_manual_mode_records_the_button_and_the_setting_is_the_nurserys_own_audited(client, db, morning):
    world = make_world(db, "sakura")
    other = make_world(db, "himawari")
    staff = staff_headers(db, world)
    url = f"/api/entry-logs/nurseries/{world.nursery.id}"
    assert client.get(url, headers=staff).json()["entryMode"] == "auto"
    refused = client.patch(url, json={"entryMode": "automatic"}, headers=staff)
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["label"] == "入/出の判定"
    assert client.patch(f"/api/entry-logs/nurseries/{other.nursery.id}", json={"entryMode": "manual"}, headers=staff)
    assert client.patch(url, json={"entryMode": "manual"}, headers=staff).json()["entryMode"] == "manual"

    assert recorded(scan(client, world, world.parents[0].id, "Exit")) == (201, "Exit", "toggle", False)
    assert recorded(scan(client, other, other.parents[0].id, "Exit")) == (201, "Entry", "presence", False)
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert entry.changes == {"entry_mode": {"before": "auto", "after": "manual"}}
    db.commit()
