"""Support inquiries (§7): any inquiry is logged, with or without a reservation, audited; the console's weekly KPI
counts them and takes the median first-response time in SQL."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from tests.service.reservations.conftest import book, headers_for

INQUIRIES = "/api/reservations/inquiries"


def last_week_at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of last week's day (0: Monday), in the service's time zone."""
    zone = ZoneInfo(get_settings().timezone)
    today = utcnow().astimezone(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return datetime(monday.year, monday.month, monday.day, hour, minute, tzinfo=zone) + timedelta(days=day)


def inquiry(received: datetime, responded: datetime | None = None, **fields) -> dict:
    body = {"channel": "email", "requester_type": "requester", "requester": "山田太郎", "received_at": received}
    body |= {"question": "キャンセルの方法を知りたい"}
    body |= {"first_responded_at": responded, **fields}
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in body.items()}


def last_week_kpi(client, headers) -> dict:
    weeks = client.get("/api/reservations/kpis/support", headers=headers).json()["weeks"]
    assert len(weeks) == 8 and weeks[-1]["start"] == str(last_week_at(7, 0).date())
    return weeks[-2]


@pytest.mark.dialect
def test_an_inquiry_without_a_reservation_is_logged_audited_and_counted_in_the_weekly_median(client, db, catalog):
    support = headers_for(db, "support")
    code = book(catalog["service_id"])
    logged = [
        client.post(INQUIRIES, json=inquiry(last_week_at(1, 10), last_week_at(1, 10, 30)), headers=support),
        client.post(
            INQUIRIES,
            json=inquiry(
                last_week_at(2, 11),
                last_week_at(2, 11, 10),
                channel="phone",
                requester_type="shop",
                requester="提携店1",
                reservation_code=code.lower(),
            ),
            headers=support,
        ),
        client.post(INQUIRIES, json=inquiry(last_week_at(3, 12), last_week_at(3, 14)), headers=support),
        client.post(INQUIRIES, json=inquiry(last_week_at(4, 13), answer=""), headers=support),
    ]
    assert [answer.status_code for answer in logged] == [201] * 4
    first, by_shop, _, waiting = (answer.json() for answer in logged)
    assert (first["reservation_code"], first["first_response_minutes"], first["channel_label"]) == (None, 30.0, "Email")
    assert (by_shop["reservation_code"], by_shop["requester_type_label"]) == (code, "提携店")

    week = last_week_kpi(client, headers_for(db, "executive"))
    assert (week["inquiries"], week["responded"]) == (4, 3)
    assert week["median_first_response_minutes_by_channel"] == {"email": 75.0, "phone": 10.0}  # (30, 120) and (10)

    answered = client.patch(
        f"{INQUIRIES}/{waiting['id']}",
        json={"first_responded_at": last_week_at(4, 13, 40).isoformat(), "answer": "FAQの手順をご案内"},
        headers=support,
    )
    assert answered.status_code == 200 and answered.json()["first_response_minutes"] == 40.0
    week = last_week_kpi(client, support)
    assert (week["inquiries"], week["responded"]) == (4, 4)
    assert week["median_first_response_minutes_by_channel"] == {"email": 40.0, "phone": 10.0}  # (30, 40, 120) and (10)

    listed = client.get(INQUIRIES, params={"channel": "email"}, headers=support).json()
    assert listed["total"] == 3 and listed["items"][0]["answer"] == "FAQの手順をご案内"
    exported = client.get(f"{INQUIRIES}/export", headers=support).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][:3] == ["ID", "受付日時", "チャネル"] and len(rows) == 5
    with session_scope() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "support_inquiry").order_by(AuditEntry.seq)
        ).all()
    assert [e.action for e in entries] == ["create_support_inquiry"] * 4 + ["update_support_inquiry"]
    assert set(entries[-1].changes) == {"first_responded_at", "answer", "status"}  # answered: 未対応 → 対応中
    assert entries[-1].changes["status"] == {"before": "open", "after": "in_progress"}


def test_an_unknown_reservation_or_a_response_before_arrival_is_refused_and_nothing_is_logged(client, db, catalog):
    support = headers_for(db, "support")
    unknown = client.post(INQUIRIES, json=inquiry(last_week_at(1, 9), reservation_code="QRV-ZZZZZZ"), headers=support)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"] == {"field": "reservation_code", "rule": "exists"}
    malformed = client.post(INQUIRIES, json=inquiry(last_week_at(1, 9), reservation_code="QRV-12"), headers=support)
    refused = [detail["message"] for detail in malformed.json()["error"]["details"]]  # as the page says it
    assert refused == ["予約ID: 形式が正しくありません（「QRV-」と英数字6文字（例: QRV-7KX2M9）で入力してください）"]
    early = client.post(INQUIRIES, json=inquiry(last_week_at(1, 9), last_week_at(1, 8)), headers=support)
    assert (early.status_code, early.json()["error"]["details"]["rule"]) == (422, "after_received_at")
    kept = client.post(INQUIRIES, json=inquiry(last_week_at(1, 9)), headers=support).json()
    moved = client.patch(f"{INQUIRIES}/{kept['id']}", json={"reservation_code": "QRV-ZZZZZZ"}, headers=support)
    assert (moved.status_code, moved.json()["error"]["details"]["field"]) == (422, "reservation_code")
    assert client.patch(f"{INQUIRIES}/999999", json={"answer": "x"}, headers=support).status_code == 404
    assert client.get(INQUIRIES, headers=support).json()["total"] == 1
    executive = headers_for(db, "executive")
    assert client.post(INQUIRIES, json=inquiry(last_week_at(1, 9)), headers=executive).status_code == 403
