"""延長保育 from the scans: a month with a mid-month change of the nursery's hours and unit, each day computed with the
hours in effect that day, corrected by a 再登録, without deleted scans or days of 欠席; per child and per day, the CSV
for accounting and the month's named figures agree; a past month's hours cannot be changed."""

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.audit.service import SYSTEM
from service.audit.vocabulary import entry_words
from service.database import utcnow
from service.entry_logs.attendance import service as attendance
from service.entry_logs.models import ONE_DAY, CareHours, Parent, PickupRule
from tests.service.entry_logs.attendance.test_closing import TOKYO
from tests.service.entry_logs.world import World, add_log
from tests.support.downloads import csv_download

MONTH = {"month": "2026-01"}
HEADER = ["対象月", "園児ID", "園児名", "クラス", "延長保育日数", "延長保育時間（分）", "延長保育単位数"]


def jan(day: int, clock: str) -> datetime:
    return datetime.combine(date(2026, 1, day), time.fromisoformat(clock), tzinfo=TOKYO)


def january(db, world: World) -> None:
    """07:30-18:30 in 30-minute units, from the 16th 08:00-18:00 in 15-minute units; parent 0 (園児0, 園児3) and
    parent 1 (園児1) come early and leave late; 園児3 is absent on the 20th; a deleted exit counts nothing."""
    db.add_all(
        [
            CareHours(
                nursery_id=world.nursery.id,
                effective_from=date(2026, 1, 1),
                opening_time=time(7, 30),
                closing_time=time(18, 30),
                unit_minutes=30,
            ),
            CareHours(
                nursery_id=world.nursery.id,
                effective_from=date(2026, 1, 16),
                opening_time=time(8, 0),
                closing_time=time(18, 0),
                unit_minutes=15,
            ),
        ]
    )
    p0, p1, _ = world.parents
    for parent, at, kind in (
        (p0, jan(14, "07:10"), "Entry"),  # 20 minutes before 07:30
        (p0, jan(14, "18:45"), "Exit"),  # 15 after 18:30: 35 minutes, 2 units of 30
        (p0, jan(20, "07:50"), "Entry"),  # new hours: 10 before 08:00
        (p0, jan(20, "18:31"), "Exit"),  # 31 after 18:00: 41 minutes, 3 units of 15
        (p0, jan(21, "09:00"), "Entry"),
        (p0, jan(21, "17:00"), "Exit"),  # within the hours: nothing
        (p0, jan(22, "07:55"), "Entry"),  # 5 before; the exit is recorded by hand below (10 after)
        (p1, jan(20, "18:20"), "Exit"),  # 20 after 18:00: 2 units of 15
    ):
        add_log(db, world, parent, kind, at)
    add_log(db, world, p0, "Exit", jan(14, "19:30")).deleted_at = utcnow()  # a deleted scan counts nothing
    absent = world.children[3]
    attendance.set_attendance(db, child=absent, day=date(2026, 1, 20), status="absent", note="", actor=SYSTEM)
    db.commit()


@pytest.mark.dialect
def test_a_month_with_a_mid_month_change_of_hours_per_child_per_day_csv_and_figures(client, db, staff, sakura):
    january(db, sakura)
    p0 = sakura.parents[0]
    missed = {"entryType": "Exit", "occurredAt": jan(22, "18:10").isoformat(), "reason": "スキャン忘れ"}
    url = f"/api/entry-logs/nurseries/{sakura.nursery.id}/parents/{p0.id}/logs"
    assert client.post(url, json=missed, headers=staff).status_code == 201  # the 再登録 corrects the month

    month = client.get("/api/entry-logs/extended-care", params=MONTH, headers=staff).json()

    assert month["hasHours"] is True and month["total"] == 3
    assert [(c["childName"], c["days"], c["minutes"], c["units"]) for c in month["items"]] == [
        ("sakura園児0", 3, 35 + 41 + 15, 2 + 3 + 1),
        ("sakura園児1", 1, 20, 2),
        ("sakura園児3", 2, 35 + 15, 2 + 1),  # absent on the 20th
    ]
    child0 = sakura.children[0].id
    days = client.get("/api/entry-logs/extended-care/days", params=MONTH | {"childId": child0}, headers=staff).json()
    assert [(d["day"], d["minutesBefore"], d["minutesAfter"], d["units"]) for d in days] == [
        ("2026-01-14", 20, 15, 2),
        ("2026-01-20", 10, 31, 3),
        ("2026-01-22", 5, 10, 1),
    ]
    assert (days[0]["firstEntry"], days[0]["lastExit"]) == ("2026-01-13T22:10:00Z", "2026-01-14T09:45:00Z")

    rows = csv_download(client.get("/api/entry-logs/extended-care/export", params=MONTH, headers=staff))
    assert rows[0] == HEADER
    assert rows[1:] == [
        ["2026-01", str(child0), "sakura園児0", "ひよこ組", "3", "91", "6"],
        ["2026-01", str(sakura.children[1].id), "sakura園児1", "うさぎ組", "1", "20", "2"],
        ["2026-01", str(sakura.children[3].id), "sakura園児3", "ひよこ組", "2", "50", "3"],
    ]
    figures = client.get("/api/entry-logs/extended-care/figures", params=MONTH, headers=staff).json()
    assert [(f["key"], f["value"], f["periodLabel"] if "periodLabel" in f else f["period_label"]) for f in figures] == [
        ("entry_logs.extended_care_children", 3, "2026年1月"),
        ("entry_logs.extended_care_minutes", 161, "2026年1月"),
        ("entry_logs.extended_care_units", 11, "2026年1月"),
    ]
    assert figures[2]["list_query"] == {"nurseryId": str(sakura.nursery.id), "month": "2026-01"}


