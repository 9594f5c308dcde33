"""Closing time: the nursery setting, 退出記録なし on the present list, the staff's exit by hand, the admins' e-mail."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.entry_logs import insights
from service.entry_logs.attendance import closing
from service.entry_logs.models import EntryLog, Nursery, Parent
from service.links import dashboard_page
from service.outbox.models import OutboxMessage
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.world import World, add_log
from tests.support.mail import sent_by_smtp
from tests.support.smtp import smtp_sink  # noqa: F401

TOKYO = ZoneInfo("Asia/Tokyo")
CLOSING = time(18, 0)
AT_CLOSING = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)  # 18:00 in Tokyo


def tokyo(clock: str, day: int = 14) -> datetime:
    return datetime.combine(datetime(2026, 1, day).date(), time.fromisoformat(clock), tzinfo=TOKYO)


def today_at(fraction: float) -> datetime:
    """A moment earlier today (Japan time): the given fraction of the time since midnight."""
    now = datetime.now(TOKYO)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + (now - midnight) * fraction


def set_closing(db, world: World, at: time | None) -> None:
    world.nursery.closing_time = at
    db.commit()


def two_inside_one_left(db, world: World, moment=today_at) -> None:
    """Parents 0 and 2 entered and are inside; parent 1 entered and left."""
    p0, p1, p2 = world.parents
    add_log(db, world, p0, "Entry", moment(0.2))
    add_log(db, world, p1, "Entry", moment(0.3))
    add_log(db, world, p1, "Exit", moment(0.4))
    add_log(db, world, p2, "Entry", moment(0.5))
    db.commit()


def present_url(world: World) -> str:
    return f"/api/entry-logs/nurseries/{world.nursery.id}/present-parents"


def exit_url(world: World, parent_id: int, nursery: World | None = None) -> str:
    return f"/api/entry-logs/nurseries/{(nursery or world).nursery.id}/parents/{parent_id}/exit"


def log_count(db) -> int:
    total = db.scalar(select(func.count()).select_from(EntryLog))
    db.commit()
    return total


def audit_rows(db, action: str) -> list[AuditEntry]:
    rows = list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))
    db.commit()
    return rows


def closing_emails(db) -> list[OutboxMessage]:
    rows = list(db.scalars(select(OutboxMessage).where(OutboxMessage.ref_type == closing.NOTICE_REF)))
    db.commit()
    return rows


# The setting ---------------------------------------------------------------------------------------


def test_the_closing_time_is_set_kept_and_cleared_as_hh_mm_and_audited(client, db, staff, sakura):
    url = f"/api/entry-logs/nurseries/{sakura.nursery.id}"
    assert client.get(url, headers=staff).json()["closingTime"] is None

    set_to = client.patch(url, json={"closingTime": "18:30"}, headers=staff)
    assert set_to.status_code == 200 and set_to.json()["closingTime"] == "18:30"
    renamed = client.patch(url, json={"name": "さくら第二保育園"}, headers=staff)
    assert renamed.json()["closingTime"] == "18:30"  # left out: kept
    assert client.get(url, headers=staff).json()["closingTime"] == "18:30"
    cleared = client.patch(url, json={"closingTime": None}, headers=staff)
    assert cleared.status_code == 200 and cleared.json()["closingTime"] is None

    changes = [row.changes for row in audit_rows(db, "update")]
    assert changes[0] == {"closing_time": {"before": None, "after": "18:30:00"}}
    assert changes[2] == {"closing_time": {"before": "18:30:00", "after": None}}


@pytest.mark.parametrize("value", ["1830", "18:3", "24:00", "18:60", "18:30:00", "18:30+09:00", " 18:30", 1830, True])
def test_a_closing_time_that_is_not_hh_mm_is_a_422(client, db, staff, sakura, value):
    response = client.patch(
        f"/api/entry-logs/nurseries/{sakura.nursery.id}", json={"closingTime": value}, headers=staff
    )
    assert response.status_code == 422
    assert [d["rule"] for d in response.json()["error"]["details"]] == ["hour_minute"]
    assert db.scalar(select(Nursery.closing_time)) is None


# The present list ------------------------------------------------------------------------------------


@pytest.mark.dialect
def test_parents_inside_after_the_closing_time_are_listed_as_missing_their_exit(client, db, staff, sakura):
    two_inside_one_left(db, sakura)
    set_closing(db, sakura, time(0, 0))  # today's closing time has always passed

    body = client.get(present_url(sakura), headers=staff).json()

    assert (body["closingTime"], body["closingTimePassed"]) == ("00:00", True)
    assert [(p["parentName"], p["missingExit"]) for p in body["parents"]] == [
        ("sakura保護者2", True),
        ("sakura保護者0", True),
    ]


@pytest.mark.dialect
def test_before_the_closing_time_or_without_one_nobody_is_missing_an_exit(db, sakura):
    two_inside_one_left(db, sakura, moment=lambda f: tokyo("08:00") + timedelta(hours=f))
    set_closing(db, sakura, CLOSING)
    before = insights.present_parents(db, nursery=sakura.nursery, now=AT_CLOSING - timedelta(minutes=1))
    after = insights.present_parents(db, nursery=sakura.nursery, now=AT_CLOSING)
    set_closing(db, sakura, None)
    without = insights.present_parents(db, nursery=sakura.nursery, now=AT_CLOSING)
    db.commit()
    assert [p.missing_exit for p in before] == [False, False]
    assert [p.missing_exit for p in after] == [True, True]
    assert [p.missing_exit for p in without] == [False, False]


# Recording an exit -------------------------------------------------------------------------------------


@pytest.mark.dialect
def test_recording_an_exit_writes_an_audited_counted_exit_and_the_parent_leaves_the_list(client, db, staff, sakura):
    two_inside_one_left(db, sakura)
    parent = sakura.parents[0]

    response = client.post(exit_url(sakura, parent.id), headers=staff)

    assert response.status_code == 201
    answer = response.json()
    assert (answer["parentId"], answer["parentName"], answer["entryType"]) == (parent.id, "sakura保護者0", "Exit")
    log = db.get(EntryLog, answer["logId"])
    assert (log.entry_type, log.station_id, log.recorded_by, log.nursery_id) == (
        "Exit",
        None,
        "staff-a",
        sakura.nursery.id,
    )
    [entry] = audit_rows(db, "record_exit")
    assert (entry.actor_label, entry.target_type, entry.target_id) == ("staff-a", "entry_exit_log", str(log.id))
    assert {name: change["after"] for name, change in entry.changes.items()} == {
        "entry_type": "Exit",
        "nursery_id": sakura.nursery.id,
        "occurred_at": str(log.occurred_at),
        "parent_id": parent.id,
        "recorded_by": "staff-a",
    }
    listed = client.get(present_url(sakura), headers=staff).json()["parents"]
    assert [p["parentName"] for p in listed] == ["sakura保護者2"]
    logs = client.get("/api/entry-exit-logs", headers=staff).json()
    assert logs["totalCount"] == len(logs["logs"]) == 5  # the hour counts kept in step
    assert logs["logs"][0]["recordedBy"] == "staff-a"


@pytest.mark.dialect
def test_an_exit_for_a_parent_who_is_not_inside_is_a_409(client, db, staff, sakura):
    two_inside_one_left(db, sakura)
    left, never_came = sakura.parents[1], make_parent(db, sakura)
    for parent_id in (left.id, never_came):
        response = client.post(exit_url(sakura, parent_id), headers=staff)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "parent_not_inside"
        assert "園内にいない" in response.json()["error"]["message"]
    assert client.post(exit_url(sakura, sakura.parents[0].id), headers=staff).status_code == 201
    assert client.post(exit_url(sakura, sakura.parents[0].id), headers=staff).status_code == 409  # recorded once
    assert len(audit_rows(db, "record_exit")) == 1


def make_parent(db, world: World) -> int:
    parent = Parent(nursery_id=world.nursery.id, name="来ていない保護者", phone="")
    db.add(parent)
    db.commit()
    return parent.id


@pytest.mark.dialect
def test_another_nurserys_parent_or_nursery_is_a_404_for_staff_and_admins(client, db, staff, sakura, himawari):
    add_log(db, himawari, himawari.parents[0], "Entry", today_at(0.5))
    db.commit()
    admin = auth_headers(make_user(db, "el-admin", grants={"entry_logs": "admin"}))
    db.commit()
    theirs = himawari.parents[0].id
    for headers, url in (
        (staff, exit_url(himawari, theirs)),
        (staff, exit_url(himawari, theirs, nursery=sakura)),
        (admin, exit_url(himawari, theirs, nursery=sakura)),
    ):
        response = client.post(url, headers=headers)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] in {"nursery_not_found", "parent_not_found"}
    assert log_count(db) == 1
    assert client.post(exit_url(himawari, theirs), headers=admin).status_code == 201


def test_callers_without_an_entry_logs_role_cannot_record_an_exit(client, db, sakura):
    outsider = auth_headers(make_user(db, "fleet-only", grants={"fleet": ("viewer", None)}))
    db.commit()
    assert client.post(exit_url(sakura, sakura.parents[0].id)).status_code == 401
    assert client.post(exit_url(sakura, sakura.parents[0].id), headers=outsider).status_code == 403


# The admins' e-mail ------------------------------------------------------------------------------------


@pytest.fixture
def admins(db, sakura):
    """Two 入退管理 admins with an e-mail, one without, one inactive, and staff (who are not told)."""
    make_user(db, "el-admin", grants={"entry_logs": "admin"}, email="el-admin@example.jp")
    make_user(db, "el-admin2", grants={"entry_logs": ("admin", str(sakura.nursery.id))}, email="admin2@example.jp")
    make_user(db, "no-mail", grants={"entry_logs": "admin"}).email = ""
    make_user(db, "gone", grants={"entry_logs": "admin"}, is_active=False)
    make_user(db, "staff-b", grants={"entry_logs": ("staff", str(sakura.nursery.id))})
    db.commit()


@pytest.mark.dialect
def test_at_closing_each_admin_gets_one_email_listing_the_parents_still_inside(db, sakura, himawari, admins):
    two_inside_one_left(db, sakura, moment=lambda f: tokyo("08:00") + timedelta(hours=f))
    set_closing(db, sakura, CLOSING)
    set_closing(db, himawari, CLOSING)  # nobody inside: told nothing

    assert closing.send_closing_notices(db, now=AT_CLOSING - timedelta(minutes=1)) == 0
    sent = [closing.send_closing_notices(db, now=AT_CLOSING + timedelta(minutes=m)) for m in (0, 5, 10)]
    db.commit()

    assert sent == [2, 0, 0]
    emails = closing_emails(db)
    assert sorted(e.recipient for e in emails) == ["admin2@example.jp", "el-admin@example.jp"]
    email = emails[0]
    assert email.subject == "【入退管理】さくら保育園: 閉園時刻（18:00）を過ぎても退出記録のない保護者が2人います"
    assert "・sakura保護者2 / 08:30 / sakura園児2" in email.body
    assert "・sakura保護者0 / 08:12 / sakura園児0、sakura園児3" in email.body
    assert "sakura保護者1" not in email.body
    assert email.body.endswith("/entry-logs-present")
    told = dict(db.execute(select(Nursery.code, Nursery.closing_notice_date)).all())
    assert told == {"sakura": AT_CLOSING.date(), "himawari": AT_CLOSING.date()}


@pytest.mark.dialect
def test_the_notice_is_sent_again_the_next_day_and_not_for_a_nursery_without_a_closing_time(
    db, sakura, admins, smtp_sink
):
    two_inside_one_left(db, sakura, moment=lambda f: tokyo("08:00") + timedelta(hours=f))
    assert closing.send_closing_notices(db, now=AT_CLOSING) == 0  # no closing time set
    set_closing(db, sakura, CLOSING)
    assert closing.send_closing_notices(db, now=AT_CLOSING) == 2
    add_log(db, sakura, sakura.parents[0], "Entry", tokyo("09:00", day=15))
    db.commit()
    assert closing.send_closing_notices(db, now=AT_CLOSING + timedelta(days=1)) == 2
    db.commit()
    next_day = [e for e in closing_emails(db) if "1人" in e.subject]
    assert len(next_day) == 2 and "・sakura保護者0 / 09:00 / " in next_day[0].body
    first_day = [e for e in closing_emails(db) if "2人" in e.subject]
    db.commit()
    page = dashboard_page(closing.PRESENT_PAGE)
    first, second = sent_by_smtp(smtp_sink, first_day[0].id, next_day[0].id)  # as the mail reader shows them
    assert [len(first.tables[0]), len(second.tables[0])] == [3, 2]  # the header and a row per parent inside
    assert first.tables[0][0] == ["保護者", "入園", "園児"] and second.tables[0][1][:2] == ["sakura保護者0", "09:00"]
    assert first.links == second.links == [(page, page)]


@pytest.mark.dialect
def test_running_the_notice_three_times_sends_one_email_per_admin(db, sakura, admins):
    """Sequential reruns (the beat's next ticks) find the day claimed."""
    two_inside_one_left(db, sakura, moment=lambda f: tokyo("08:00") + timedelta(hours=f))
    set_closing(db, sakura, CLOSING)
    for _ in range(3):
        closing.send_closing_notices(db, now=AT_CLOSING)
        db.commit()
    assert len(closing_emails(db)) == 2
