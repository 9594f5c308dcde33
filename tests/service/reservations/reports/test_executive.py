"""The executive numbers: the month so far is compared with the same days of the previous month, not all of it; the
monthly PDF report counts its month alone (its trend table alone spans 12 months) and reaches each executive once a
month over SMTP."""

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from pypdf import PdfReader
from sqlalchemy import func, select

from jobs import reservations as reservation_jobs
from jobs.schedule import BEAT_SCHEDULE
from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox.delivery import deliver
from service.outbox.models import OutboxFile, OutboxMessage
from service.reservations.models import Payment, Reservation, ReservationEvent
from service.reservations.reports import executive
from tests.factories import make_user
from tests.service.reservations.conftest import make_service, make_shop
from tests.support.mail import received
from tests.support.smtp import free_port, smtp_sink  # noqa: F401  (the fixture)

TOKYO = ZoneInfo("Asia/Tokyo")
_codes = count(1)


def made_at(db, service, created_at: datetime, status: str = "received", *, paid: int = 0, shop=None) -> Reservation:
    """A reservation created at that moment, its arrival in the event log (and paid then, when `paid` is an amount)."""
    reservation = Reservation(
        code=f"QRV-T{next(_codes):05d}",
        requester_name="山田太郎",
        requester_phone="090-1234-5678",
        service_type_id=service.id,
        desired_at=created_at + timedelta(days=5),
        amount=paid or 8000,
        status=status,
        cancel_deadline_at=created_at + timedelta(days=4),
        created_at=created_at,
        shop_id=shop.id if shop else None,
    )
    db.add(reservation)
    db.flush()
    db.add(
        ReservationEvent(reservation_id=reservation.id, to_status="received", actor_type="ai", occurred_at=created_at)
    )
    if paid:
        db.add(Payment(reservation_id=reservation.id, amount=paid, status="paid", paid_at=created_at))
    return reservation


def test_the_month_so_far_is_compared_with_the_same_days_of_the_previous_month(db):
    service = make_service(db)
    made_at(db, service, datetime(2026, 3, 2, 10, tzinfo=TOKYO), "confirmed", paid=8000)
    made_at(db, service, datetime(2026, 3, 15, 11, tzinfo=TOKYO), "cancelled")
    made_at(db, service, datetime(2026, 3, 15, 13, tzinfo=TOKYO))  # later the same day: the list counts whole days
    for day in (1, 3):
        made_at(db, service, datetime(2026, 2, day, tzinfo=TOKYO), "cancelled")
    made_at(db, service, datetime(2026, 2, 15, 11, 59, tzinfo=TOKYO), "confirmed", paid=5000)
    made_at(db, service, datetime(2026, 2, 16, 0, tzinfo=TOKYO), "confirmed", paid=9000)  # not the same days
    made_at(db, service, datetime(2026, 2, 28, 23, tzinfo=TOKYO), "confirmed")
    db.flush()

    so_far = executive.month_to_date(db, now=datetime(2026, 3, 15, 12, tzinfo=TOKYO))

    assert (so_far["days"], so_far["previous_days"]) == (15, 15)
    current = {figure.key.split(".")[1]: figure.value for figure in so_far["figures"]}
    assert current == {"reservations": 3, "confirmed": 1, "cancelled": 1, "revenue": 8000}
    assert so_far["figures"][0].period_label == "2026年3月（15日まで）" and so_far["figures"][0].partial
    assert so_far["previous"] == {
        "reservations.reservations": 3,
        "reservations.confirmed": 1,
        "reservations.cancelled": 2,
        "reservations.revenue": 5000,
    }
    assert (so_far["cancel_pct"], so_far["previous_cancel_pct"]) == (33.3, 66.7)


