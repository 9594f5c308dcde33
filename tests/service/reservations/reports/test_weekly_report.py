"""The weekly report (§6.2): its week's figures are the reservation list's totals over Monday to Sunday in Japan time,
beside the week before's, with the support KPIs as the support page's cards take them up to the week's Sunday, the
week's services, shops and incidents; mailed once a week to operators and executives, as the monthly one is to
executives."""

import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from celery.schedules import crontab
from sqlalchemy import select

from jobs import reservations as reservation_jobs
from jobs.schedule import BEAT_SCHEDULE
from service import documents
from service.outbox.models import OutboxMessage
from service.reservations import labels
from service.reservations.models import Incident
from service.reservations.reports import weekly
from tests.factories import make_user
from tests.service.reservations.conftest import headers_for, make_service, make_shop
from tests.service.reservations.reports.test_executive import TOKYO, made_at, pdf_text
from tests.service.reservations.support.test_support_kpis import change, log
from tests.service.test_documents import PDFTOPPM, page_lines

MONDAY = date(2026, 11, 16)
AFTER = datetime(2026, 11, 23, 8, tzinfo=TOKYO)  # the Monday after the week, 08:00


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


def a_week_of_bookings(db) -> None:
    cleaning, aircon = make_service(db), make_service(db, name="エアコンクリーニング")
    north, south = make_shop(db, "北店", [cleaning, aircon], order=1), make_shop(db, "南店", [cleaning], order=2)
    made_at(db, cleaning, at(16, 0, 5), "confirmed", paid=8000, shop=north)  # Monday just after midnight
    made_at(db, aircon, at(18), "confirmed", paid=12000, shop=north)
    made_at(db, cleaning, at(22, 23, 30), "cancelled", shop=south)  # Sunday night: still the week in Tokyo
    made_at(db, cleaning, at(23, 0, 10), shop=south)  # the next week's Monday
    made_at(db, cleaning, at(10), "cancelled", shop=south)  # the week before
    made_at(db, cleaning, at(12), "confirmed", paid=8000, shop=north)
    db.add_all(
        [
            Incident(title="決済APIの一時的なエラー", level="low", occurred_at=at(19, 14), recovered_at=at(19, 15)),
            Incident(title="前週の障害", level="high", occurred_at=at(15, 23)),
        ]
    )
    db.flush()


def test_the_week_is_monday_to_sunday_in_japan_time_beside_the_week_before(client, db):
    a_week_of_bookings(db)
    operator = headers_for(db, "operator")
    db.commit()

    text = pdf_text(weekly.report_pdf(db, monday=MONDAY, now=AFTER))
    db.commit()

    assert "QRV 週次レポート 2026/11/16〜2026/11/22" in text and "集計時点: 2026/11/23 08:00 時点" in text
    assert "週の途中" not in text
    assert "予約件数 3件 2件" in text and "確定件数 2件 1件" in text and "キャンセル件数 1件 1件" in text
    assert "売上 2.0万円（20,000円） 0.8万円（8,000円）" in text
    assert "キャンセル率 33.3% 50.0%" in text
    services = text.split("サービスタイプ別予約割合（対象週）")[1].split("提携店別")[0]
    assert "ハウスクリーニング 2 66.7%" in services and "エアコンクリーニング 1 33.3%" in services
    shops = text.split("提携店別予約件数ランキング（対象週）")[1].split("対象週に発生したインシデント")[0]
    assert "北店 2 2" in shops and "南店 1 0" in shops
    incidents = text.split("対象週に発生したインシデント")[1]
    assert "11/19 14:00 Low 決済APIの一時的なエラー 11/19 15:00" in incidents and "前週の障害" not in incidents
    # one definition: the figure is the reservation list's total over the same days
    listed = client.get(
        "/api/reservations/reservations",
        params={"created_from": "2026-11-16", "created_to": "2026-11-22"},
        headers=operator,
    ).json()
    assert listed["total"] == 3


def test_a_week_still_running_says_so_and_the_api_names_a_week_by_any_of_its_days(client, db):
    a_week_of_bookings(db)
    executive, support = headers_for(db, "executive"), headers_for(db, "support")
    db.commit()
    partial = pdf_text(weekly.report_pdf(db, monday=MONDAY, now=at(18, 12)))
    assert "2026/11/16〜2026/11/18（今日まで）" in partial and "週の途中までの集計です" in partial
    db.commit()

    answer = client.get("/api/reservations/executive/weekly-report", params={"week": "2020-01-08"}, headers=executive)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")
    assert answer.headers["content-disposition"] == 'attachment; filename="qrv-weekly-2020-01-06.pdf"'
    for week, rule in (("2099-01-01", "not_future"), ("2026/11/16", "yyyy-mm-dd")):
        refused = client.get("/api/reservations/executive/weekly-report", params={"week": week}, headers=executive)
        assert (refused.status_code, refused.json()["error"]["details"]["rule"]) == (422, rule)
    assert (
        client.get("/api/reservations/executive/weekly-report", params={"week": "2026-11-16"}, headers=support)
    ).status_code == 403


