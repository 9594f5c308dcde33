"""A child registered 欠席 is not greeted by their parent's scan (the station lists only the children expected that
day), and attendance marks the contradiction when the parent came or went anyway (欠席登録あり beside the times)."""

from datetime import timedelta

import pytest

from service.audit.service import SYSTEM
from service.database import utcnow
from service.entry_logs.attendance import service as attendance
from service.entry_logs.lookups import local_today
from tests.service.entry_logs.world import scan

pytestmark = pytest.mark.dialect


def test_an_absent_child_is_not_greeted_and_attendance_flags_the_parents_scan(client, db, staff, sakura):
    parent = sakura.parents[0]  # two children: 園児0 and 園児3
    today = local_today(utcnow())
    absent, sibling = sakura.children[3], sakura.children[0]
    attendance.set_attendance(db, child=absent, day=today, status="absent", note="風邪のため", actor=SYSTEM)
    attendance.set_attendance(db, child=sibling, day=today - timedelta(days=1), status="absent", note="", actor=SYSTEM)
    db.commit()

    entered = scan(client, sakura, parent.id, "Entry")
    resent = scan(client, sakura, parent.id, "Entry")  # a double scan answers the same children

    assert entered.status_code == 201 and entered.json()["childNames"] == ["sakura園児0"]
    assert resent.status_code == 200 and resent.json()["childNames"] == ["sakura園児0"]
    other = scan(client, sakura, sakura.parents[1].id, "Entry")
    assert other.json()["childNames"] == ["sakura園児1"]  # nobody absent: every child

    rows = {
        c["childName"]: c
        for c in client.get("/api/attendance", params={"date": today.isoformat()}, headers=staff).json()["children"]
    }
    flagged = rows["sakura園児3"]
    assert (flagged["attendances"][0]["statusLabel"], flagged["absentWithLogs"]) == ("欠席", True)
    assert flagged["latestEntry"]["parentId"] == parent.id  # the times stay, flagged: staff see the contradiction
    assert [rows[name]["absentWithLogs"] for name in ("sakura園児0", "sakura園児1", "sakura園児2")] == [False] * 3
    words = client.get("/api/entry-logs/vocabulary", headers=staff).json()
    assert words["absentWithLogsMark"] == "欠席登録あり"


def test_yesterdays_absence_does_not_hide_a_child_today_nor_an_offline_scan_of_that_day(client, db, sakura):
    parent = sakura.parents[0]
    today = local_today(utcnow())
    attendance.set_attendance(
        db, child=sakura.children[3], day=today - timedelta(days=1), status="absent", note="", actor=SYSTEM
    )
    db.commit()
    now = utcnow()
    assert scan(client, sakura, parent.id, "Entry").json()["childNames"] == ["sakura園児0", "sakura園児3"]
    yesterday = now - timedelta(days=1)
    queued = scan(
        client, sakura, parent.id, "Exit", scannedAt=yesterday.isoformat(), sentAt=now.isoformat(), clientScanId="q1"
    )
    assert queued.status_code == 201 and queued.json()["childNames"] == ["sakura園児0"]  # absent on the scan's day
