"""Dashboard numbers and the monthly report on a small, known data set."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from service.fleet import labels
from service.fleet.models import Alert
from tests.service.fleet.conftest import make_customer, make_terminal, user_headers

NOV = datetime(2025, 10, 31, 15, 0, tzinfo=UTC)  # 2025-11-01 00:00 JST, a month long past
NOV_SECONDS = 30 * 86400


def alert(db, terminal, kind, created, resolved=None):
    db.add(
        Alert(
            terminal_id=terminal.id,
            customer_id=terminal.customer_id,
            alert_type=kind,
            message="",
            status="resolved" if resolved else "open",
            created_at=created,
            resolved_at=resolved,
        )
    )


@pytest.mark.dialect
def test_monthly_report_numbers(client, db):
    customer = make_customer(db)
    other = make_customer(db, "XYZ商店")
    first, _ = make_terminal(db, customer, serial="A1", created_at=NOV - timedelta(days=60))
    second, _ = make_terminal(db, customer, serial="A2", created_at=NOV + timedelta(days=15))
    stranger, _ = make_terminal(db, other, serial="B1", created_at=NOV - timedelta(days=60))
    alert(db, first, "offline", NOV + timedelta(days=1), NOV + timedelta(days=1, hours=9))
    alert(db, first, "offline", NOV - timedelta(hours=3), NOV + timedelta(hours=3))
    alert(db, first, "high_cpu", NOV + timedelta(days=2), NOV + timedelta(days=2, minutes=30))
    alert(db, second, "error", NOV + timedelta(days=20))
    alert(db, stranger, "offline", NOV + timedelta(days=3), NOV + timedelta(days=5))
    headers = user_headers(db, "viewer1", "viewer")
    db.commit()
    body = client.get(f"/api/fleet/reports/monthly/{customer.id}", params={"month": "2025-11"}, headers=headers).json()
    terminal_seconds = NOV_SECONDS + NOV_SECONDS / 2
    offline_seconds = 9 * 3600 + 3 * 3600
    assert body["terminals"] == 2
    assert 100 * (1 - offline_seconds / terminal_seconds) == pytest.approx(98.889, abs=1e-3)
    assert body["availability_pct"] == 98.9  # one decimal, as the page and the CSV show it
    assert body["alerts_total"] == 3
    assert {t["alert_type"]: t["count"] for t in body["alerts_by_type"]} == dict.fromkeys(labels.ALERT_TYPES, 0) | {
        "offline": 1,
        "error": 1,
        "high_cpu": 1,
    }
    assert body["resolved"] == 2
    assert body["mean_time_to_resolve_minutes"] == round((9 * 60 + 30) / 2, 1)


@pytest.mark.dialect
def test_the_reports_terminal_count_is_the_terminal_lists_total_as_of_the_months_end(client, db):
    customer = make_customer(db)
    other = make_customer(db, "XYZ商店")
    make_terminal(db, customer, serial="A1", created_at=NOV - timedelta(days=60))
    make_terminal(db, customer, serial="A2", created_at=NOV + timedelta(days=29, hours=23))  # 11/30 23:00 JST
    make_terminal(db, customer, serial="A3", created_at=NOV + timedelta(days=30, hours=1))  # 12/01 10:00 JST
    make_terminal(db, other, serial="B1", created_at=NOV - timedelta(days=60))
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    for route, month, expected in (
        (f"/api/fleet/reports/monthly/{customer.id}", "2025-11", 2),
        (f"/api/fleet/reports/monthly/{customer.id}", "2025-12", 3),  # the next month counts the December one
        ("/api/fleet/reports/monthly", "2025-11", 3),
    ):
        report = client.get(route, params={"month": month}, headers=headers).json()
        (figure,) = report["figures"]
        assert (figure["label"], figure["value"], report["terminals"]) == ("端末数", expected, expected)
        assert figure["counter"] == "台" and figure["period_label"] == f"2025年{int(month[5:])}月"
        listed = client.get("/api" + figure["list_route"], params=figure["list_query"], headers=headers).json()
        exported = client.get("/api" + figure["export_route"], params=figure["list_query"], headers=headers)
        assert listed["total"] == len(exported.content.decode("utf-8-sig").splitlines()) - 1 == expected
    assert figure["list_query"] == {"registered_to": "2025-11-30"}


@pytest.mark.dialect
def test_report_as_csv_and_pdf(client, db):
    customer = make_customer(db)
    headers = user_headers(db, "viewer1", "viewer")
    db.commit()
    url = f"/api/fleet/reports/monthly/{customer.id}"
    csv = client.get(url, params={"month": "2026-11", "format": "csv"}, headers=headers)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert '"稼働率","100.0%"' in text and '"アラート種別: オフライン","0件"' in text and '"SLA遵守率","なし"' in text
    pdf = client.get(url, params={"month": "2026-11", "format": "pdf"}, headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 1000
    assert client.get(url, params={"month": "2026-13"}, headers=headers).status_code == 422
    assert client.get(url, params={"month": "2999-01"}, headers=headers).status_code == 422
    assert client.get(url, params={"month": "latest"}, headers=headers).status_code == 422


@pytest.mark.dialect
def test_the_report_csv_shows_a_customer_name_that_looks_like_a_formula_as_text(client, db):
    name = '=HYPERLINK("https://evil.example/","請求書")'
    customer = make_customer(db, name)
    headers = user_headers(db, "viewer1", "viewer")
    db.commit()
    url = f"/api/fleet/reports/monthly/{customer.id}"
    answer = client.get(url, params={"month": "2026-11", "format": "csv"}, headers=headers)
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[1] == ["顧客名", "'" + name]


def test_dashboard_cards_and_customer_table(client, db):
    abc = make_customer(db, "ABC商事")
    xyz = make_customer(db, "XYZ商店")
    for i, status in enumerate(("online", "online", "error", "maintenance")):
        make_terminal(db, abc, serial=f"A{i}", status=status)
    t, _ = make_terminal(db, xyz, serial="X1", status="offline", store_name="渋谷店")
    alert(db, t, "offline", datetime.now(UTC) - timedelta(minutes=10))
    headers = user_headers(db)
    db.commit()
    body = client.get("/api/fleet/dashboard", headers=headers).json()
    open_alerts = next(f["value"] for f in body["figures"] if f["key"] == "fleet.open_alerts")
    assert (body["total"], body["online"], body["error"], body["offline"], open_alerts) == (5, 2, 1, 1, 1)
    assert body["availability_pct"] == 50.0
    assert body["critical_alerts"][0]["store_name"] == "渋谷店" and body["critical_alerts"][0]["minutes_ago"] == 10
    assert [(c["company_name"], c["terminals"], c["online"], c["error"]) for c in body["customers"]] == [
        ("ABC商事", 4, 2, 1),
        ("XYZ商店", 1, 0, 0),
    ]


def test_sla_overdue_counts_the_open_work_behind_time_only(client, db):
    """SLA超過: unresolved alerts with a §4.2 step past due; a resolved alert whose 完了報告 is late stays in the list's
    overdue filter but is not open work, and another customer's alert is not the caller's."""
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    terminal, _ = make_terminal(db, abc, serial="A1")
    stranger, _ = make_terminal(db, xyz, serial="X1")
    now = datetime.now(UTC)
    alert(db, terminal, "offline", now - timedelta(minutes=10))  # 初動確認 (5 minutes) missed
    alert(db, terminal, "error", now - timedelta(minutes=2))  # still in time
    alert(db, terminal, "high_cpu", now - timedelta(hours=3), resolved=now - timedelta(hours=2))
    db.execute(update(Alert).where(Alert.alert_type == "high_cpu").values(resolved_by="support1"))
    alert(db, stranger, "offline", now - timedelta(minutes=30))
    headers = user_headers(db, scope=str(abc.id))
    db.commit()
    body = client.get("/api/fleet/dashboard", headers=headers).json()
    shown = {figure["key"]: figure for figure in body["figures"]}
    assert (shown["fleet.open_alerts"]["value"], shown["fleet.sla_overdue_open"]["value"]) == (2, 1)
    assert shown["fleet.sla_overdue_open"]["label"] == "SLA超過（未解決）"
    assert shown["fleet.sla_overdue_open"]["list_query"] == {"overdue": "true", "open_only": "true"}
    beside = {f["key"]: f for f in client.get("/api/fleet/alerts/figures", headers=headers).json()}
    assert (beside["fleet.sla_overdue_open"]["value"], beside["fleet.sla_overdue"]["value"]) == (1, 2)
    assert beside["fleet.sla_overdue"]["label"] == "SLA超過（完了報告の遅れを含む）"
    overdue = client.get("/api/fleet/alerts", params={"overdue": True}, headers=headers).json()
    assert sorted(a["alert_type"] for a in overdue["items"]) == ["high_cpu", "offline"]
    open_overdue = client.get("/api/fleet/alerts", params={"overdue": True, "open_only": True}, headers=headers).json()
    assert [a["alert_type"] for a in open_overdue["items"]] == ["offline"]


def test_critical_alerts_come_by_importance_then_newest_first_with_the_value(client, db):
    customer = make_customer(db)
    now = datetime.now(UTC)
    kinds = [
        ("U", "update_failed", 300, "open", {}),
        ("M", "high_memory", 60, "open", {"memory_usage": 93.4}),
        ("A", "error", 120, "acknowledged", {}),
        ("O", "offline", 5, "open", {}),
        ("E", "error", 30, "open", {}),
    ]
    for serial, kind, minutes, status, usage in kinds:
        terminal, _ = make_terminal(db, customer, serial=serial, store_name=f"{serial}店", **usage)
        alert(db, terminal, kind, now - timedelta(minutes=minutes))
        db.execute(update(Alert).where(Alert.terminal_id == terminal.id).values(status=status))
    headers = user_headers(db)
    db.commit()
    critical = client.get("/api/fleet/dashboard", headers=headers).json()["critical_alerts"]
    assert [(a["serial_number"], a["summary"]) for a in critical] == [
        ("O", "オフライン"),
        ("E", "エラー"),
        ("A", "エラー"),
        ("U", "更新失敗"),
        ("M", "店舗PCメモリ使用率93%"),
    ]