@pytest.mark.dialect
def test_last_weeks_report_is_mailed_on_monday_once_to_operators_and_executives(db):
    a_week_of_bookings(db)
    make_user(db, "resv-operator", grants={"reservations": "operator"})
    make_user(db, "resv-executive", name="経営 一郎", grants={"reservations": "executive"})
    make_user(db, "resv-support", grants={"reservations": "support"})
    make_user(db, "resv-gone", grants={"reservations": "executive"}, is_active=False)
    db.commit()

    assert weekly.send_weekly_report(db, now=AFTER.astimezone(UTC)) == 2
    db.commit()
    assert weekly.send_weekly_report(db, now=AFTER + timedelta(hours=1)) == 0  # the same week: nothing more
    db.commit()

    mails = db.scalars(select(OutboxMessage).where(OutboxMessage.ref_type == "weekly_report")).all()
    assert sorted(m.recipient for m in mails) == ["resv-executive@example.jp", "resv-operator@example.jp"]
    assert {m.ref_id for m in mails} == {"2026-11-16"}
    assert {m.subject for m in mails} == {"QRV 週次レポート 2026/11/16〜11/22"}
    assert "経営 一郎 様" in next(m.body for m in mails if m.recipient.startswith("resv-executive"))


@pytest.mark.dialect
def test_the_beat_sends_it_on_mondays_and_a_second_run_sends_nothing(db):
    make_user(db, "resv-operator", grants={"reservations": "operator"})
    db.commit()
    assert BEAT_SCHEDULE["reservations.send_weekly_report"]["schedule"] == crontab(
        minute=0, hour="8-23", day_of_week="mon"
    )
    assert reservation_jobs.send_weekly_report() == 1
    assert reservation_jobs.send_weekly_report() == 0


@pytest.mark.dialect
def test_the_support_kpis_are_the_support_pages_cards_up_to_the_weeks_sunday_each_with_its_period(client, db):
    support = headers_for(db, "support")

    def asked(received: datetime, responded: datetime, resolved: datetime, rating: int) -> None:
        def sent(moment: datetime) -> str:
            return moment.replace(tzinfo=None).isoformat()

        inquiry = log(client, support, sent(received), first_responded_at=sent(responded), satisfaction=rating)
        assert change(client, support, inquiry["id"], resolved_at=sent(resolved)).status_code == 200

    asked(at(17, 10), at(17, 10, 30), at(17, 12), 5)  # answered in 30 minutes, resolved in 2 hours
    asked(at(19, 9), at(19, 11), at(20, 15), 3)  # 120 minutes, resolved in 30 hours: late
    asked(at(10, 9), at(10, 9, 15), at(10, 10), 1)  # the week before: only in the quarter's satisfaction
    db.commit()

    text = pdf_text(weekly.report_pdf(db, monday=MONDAY, now=AFTER))
    db.commit()
    with time_machine.travel(at(22, 23), tick=False):  # the week's last evening: the cards over the same days
        then = headers_for(db, "support", "resv-support-sunday")  # a token issued then (PyJWT refuses a future iat)
        cards = client.get("/api/reservations/inquiries/figures", headers=then).json()["figures"]

    support_kpis = text.split("サポートKPI")[1].split("サービスタイプ別")[0]
    assert "初回応答時間（Email） 75.0分（対象2件） 2026/11/16〜2026/11/22" in support_kpis  # MEDIAN of 30 and 120
    assert "初回応答の目標達成率（Email） 100.0%（対象2件） 2026/11/16〜2026/11/22" in support_kpis
    assert "初回応答時間（電話） —（対象0件） 2026/11/16〜2026/11/22" in support_kpis
    assert "解決時間（24時間以内・経過時間） 50.0%（対象2件） 2026/11/16〜2026/11/22" in support_kpis
    assert "顧客満足度 3.00（対象3件） 2026/10/01〜2026/11/22" in support_kpis  # its quarter
    assert [(card["value"], card["basis"]) for card in cards] == [
        (75.0, 2),
        (1.0, 2),
        (0.0, 0),
        (0.0, 0),
        (0.5, 2),
        (3.0, 3),
    ]


@pytest.mark.dialect
def test_no_heading_of_the_weekly_pdf_ends_a_page_and_an_empty_table_says_so(db, tmp_path: Path):
    """One more service type each time moves the tables below it down a row, through the foot of page 1: no heading
    or header row is ever the last line of a page, and the week's incidents, none, say 「なし」 under their header."""
    names = labels.WEEKLY_REPORT_LABELS
    headings = {names[key] for key in ("support", "services", "shops", "incidents")}
    headers = {names["item"], names["occurred_at"], ""}
    content = b""
    for number in range(12):
        made_at(db, make_service(db, name=f"サービス{number}"), at(18), "confirmed", paid=8000)
        content = weekly.report_pdf(db, monday=MONDAY, now=AFTER)
        pages = [lines for lines in page_lines(content) if lines]
        for lines in pages:
            assert lines[-1][0] not in headings | headers, (number, lines[-1])
        every = [line for lines in pages for line in lines]
        incidents = every.index([names["incidents"]])
        assert every[incidents + 2 :] == [[documents.NO_ROWS]]
    assert len(pages) == 2  # the last ones went on to a second page
    made = tmp_path / "weekly.pdf"
    made.write_bytes(content)
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed: the PDF was made but not rendered")
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(made), str(tmp_path / "page")], check=True, capture_output=True)
    assert len(sorted(tmp_path.glob("page*.png"))) == 2
