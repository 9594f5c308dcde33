"""The console's numbers (today by status, today's operations, the week's success rates from the event log, latest
Slack posts), reservation lists and detail, incidents, MCP client keys, and the executive summary and PDF."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.config import get_settings
from service.database import session_scope, utcnow
from service.reservations.messages import cancel_token
from service.reservations.reports import executive
from tests.service.reservations.conftest import (
    answer_calls,
    book,
    deliver_due,
    headers_for,
    pay,
    payment_of,
)


def three_outcomes(client, monkeypatch, service_id) -> dict[str, str]:
    """One confirmed (paid), one awaiting payment, one all-declined reservation, booked today."""
    paid = book(service_id, name="佐藤花子", phone="080-2222-3333")
    waiting = book(service_id)
    deliver_due()
    pay(client, payment_of(paid).checkout_session_id)
    answer_calls(monkeypatch, "decline")
    declined = book(service_id)
    deliver_due()
    return {"confirmed": paid, "awaiting_payment": waiting, "all_declined": declined}


@pytest.mark.dialect
def test_today_and_the_week_from_the_event_log(client, db, catalog, monkeypatch):
    operator = headers_for(db, "operator")
    three_outcomes(client, monkeypatch, catalog["service_id"])
    today = client.get("/api/reservations/console/today", headers=operator).json()
    counts = {row["status"]: row["count"] for row in today["reservations_by_status"]}
    assert today["reservations_total"] == 3
    assert (counts["confirmed"], counts["awaiting_payment"], counts["all_declined"], counts["calling"]) == (1, 1, 1, 0)
    assert today["operations_created"] == 1 and today["operations_open"] == 1 and today["operations_overdue"] == 0
    assert {r["op_type"]: r["count"] for r in today["operations_by_type"]}["all_shops_declined"] == 1
    week = client.get("/api/reservations/kpis/weekly", headers=operator).json()
    monday = date.fromisoformat(today["day"]) - timedelta(days=date.fromisoformat(today["day"]).weekday())
    assert [row["day"] for row in week["days"]] == [str(monday + timedelta(days=n)) for n in range(7)]
    [last] = [row for row in week["days"] if row["day"] == today["day"]]
    assert (last["requests"], last["booked"], last["payment_links"], last["paid"]) == (3, 2, 2, 1)
    assert week["booking_success_pct"] == 66.7 and week["payment_success_pct"] == 50.0
    assert last["cancelled"] == 0 and week["cancel_pct"] == 0.0
    assert [row["booking_success_pct"] for row in week["days"] if row["day"] != today["day"]] == [None] * 6


@pytest.mark.dialect
def test_the_week_counts_cancellations_as_the_cancel_rate(client, db, catalog):
    operator = headers_for(db, "operator")
    book(catalog["service_id"])
    cancelled = book(catalog["service_id"])
    answer = client.post(f"/api/reservations/cancel/{cancelled}", data={"token": cancel_token(cancelled)})
    assert answer.status_code == 200
    week = client.get("/api/reservations/kpis/weekly", headers=operator).json()
    assert week["cancel_pct"] == 50.0 and sum(row["cancelled"] for row in week["days"]) == 1


@pytest.mark.dialect
def test_latest_notifications_name_the_reservation(client, db, catalog, monkeypatch):
    support = headers_for(db, "support")
    declined = three_outcomes(client, monkeypatch, catalog["service_id"])["all_declined"]
    [latest] = client.get("/api/reservations/notifications", params={"limit": 5}, headers=support).json()
    assert latest["reservation_code"] == declined and latest["message"] == f"予約ID: {declined} が全店NG"
    assert latest["kind_label"] == "マニュアルオペ"


@pytest.mark.dialect
def test_lists_filter_by_status_phone_name_and_dates_and_detail_has_the_timeline(client, db, catalog, monkeypatch):
    support = headers_for(db, "support")
    codes = three_outcomes(client, monkeypatch, catalog["service_id"])

    def found(**params):
        answer = client.get("/api/reservations/reservations", params=params, headers=support)
        assert answer.status_code == 200, answer.text
        return [r["code"] for r in answer.json()["items"]]

    assert found() == [codes["all_declined"], codes["awaiting_payment"], codes["confirmed"]]
    assert found(status="confirmed") == [codes["confirmed"]]
    assert found(q="+818022223333") == found(q="080-2222-3333") == [codes["confirmed"]]
    assert found(q="佐藤") == [codes["confirmed"]]
    assert found(q=codes["awaiting_payment"].lower()) == [codes["awaiting_payment"]]
    local_now = datetime.now(ZoneInfo(get_settings().timezone))  # the service reads dates as its zone's days
    tomorrow = (local_now + timedelta(days=1)).date().isoformat()
    assert found(created_from=tomorrow) == []
    assert len(found(desired_from=(local_now + timedelta(days=4)).date().isoformat())) == 3
    assert client.get("/api/reservations/reservations", params={"status": "nope"}, headers=support).status_code == 422
    detail = client.get(f"/api/reservations/reservations/{codes['confirmed']}", headers=support).json()
    assert [e["to_label"] for e in detail["events"]] == [
        "受付済み",
        "電話代行中",
        "予約OK（決済リンク送信中）",
        "決済待ち",
        "予約確定",
    ]
    assert detail["calls"][0]["outcome_label"] == "予約OK" and detail["calls"][0]["summary"]
    assert (detail["calls"][0]["status"], detail["calls"][0]["status_label"]) == ("answered", "応答あり")
    assert detail["payments"][0]["status_label"] == "支払い済み"
    assert detail["cancel_url"].endswith(detail["cancel_url"].split("token=")[1])
    assert client.get("/api/reservations/reservations/QRV-NOPE00", headers=support).status_code == 404
    assert client.get("/api/reservations/reservations/not-a-code", headers=support).status_code == 404


def test_incidents_are_recorded_by_support_and_read_by_executives(client, db):
    support = headers_for(db, "support")
    executive_headers = headers_for(db, "executive")
    created = client.post(
        "/api/reservations/incidents",
        json={
            "title": "Twilio障害でSMS送信不可",
            "level": "high",
            "occurred_at": "2025-01-29T10:00:00",
            "impact": "SMS送信 12件",
            "cause": "外部API障害",
        },
        headers=support,
    )
    assert created.status_code == 201, created.text
    incident = created.json()
    assert incident["occurred_at"].startswith("2025-01-29T01:00:00")  # 10:00 in Tokyo
    early = client.patch(
        f"/api/reservations/incidents/{incident['id']}", json={"recovered_at": "2025-01-29T09:00:00"}, headers=support
    )
    assert early.status_code == 422 and early.json()["error"]["details"]["rule"] == "after_occurred_at"
    client.patch(
        f"/api/reservations/incidents/{incident['id']}",
        json={"recovered_at": "2025-01-29T11:30:00", "prevention": "SMS送信の監視強化"},
        headers=support,
    )
    listed = client.get("/api/reservations/incidents", headers=executive_headers).json()
    assert listed["items"][0]["prevention"] == "SMS送信の監視強化"
    assert client.get("/api/reservations/incidents", params={"open_only": True}, headers=support).json()["total"] == 0
    assert client.post("/api/reservations/incidents", json={}, headers=executive_headers).status_code == 403


def test_mcp_client_keys_are_shown_once_and_stored_hashed(client, db):
    operator = headers_for(db, "operator")
    created = client.post("/api/reservations/mcp-clients", json={"name": "Claude Desktop"}, headers=operator)
    assert created.status_code == 201
    key = created.json()["api_key"]
    assert key.startswith("qrv_") and created.json()["key_prefix"] == key[:12]
    listed = client.get("/api/reservations/mcp-clients", headers=operator).json()
    assert "api_key" not in listed[0] and listed[0]["active"] is True
    revoked = client.post(f"/api/reservations/mcp-clients/{listed[0]['id']}/revoke", headers=operator).json()
    assert revoked["active"] is False and revoked["revoked_at"]
    support = headers_for(db, "support")
    assert client.get("/api/reservations/mcp-clients", headers=support).status_code == 403


@pytest.mark.dialect
def test_the_executive_summary_and_the_monthly_pdf(client, db, catalog, monkeypatch):
    executive_headers = headers_for(db, "executive")
    three_outcomes(client, monkeypatch, catalog["service_id"])
    with session_scope() as db2:
        executive.recompute(db2, now=utcnow())
    summary = client.get("/api/reservations/executive/summary", params={"months": 3}, headers=executive_headers).json()
    assert len(summary["months"]) == 3
    current = summary["months"][-1]
    assert (current["reservations"], current["confirmed"], current["revenue"]) == (3, 1, 8000)
    assert summary["services"] == [
        {
            "id": catalog["service_id"],
            "name": "ハウスクリーニング",
            "reservations": 3,
            "confirmed": 1,
            "share_pct": 100.0,
        }
    ]
    assert [(s["name"], s["reservations"]) for s in summary["shops"]] == [("提携店1", 2)]
    month = current["month"]
    pdf = client.get("/api/reservations/executive/report", params={"month": month}, headers=executive_headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    future = client.get("/api/reservations/executive/report", params={"month": "2999-01"}, headers=executive_headers)
    assert future.status_code == 422 and future.json()["error"]["details"]["rule"] == "not_future"
    support = headers_for(db, "support")
    assert client.get("/api/reservations/executive/summary", headers=support).status_code == 403
