"""Following each loaner home: the days a device has been 返却可能 (or 商談中, 返却拒否) computed from its submissions,
the 返却待ち list per location longest first with its CSV, SUMMARY's age figures, and the weekly digest mail."""

import importlib
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select, text, update

from service.config import get_settings
from service.database import session_scope, utcnow
from service.figures import local
from service.links import dashboard_page
from service.loaners import labels
from service.loaners.models import Device
from service.loaners.returns import return_digest
from service.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.service.loaners.conftest import IN_HOUSE, LENT, add_location, answer, headers, make_device
from tests.support.downloads import csv_download
from tests.support.mail import sent_by_smtp
from tests.support.smtp import smtp_sink  # noqa: F401

RETURNS = "/api/loaners/views/returns"
DAY = timedelta(days=1)
RETURNABLE = LENT | {"預かり機のステータス": "1.返却可能"}
TALKS = LENT | {"預かり機のステータス": "2.商談や金額の問題で返却不可"}
REFUSED = LENT | {"預かり機のステータス": "3.お客様による返却拒否"}
MAINTENANCE = LENT | {"預かり機のステータス": "4.HW延長保守中(OS入れ替えやサービス終了を含む)"}


@pytest.fixture
def followed(db):
    """Osaka: A 返却可能 for 20 days (answered twice since), B 返却可能 for 5 days after 30 days 商談中, C 返却可能 for
    3 days after a return in between, D 返却拒否 for 40 days, E in HW maintenance; Kobe: F 返却可能 for 45 days;
    Tokyo (関東): G 返却可能 for 60 days."""
    now = utcnow()
    add_location(db, "tokyo", "関東", name="東京")
    places = {"F": "kobe", "G": "tokyo"}
    devices = {name: make_device(db, places.get(name, "osaka"), serial=name) for name in "ABCDEFG"}
    history = {
        "A": [(25, LENT), (20, RETURNABLE), (12, RETURNABLE | {"0-1.担当者": "別人"}), (2, RETURNABLE)],
        "B": [(35, TALKS), (5, RETURNABLE)],
        "C": [(50, RETURNABLE), (30, IN_HOUSE), (3, RETURNABLE)],
        "D": [(40, REFUSED)],
        "E": [(90, MAINTENANCE)],
        "F": [(45, RETURNABLE | {"1-1.貸出先": "神戸商店"})],
        "G": [(60, RETURNABLE)],
    }
    for name, answers in history.items():
        for days, given in answers:
            answer(db, devices[name], given, at=now - days * DAY)
    db.commit()
    return devices


def listed(client, staff, **params) -> dict:
    response = client.get(RETURNS, params=params, headers=staff)
    assert response.status_code == 200, response.text
    return response.json()


def numbers(page: dict) -> list[str]:
    return [row["management_number"].split("_")[3] for row in page["items"]]


def test_the_days_in_a_held_status_run_from_the_first_answer_of_its_unbroken_run(client, db, followed):
    staff = headers(db, "staff1")
    db.commit()
    page = listed(client, staff, page_size=100)
    days = {row["management_number"].split("_")[3]: (row["held_status"], row["status_days"]) for row in page["items"]}
    assert days == {
        "G": ("1.返却可能", 60),
        "F": ("1.返却可能", 45),
        "D": ("3.お客様による返却拒否", 40),
        "A": ("1.返却可能", 20),
        "B": ("1.返却可能", 5),
        "C": ("1.返却可能", 3),
    }
    assert numbers(page) == ["G", "F", "D", "A", "B", "C"]  # longest first; HW maintenance is not followed
    detail = client.get(f"/api/loaners/devices/{followed['B'].id}", headers=staff).json()
    assert (detail["held_status_days"], detail["held_days"]) == (5, 35)
    normal = client.get("/api/loaners/views/normal", params={"location_id": "osaka"}, headers=staff).json()
    shown = {row["device_id"]: row["values"].get("預かり機のステータスの日数") for row in normal["items"]}
    assert shown[followed["A"].id] == "20" and shown[followed["E"].id] == "90"


def test_the_list_per_location_by_status_and_age_pages_and_downloads_the_same_rows(client, db, followed):
    staff = headers(db, "kansai-staff", scope="関西")
    db.commit()
    osaka = {"location_id": "osaka", "held_status": "1.返却可能"}
    assert numbers(listed(client, staff, **osaka)) == ["A", "B", "C"]
    pages = [listed(client, staff, **osaka, page=n, page_size=2) for n in (1, 2)]
    assert [numbers(page) for page in pages] == [["A", "B"], ["C"]] and pages[1]["total"] == 3
    assert numbers(listed(client, staff, min_days=8, max_days=30)) == ["A"]
    assert numbers(listed(client, staff, min_days=31)) == ["F", "D"]  # 関東's G is not the caller's
    rows = csv_download(client.get(f"{RETURNS}/export", params={"min_days": 4}, headers=staff))
    assert rows[0][:6] == ["拠点", "拠点管理番号", "機種名", "デバイスタイプ", "預かり機のステータス", "日数"]
    assert [(row[1].split("_")[3], row[5]) for row in rows[1:]] == [("F", "45"), ("D", "40"), ("A", "20"), ("B", "5")]
    assert rows[1][7] == "神戸商店"
    for params in ({"location_id": "tokyo"}, {"jurisdiction": "関東"}):
        assert client.get(RETURNS, params=params, headers=staff).status_code == 404
        assert client.get(f"{RETURNS}/export", params=params, headers=staff).status_code == 404
    refused = client.get(
        RETURNS, params={"held_status": "4.HW延長保守中(OS入れ替えやサービス終了を含む)"}, headers=staff
    )
    assert refused.status_code == 422