def test_a_longer_month_so_far_is_compared_with_the_whole_of_a_shorter_previous_month(db):
    service = make_service(db)
    made_at(db, service, datetime(2026, 2, 28, 23, tzinfo=TOKYO))
    made_at(db, service, datetime(2026, 3, 1, tzinfo=TOKYO))
    db.flush()

    so_far = executive.month_to_date(db, now=datetime(2026, 3, 31, 9, tzinfo=TOKYO))

    assert (so_far["days"], so_far["previous_days"]) == (31, 28)
    assert (so_far["figures"][0].value, so_far["previous"]["reservations.reservations"]) == (1, 1)


def arrivals(db, month: date) -> int:
    """The reservations the event log says arrived in the month (Tokyo)."""
    start = datetime(month.year, month.month, 1, tzinfo=TOKYO)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=TOKYO)
    received = (ReservationEvent.to_status == "received", ReservationEvent.occurred_at >= start)
    return db.scalar(select(func.count()).where(*received, ReservationEvent.occurred_at < end))


def test_the_monthly_report_counts_its_month_alone_and_only_its_trend_spans_twelve_months(db):
    cleaning, aircon = make_service(db), make_service(db, name="エアコンクリーニング")
    north, south = make_shop(db, "北店", [cleaning, aircon], order=1), make_shop(db, "南店", [cleaning], order=2)
    for day, service, shop in ((3, cleaning, north), (9, cleaning, south), (20, aircon, north)):
        made_at(db, service, datetime(2026, 10, day, 10, tzinfo=TOKYO), "confirmed", paid=8000, shop=shop)
    made_at(db, cleaning, datetime(2026, 10, 31, 23, 30, tzinfo=TOKYO), shop=south)  # still October in Tokyo
    for day in (1, 2, 3, 4, 5):
        made_at(db, cleaning, datetime(2026, 9, day, 12, tzinfo=TOKYO), "cancelled", shop=south)
    october, september = date(2026, 10, 1), date(2026, 9, 1)
    executive.recompute(db, now=datetime(2026, 11, 1, 3, tzinfo=TOKYO), months=[september, october])

    report = executive.summary_between(db, first=october, last=october)
    month = report["months"][-1]
    assert (month["reservations"], arrivals(db, october), arrivals(db, september)) == (4, 4, 5)
    assert sum(s["reservations"] for s in report["services"]) == arrivals(db, october)
    assert sum(s["reservations"] for s in report["shops"]) == arrivals(db, october)
    assert {s["name"]: s["reservations"] for s in report["shops"]} == {"南店": 2, "北店": 2}

    text = pdf_text(executive.report_pdf(db, month=october, now=datetime(2026, 11, 1, 3, tzinfo=TOKYO)))
    assert "月次レポート 2026年10月" in text and "集計時点: 2026/11/01 03:00 時点" in text
    assert "予約件数 4件" in text and "確定件数 3件" in text and "売上 2.4万円（24,000円）" in text
    assert "月の途中" not in text
    services_part = text.split("サービスタイプ別予約割合（2026年10月）")[1].split("提携店別予約件数ランキング")[0]
    assert "ハウスクリーニング 3 75.0%" in services_part and "エアコンクリーニング 1 25.0%" in services_part
    shops_part = text.split("提携店別予約件数ランキング（2026年10月）")[1].split("月間推移")[0]
    assert "南店 2 1" in shops_part and "北店 2 2" in shops_part  # reservations, confirmed: October's only
    trend_part = text.split("月間推移（参考: 対象月までの直近12か月）")[1]
    assert "2025-11" in trend_part and "2026-09 5 0 5" in trend_part and "2026-10 4 3 0" in trend_part


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_report_of_the_month_still_running_says_it_is_partial(db):
    made_at(db, make_service(db), datetime(2026, 10, 3, 10, tzinfo=TOKYO), "confirmed", paid=8000)
    text = pdf_text(executive.report_pdf(db, month=date(2026, 10, 1), now=datetime(2026, 10, 20, 9, tzinfo=TOKYO)))
    assert "月次レポート 2026年10月（20日まで）" in text and "月の途中までの集計です" in text
    assert "確定件数 1件" in text and "売上 0.8万円（8,000円）" in text