def test_hours_are_set_from_this_month_on_replaced_for_a_date_and_never_for_a_past_month(client, db, staff, sakura):
    url = f"/api/entry-logs/nurseries/{sakura.nursery.id}/care-hours"
    this_month = utcnow().astimezone(TOKYO).date().replace(day=1)
    body = {"effectiveFrom": this_month.isoformat(), "openingTime": "07:30", "closingTime": "18:30", "unitMinutes": 30}

    assert client.post(url, json=body, headers=staff).status_code == 201
    replaced = client.post(url, json=body | {"unitMinutes": 15}, headers=staff)
    past = client.post(url, json=body | {"effectiveFrom": "2026-01-16"}, headers=staff)
    reversed_ = client.post(url, json=body | {"openingTime": "19:00"}, headers=staff)

    assert replaced.status_code == 201 and replaced.json()["unitMinutes"] == 15
    assert (past.status_code, past.json()["error"]["details"]["rule"]) == (422, "not_past_month")
    assert "過去の月" in past.json()["error"]["message"]
    assert (reversed_.status_code, reversed_.json()["error"]["details"]["rule"]) == (422, "after_opening")
    assert [h["unitMinutes"] for h in client.get(url, headers=staff).json()] == [15]
    audited = select(AuditEntry).where(AuditEntry.action == "set_care_hours").order_by(AuditEntry.seq)
    entries = list(db.scalars(audited))
    first_words = entry_words(db, entries[:1])[0]
    db.commit()
    assert entries[1].changes == {"unit_minutes": {"before": 30, "after": 15}}
    # the hours' own words, though the entry is about their nursery (whose closing_time is 閉園時刻)
    assert first_words.target_label == f"保育園 {sakura.nursery.name}"
    assert {change.field: change.field_label for change in first_words.changes} == {
        "closing_time": "保育終了時刻",
        "effective_from": "適用開始日",
        "opening_time": "保育開始時刻",
        "unit_minutes": "延長保育の単位（分）",
    }
    empty = client.get("/api/entry-logs/extended-care", params=MONTH, headers=staff).json()
    assert (empty["hasHours"], empty["total"]) == (False, 0)  # January had no hours
    bad = client.get("/api/entry-logs/extended-care", params={"month": "2026-1x"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["rule"] == "year_month"


@pytest.mark.dialect
def test_a_one_day_persons_late_pick_up_counts_for_the_child_on_the_pass_s_date_only(client, db, staff, sakura):
    january(db, sakura)
    granny = Parent(nursery_id=sakura.nursery.id, name="山田 祖母", is_pass=True, pass_date=date(2026, 1, 21))
    db.add(granny)
    db.flush()
    db.add(PickupRule(child_id=sakura.children[2].id, parent_id=granny.id, nursery_id=sakura.nursery.id, kind=ONE_DAY))
    add_log(db, sakura, granny, "Exit", jan(21, "18:20"))  # 20 after 18:00: 2 units of 15
    add_log(db, sakura, granny, "Exit", jan(23, "19:00"))  # not the pass's date: not the child's pick-up
    db.commit()

    month = client.get("/api/entry-logs/extended-care", params=MONTH, headers=staff).json()

    by_child = {c["childName"]: (c["days"], c["minutes"], c["units"]) for c in month["items"]}
    assert by_child["sakura園児2"] == (1, 20, 2)