@pytest.mark.dialect
def test_a_new_answer_moves_the_age(client, db, followed):
    answer(db, followed["A"], TALKS)  # 商談中 from now on
    staff = headers(db, "staff1")
    db.commit()
    row = next(r for r in listed(client, staff)["items"] if r["device_id"] == followed["A"].id)
    assert (row["held_status"], row["status_days"]) == ("2.商談や金額の問題で返却不可", 0)


def test_summary_adds_the_returnable_age_figures_each_its_lists_total_and_its_csvs_rows(client, db, followed):
    staff = headers(db, "kansai-staff", scope="関西")
    db.commit()
    figures = {f["key"]: f for f in client.get("/api/loaners/views/summary", headers=staff).json()["figures"]}
    ages = {key: figures[key]["value"] for key in figures if key.startswith("loaners.returnable_")}
    assert ages == {"loaners.returnable_week": 2, "loaners.returnable_month": 1, "loaners.returnable_overdue": 1}
    for key in ages:
        figure = figures[key]
        assert figure["list_route"] == "/loaners/views/returns" and figure["period_label"] == "現在"
        assert listed(client, staff, **figure["list_query"])["total"] == figure["value"]
        exported = csv_download(client.get("/api" + figure["export_route"], params=figure["list_query"], headers=staff))
        assert len(exported) - 1 == figure["value"]


def digests() -> list[tuple[str, str]]:
    with session_scope() as db:
        rows = db.execute(
            select(OutboxMessage.ref_id, OutboxMessage.recipient)
            .where(OutboxMessage.ref_type == return_digest.DIGEST_REF)
            .order_by(OutboxMessage.ref_id, OutboxMessage.recipient)
        )
        return [tuple(row) for row in rows]


def last_minute_of_the_week(now: datetime) -> datetime:
    """The last minute of `now`'s week in Japan time (Sunday 23:59): never before `now`, whatever day the test runs."""
    following_monday = datetime.combine(return_digest.week_start(now) + 7 * DAY, time(), tzinfo=local(now).tzinfo)
    return following_monday - timedelta(minutes=1)


@pytest.mark.dialect
def test_the_weekly_digest_tells_each_location_once_a_week_its_staff_and_admins(db, followed, smtp_sink):
    make_user(db, "boss", email="boss@example.jp", grants={"loaners": "admin"})
    make_user(db, "kanto-boss", email="kanto-boss@example.jp", grants={"loaners": ("admin", "関東")})
    make_user(db, "clerk", email="clerk@example.jp", grants={"loaners": "staff"})
    db.commit()
    now = utcnow()
    with session_scope() as session:
        assert return_digest.send_digests(session, now=now) == 7
    told = [
        ("kobe", "boss@example.jp"),
        ("kobe", "test-group@example.com"),  # the location's group address (§8.1): its staff
        ("osaka", "boss@example.jp"),
        ("osaka", "test-group@example.com"),
        ("tokyo", "boss@example.jp"),
        ("tokyo", "kanto-boss@example.jp"),
        ("tokyo", "tokyo@example.com"),
    ]
    assert digests() == told
    with session_scope() as session:
        assert return_digest.send_digests(session, now=last_minute_of_the_week(now)) == 0  # told already
    assert digests() == told
    with session_scope() as session:
        body = session.scalar(
            select(OutboxMessage.body).where(
                OutboxMessage.ref_id == "osaka", OutboxMessage.recipient == "boss@example.jp"
            )
        )
    assert "■ 返却可能（1台）" in body and "■ お客様による返却拒否（1台）" in body
    assert followed["A"].management_number in body and followed["B"].management_number not in body
    with session_scope() as session:
        assert return_digest.send_digests(session, now=now + 7 * DAY) == 7  # next week, again
        weeks = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.ref_id == "osaka", OutboxMessage.recipient == "boss@example.jp")
            .order_by(OutboxMessage.id)
        ).all()
    page = dashboard_page(
        return_digest.RETURNS_PAGE, location_id="osaka", min_days=get_settings().loaners_return_due_days
    )
    for mail in sent_by_smtp(smtp_sink, *weeks):  # each week's, as the mail reader shows it
        assert [table[0] for table in mail.tables] == [list(labels.DIGEST_COLUMNS)] * 2  # 返却可能, 返却拒否
        assert [row[0] for table in mail.tables for row in table[1:]][0] == followed["A"].management_number
        assert "<h3>返却可能（1台）</h3>" in mail.html and mail.links == [(page, page)]


def test_the_migration_fills_what_the_answers_write(db, followed):
    """The revision that added held_status_since fills it, for the registers already there, with the same SQL rule."""
    migration = importlib.import_module("service.migrations.versions.2026_11_26_0045_loaners_returns")
    written = dict(db.execute(select(Device.id, Device.held_status_since)).tuples().all())
    db.execute(update(Device).values(held_status_since=None))
    db.execute(text(migration.STATUS_SINCE))
    db.expire_all()
    assert dict(db.execute(select(Device.id, Device.held_status_since)).tuples().all()) == written
    assert sum(since is not None for since in written.values()) == 7