def report_mails(month: str) -> tuple[list[OutboxMessage], int]:
    """The month's report e-mails, and how many files the outbox keeps."""
    with session_scope() as db:
        stmt = select(OutboxMessage).where(OutboxMessage.ref_id == month).order_by(OutboxMessage.recipient)
        return list(db.scalars(stmt)), db.scalar(select(func.count()).select_from(OutboxFile))


@pytest.mark.dialect
def test_the_monthly_report_reaches_each_executive_once_a_month_as_a_pdf_over_smtp(db, smtp_sink):
    sink, port = smtp_sink
    made_at(db, make_service(db), datetime(2026, 2, 10, tzinfo=TOKYO), "confirmed", paid=8000)
    make_user(db, "exec-a", name="経営 一郎", grants={"reservations": "executive"})
    make_user(db, "exec-b", grants={"reservations": "executive"})
    make_user(db, "exec-gone", grants={"reservations": "executive"}, is_active=False)
    make_user(db, "resv-operator", grants={"reservations": "operator"})
    db.commit()
    first_of_march = datetime(2026, 2, 28, 21, 30, tzinfo=UTC)  # 06:30 on 1 March in Tokyo: February's report

    assert executive.send_monthly_report(db, now=first_of_march) == 2
    db.commit()
    make_user(db, "exec-late", grants={"reservations": "executive"})
    assert executive.send_monthly_report(db, now=first_of_march + timedelta(hours=1)) == 0  # the same month: nothing
    db.commit()

    mails, files = report_mails("2026-02-01")
    assert [m.recipient for m in mails] == ["exec-a@example.jp", "exec-b@example.jp"]
    assert files == 1  # one PDF, kept once for both
    down = get_settings().model_copy(update={"email_provider": "smtp", "smtp_port": free_port()})
    first = deliver(session_scope, mails[0].id, now=utcnow(), settings=down)
    assert first.outcome == "retry"  # the server is not there yet; the retry sends the stored file
    smtp = down.model_copy(update={"smtp_port": port})
    assert deliver(session_scope, mails[0].id, now=first.next_attempt_at, settings=smtp).outcome == "sent"
    assert deliver(session_scope, mails[1].id, now=utcnow(), settings=smtp).outcome == "sent"

    first_mail, second_mail = received(sink)  # strictly parsed: a text and an HTML part beside the PDF
    assert [m.message["To"] for m in (first_mail, second_mail)] == ["exec-a@example.jp", "exec-b@example.jp"]
    assert first_mail.message["Subject"] == "QRV 月次レポート 2026-02"
    assert "経営 一郎 様" in first_mail.text and "<p>経営 一郎 様</p>" in first_mail.html
    [attachment] = first_mail.message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "qrv-report-2026-02.pdf"
    assert attachment.get_content().startswith(b"%PDF-")
    assert [a.get_content() for a in second_mail.message.iter_attachments()] == [attachment.get_content()]

    assert executive.send_monthly_report(db, now=datetime(2026, 4, 1, 6, tzinfo=TOKYO)) == 3  # March's, to all three


@pytest.mark.dialect
def test_the_beat_runs_the_report_task_on_the_first_and_a_second_run_sends_nothing(db):
    make_user(db, "exec-a", grants={"reservations": "executive"})
    db.commit()
    assert BEAT_SCHEDULE["reservations.send_monthly_report"]["schedule"] == crontab(
        minute=0, hour="6-23", day_of_month=1
    )
    assert reservation_jobs.send_monthly_report() == 1
    assert reservation_jobs.send_monthly_report() == 0


@pytest.mark.dialect
def test_three_report_runs_at_once_queue_one_mail_per_executive(db):
    make_user(db, "exec-a", grants={"reservations": "executive"})
    db.commit()
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda _: reservation_jobs.send_monthly_report(), range(3)))
    assert runs.count(1) == 1 and set(runs) <= {0, 1, None}  # None: another run held the job's lock
    month = executive.add_months(executive.month_start(utcnow().astimezone(TOKYO).date()), -1)
    mails, files = report_mails(f"{month}")
    assert (len(mails), files) == (1, 1)
